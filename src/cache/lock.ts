/**
 * A cross-process lock per MFA device, so that parallel invocations (Terraform, IDEs) prompt once.
 *
 * It is an OS file lock (flock/LockFileEx) on a file in the cache directory: the OS releases it when
 * the holder exits or dies, so a crashed process never leaves a stale lock behind.
 *
 * A success is shared through the cache. A prompt that ends without a code (cancelled, timed out,
 * every code rejected) is shared through the lock file itself: the holder writes a one-line outcome
 * record into it (a message and a time, never a secret) before releasing, and the waiters end with
 * that outcome instead of each prompting in turn. While it prompts, the holder notes its terminal
 * there, so that waiters on the same terminal (Terraform's parallel runs) do not write over it.
 * @module
 */
import { VegasError } from "../errors.ts";

/** How the holder's attempt ended, as left in the lock file for the waiters. */
export interface LockOutcome {
  /** What kind of end (`cancelled`, `timeout`, `rejected`). */
  readonly kind: string;
  /** The holder's error line. */
  readonly message: string;
  /** When it was recorded (ms since the epoch). */
  readonly at: number;
}

/** What the holder leaves in the lock file: where it prompts, or how its attempt ended. */
export type LockNote =
  | { readonly terminal: number | undefined }
  | { readonly kind: string; readonly message: string };

/** A held lock; disposing it releases it. */
export interface HeldLock extends Disposable {
  /** True when another process held the lock first (so the cache is worth reading again). */
  readonly waited: boolean;
  /** Leaves `note` for the processes waiting on this lock. Never pass a secret. */
  record(note: LockNote): void;
}

/** How often a waiter looks for the holder's outcome. */
const POLL_MS = 100;

/**
 * Takes the exclusive lock at `path`, waiting at most `timeoutMs`. `onWait` runs once when another
 * process holds it, so the user knows why nothing happens; `giveUp` is polled while waiting, and an
 * error it returns ends the wait with that error (the holder's recorded outcome).
 */
export async function acquireLock(
  path: string,
  timeoutMs: number,
  onWait: () => void = () => {},
  giveUp: () => Error | undefined = () => undefined,
): Promise<HeldLock> {
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  let abandoned = false;
  let held = false;
  const locking = file.lock(true).then(() => {
    held = true;
    // Deno cannot cancel a pending lock(): when we gave up, let it go as soon as it is ours.
    if (abandoned) release(file);
    return "locked" as const;
  });
  // Deno has no try-lock: a free lock is taken within milliseconds, so a slower answer means waiting.
  const timers: ReturnType<typeof setTimeout>[] = [];
  const after = <T>(ms: number, value: T) =>
    new Promise<T>((resolve) => timers.push(setTimeout(() => resolve(value), ms)));
  try {
    let state: "locked" | "busy" | "poll" = await Promise.race([
      locking,
      after(150, "busy" as const),
    ]);
    const waited = state !== "locked";
    if (waited) {
      onWait();
      const deadline = Date.now() + timeoutMs;
      while (state !== "locked") {
        const stop = giveUp();
        if (stop) throw stop;
        if (Date.now() >= deadline) {
          throw new VegasError(
            `timed out after ${Math.round(timeoutMs / 1000)} s waiting for another ` +
              `vegas-credentials process that is asking for an MFA code for the same device`,
          );
        }
        state = await Promise.race([
          locking,
          after(Math.min(POLL_MS, deadline - Date.now()), "poll" as const),
        ]);
      }
    }
    return {
      waited,
      record(note) {
        const line = JSON.stringify({ ...note, at: Date.now() }) + "\n";
        try {
          file.truncateSync(0);
          file.seekSync(0, Deno.SeekMode.Start);
          const data = new TextEncoder().encode(line);
          for (let offset = 0; offset < data.length;) {
            offset += file.writeSync(data.subarray(offset));
          }
        } catch { /* the waiters then prompt themselves, as before */ }
      },
      [Symbol.dispose]() {
        release(file);
      },
    };
  } catch (error) {
    abandoned = true;
    if (held) release(file);
    throw error;
  } finally {
    timers.forEach(clearTimeout);
  }
}

function release(file: Deno.FsFile) {
  try {
    file.unlockSync();
  } finally {
    file.close();
  }
}

function readNote(path: string): Record<string, unknown> | undefined {
  try {
    const data = JSON.parse(Deno.readTextFileSync(path));
    return typeof data === "object" && data !== null && typeof data.at === "number"
      ? data
      : undefined;
  } catch {
    return undefined; // empty (nothing recorded), or being written: nothing yet
  }
}

/**
 * The outcome recorded in the lock file at `path` at or after `since` (ms since the epoch), that is
 * by a holder that ended while we were waiting; undefined otherwise. Never throws.
 */
export function readOutcome(path: string, since: number): LockOutcome | undefined {
  const note = readNote(path);
  if (typeof note?.kind !== "string" || typeof note.message !== "string") return undefined;
  const at = note.at as number;
  return at >= since ? { kind: note.kind, message: note.message, at } : undefined;
}

/** The controlling terminal the lock's holder prompts on, when it recorded one. */
export function holderTerminal(path: string): number | undefined {
  const terminal = readNote(path)?.terminal;
  return typeof terminal === "number" ? terminal : undefined;
}

/**
 * This process's controlling terminal as a device number (Linux: `tty_nr` of /proc/self/stat);
 * undefined when there is none or it cannot be told.
 */
export function controllingTerminal(): number | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const tty = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[4]);
    return tty > 0 ? tty : undefined;
  } catch {
    return undefined;
  }
}
