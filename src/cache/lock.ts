/**
 * A cross-process lock per MFA device, so that parallel invocations (Terraform, IDEs) prompt once.
 *
 * It is an OS file lock (flock/LockFileEx) on a file in the cache directory: the OS releases it when
 * the holder exits or dies, so a crashed process never leaves a stale lock behind.
 * @module
 */
import { VegasError } from "../errors.ts";

/** A held lock; disposing it releases it. */
export interface HeldLock extends Disposable {
  /** True when another process held the lock first (so the cache is worth reading again). */
  readonly waited: boolean;
}

/**
 * Takes the exclusive lock at `path`, waiting at most `timeoutMs`. `onWait` runs once when another
 * process holds it, so the user knows why nothing happens.
 */
export async function acquireLock(
  path: string,
  timeoutMs: number,
  onWait: () => void = () => {},
): Promise<HeldLock> {
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  const locking = file.lock(true).then(() => "locked" as const);
  // Deno has no try-lock: a free lock is taken within milliseconds, so a slower answer means waiting.
  const timers: ReturnType<typeof setTimeout>[] = [];
  const after = <T>(ms: number, value: T) =>
    new Promise<T>((resolve) => timers.push(setTimeout(() => resolve(value), ms)));
  try {
    let state: "locked" | "busy" | "timeout" = await Promise.race([
      locking,
      after(150, "busy" as const),
    ]);
    const waited = state === "busy";
    if (waited) {
      onWait();
      state = await Promise.race([locking, after(timeoutMs, "timeout" as const)]);
    }
    if (state === "timeout") {
      // The pending lock() stays in a worker thread; the process exits right after this error.
      throw new VegasError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for another ` +
          `vegas-credentials process that is asking for an MFA code for the same device`,
      );
    }
    return {
      waited,
      [Symbol.dispose]() {
        try {
          file.unlockSync();
        } finally {
          file.close();
        }
      },
    };
  } finally {
    timers.forEach(clearTimeout);
  }
}
