/**
 * No keys in core dumps. Every run holds the source profile's long-term keys and role credentials
 * in memory; a crash (or `kill -QUIT`) where core dumps are enabled would write them to a file, or
 * hand them to a crash collector. Linux lets a process leave all its memory out of its own core
 * dump through `/proc/self/coredump_filter` — one small write, cheap enough for the cache hit
 * (setrlimit or prctl would need FFI, which costs more than the whole hit). macOS and Windows
 * write no core dumps of ordinary programs unless set up to.
 *
 * main.ts does this first thing (inline, to keep a module off the cache-hit path). The filter is
 * inherited by child processes, so `exec` hands its command the caller's setting once it runs:
 * written into the child's own filter, never by turning ours back on around the spawn (that would
 * leave this process, keys and all, dumpable while the child starts).
 * @module
 */

/**
 * Gives the child `pid` the core-dump filter this process started with (its parent's), so that a
 * command such as `exec`'s behaves as if started by the caller. Ours stays excluded throughout.
 * Never throws: a child that is gone, or a filter that cannot be read or written, keeps ours.
 *
 * @example
 * ```ts
 * import { handCallerCoreDumpFilter } from "./core_dumps.ts";
 * const child = new Deno.Command("sleep", { args: ["1"] }).spawn();
 * handCallerCoreDumpFilter(child.pid);
 * await child.status;
 * ```
 */
export function handCallerCoreDumpFilter(pid: number): void {
  if (Deno.build.os !== "linux") return;
  try {
    // Shown as hex with leading zeros, which the kernel would read back as octal.
    const caller = `0x${Deno.readTextFileSync(`/proc/${Deno.ppid}/coredump_filter`).trim()}`;
    Deno.writeTextFileSync(`/proc/${pid}/coredump_filter`, caller);
  } catch { /* the parent or the child is gone or hidden: the child keeps ours */ }
}
