/**
 * Who listens on a TCP port: read from /proc, so that "the server stopped listening" is checked
 * without connecting. A connect that is refused proves nothing either way once the port is free:
 * another test process may be given the same port a moment later.
 */

/** A process holding a listening socket on the port. */
export interface Listener {
  readonly pid: number;
  /** Its environment, as NAME=VALUE entries. */
  readonly environment: string[];
}

/** Socket inodes in LISTEN state on `port`, IPv4 and IPv6, as /proc/PID/fd links name them. */
async function listeningSockets(port: number): Promise<Set<string>> {
  const sockets = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await Deno.readTextFile(table).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === "0A" && parseInt(local.split(":").at(-1)!, 16) === port) {
        sockets.add(`socket:[${inode}]`);
      }
    }
  }
  return sockets;
}

/** The processes listening on `port` (every process's, when run as root; else this user's). */
export async function listenersOn(port: number): Promise<Listener[]> {
  const sockets = await listeningSockets(port);
  if (sockets.size === 0) return [];
  const listeners: Listener[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (!(await holdsAny(pid, sockets))) continue;
    const environ = await Deno.readTextFile(`/proc/${pid}/environ`).catch(() => "");
    listeners.push({ pid, environment: environ.split("\0").filter(Boolean) });
  }
  return listeners;
}

async function holdsAny(pid: number, sockets: Set<string>): Promise<boolean> {
  try {
    for await (const fd of Deno.readDir(`/proc/${pid}/fd`)) {
      const target = await Deno.readLink(`/proc/${pid}/fd/${fd.name}`).catch(() => "");
      if (sockets.has(target)) return true;
    }
  } catch {
    // The process ended, or is not ours to read.
  }
  return false;
}
