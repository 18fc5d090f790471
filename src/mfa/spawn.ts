/**
 * Child processes that an MFA race can cancel: killed with their descendants when the race ends,
 * when a signal ends this program, and — through a watchdog — when this program is killed outright.
 * @module
 */
import { onInterrupt } from "../interrupt.ts";
import { helperEnvOptions } from "./helper_env.ts";

/** The outcome of a finished child. */
export interface ChildResult {
  readonly code: number;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runChild}. */
export interface ChildOptions {
  readonly signal: AbortSignal;
  /** Written to the child's stdin, then stdin is closed (secrets go here, never in argv). */
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Receives stderr as it arrives (else it is collected into the result). */
  readonly onStderr?: (text: string) => void;
}

/** Thrown when the race was over before the child finished. */
export class ChildAborted extends Error {
  constructor() {
    super("aborted");
    this.name = "ChildAborted";
  }
}

/**
 * Runs `command` with `args`; kills it (and its children) when `options.signal` aborts, or when
 * SIGINT/SIGTERM/SIGHUP ends this program, or (by a watchdog) after this program was SIGKILLed.
 */
export async function runChild(
  command: string,
  args: readonly string[],
  options: ChildOptions,
): Promise<ChildResult> {
  if (options.signal.aborted) throw new ChildAborted();
  const child = new Deno.Command(command, {
    args: [...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...helperEnvOptions(options.env), // the caller's environment without AWS credentials
  }).spawn();
  const watchdog = startWatchdog(child.pid);
  const onAbort = () => killTree(child.pid);
  options.signal.addEventListener("abort", onAbort, { once: true });
  using _interrupt = onInterrupt(() => {
    killTree(child.pid);
    watchdog?.kill();
  });
  try {
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {});
      await writer.close().catch(() => {});
    }
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout),
      collect(child.stderr, options.onStderr),
      child.status,
    ]);
    if (options.signal.aborted) throw new ChildAborted();
    return { code: status.code, signal: status.signal, stdout, stderr };
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    await watchdog?.stop();
  }
}

/**
 * Ends the tree of `root` once this program is gone. Its stdin is a pipe from us that nothing is
 * ever written to: the read returns only when the pipe closes, that is when this program ended —
 * however it ended, SIGKILL included. When the child ends normally, we kill the watchdog first.
 */
const WATCHDOG = `trap '' INT HUP
read -r _
table() {
  if [ -r /proc/self/stat ]; then
    for f in /proc/[0-9]*/stat; do
      IFS= read -r s < "$f" || continue
      p=\${f#/proc/}
      set -- \${s##*) }
      echo "\${p%/stat} $2"
    done
  else
    ps -A -o pid= -o ppid=
  fi
}
kill -TERM $(table 2>/dev/null | awk -v root="$1" '
  { kids[$2] = kids[$2] " " $1 }
  END {
    out = root; queue = root
    while (queue != "") {
      n = split(queue, q, " "); queue = ""
      for (i = 1; i <= n; i++) {
        m = split(kids[q[i]], k, " ")
        for (j = 1; j <= m; j++) { out = out " " k[j]; queue = queue " " k[j] }
      }
    }
    print out
  }') 2>/dev/null`;

interface Watchdog {
  kill(): void;
  stop(): Promise<void>;
}

function startWatchdog(root: number): Watchdog | undefined {
  if (Deno.build.os === "windows") return undefined;
  let process: Deno.ChildProcess;
  try {
    process = new Deno.Command("/bin/sh", {
      args: ["-c", WATCHDOG, "vegas-credentials-watchdog", String(root)],
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" },
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch {
    return undefined; // no /bin/sh: the signal handlers still cover everything but SIGKILL
  }
  const kill = () => {
    try {
      process.kill("SIGKILL");
    } catch { /* gone already */ }
  };
  return {
    kill,
    async stop() {
      kill();
      await process.status;
      await process.stdin.close().catch(() => {});
    },
  };
}

async function collect(stream: ReadableStream<Uint8Array>, onText?: (text: string) => void) {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const part = decoder.decode(chunk, { stream: true });
    if (onText) onText(part);
    else text += part;
  }
  return text;
}

/** Kills a process and, on Linux, every descendant (a shell command may have started a pipeline). */
export function killTree(pid: number): void {
  for (const descendant of descendants(pid).reverse()) signal(descendant);
  signal(pid);
}

function signal(pid: number) {
  try {
    Deno.kill(pid, Deno.build.os === "windows" ? "SIGKILL" : "SIGTERM");
  } catch { /* already gone */ }
}

function descendants(pid: number): number[] {
  if (Deno.build.os === "windows") return [];
  const parents = new Map<number, number[]>();
  const add = (child: number, parent: number) =>
    parents.set(parent, [...(parents.get(parent) ?? []), child]);
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        add(Number(entry.name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch { /* exited meanwhile */ }
    }
  } catch {
    // No /proc (macOS, BSD): ask ps for the process table.
    try {
      const out = new Deno.Command("ps", { args: ["-A", "-o", "pid=,ppid="], stderr: "null" })
        .outputSync();
      for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
        const [child, parent] = line.trim().split(/\s+/).map(Number);
        if (child && parent) add(child, parent);
      }
    } catch {
      return [];
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
