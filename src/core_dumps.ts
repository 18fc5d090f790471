/**
 * No keys in core dumps. Every run holds the source profile's long-term keys and role credentials
 * in memory; a crash (or `kill -QUIT`) where core dumps are enabled would write them to a file, or
 * hand them to a crash collector. Linux lets a process leave all its memory out of its own core
 * dump through `/proc/self/coredump_filter` — one small write, cheap enough for the cache hit
 * (setrlimit or prctl would need FFI, which costs more than the whole hit). macOS and Windows
 * write no core dumps of ordinary programs unless set up to.
 *
 * main.ts does this first thing (inline, to keep a module off the cache-hit path). The filter is
 * inherited by child processes, so `exec` hands its command the caller's setting.
 * @module
 */

const FILTER = "/proc/self/coredump_filter";

/** Leaves every memory mapping of this process out of its core dump (Linux). Never throws. */
export function excludeMemoryFromCoreDumps(): void {
  if (Deno.build.os !== "linux") return;
  try {
    Deno.writeTextFileSync(FILTER, "0");
  } catch { /* no /proc, or not allowed: nothing more to do */ }
}

/**
 * Runs `spawn` with the core-dump filter this process started with (its parent's), so that a child
 * such as `exec`'s command behaves as if started by the caller; excludes our memory again after.
 */
export function withCallerCoreDumpFilter<T>(spawn: () => T): T {
  let caller: string | undefined;
  if (Deno.build.os === "linux") {
    try {
      // Shown as hex with leading zeros, which the kernel would read back as octal.
      caller = `0x${Deno.readTextFileSync(`/proc/${Deno.ppid}/coredump_filter`).trim()}`;
      Deno.writeTextFileSync(FILTER, caller);
    } catch {
      caller = undefined; // the parent is gone or hidden: the child keeps ours
    }
  }
  try {
    return spawn();
  } finally {
    if (caller !== undefined) excludeMemoryFromCoreDumps();
  }
}
