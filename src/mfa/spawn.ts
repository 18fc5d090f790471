/**
 * Child processes that an MFA race can cancel: killed with their descendants when the race ends.
 * @module
 */
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

/** Runs `command` with `args`; kills it (and its children) when `options.signal` aborts. */
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
  const onAbort = () => killTree(child.pid);
  options.signal.addEventListener("abort", onAbort, { once: true });
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
  }
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
