/**
 * Ending cleanly on SIGINT, SIGTERM and SIGHUP while something must be undone first: MFA helper
 * processes to end (with their children), a terminal in prompt mode to restore, the lock holder's
 * outcome to record for the processes waiting on it.
 *
 * The signal listeners exist only while a cleanup is registered, so the default behaviour applies
 * the rest of the time (and `exec` can forward signals to its command).
 * @module
 */
import { writeStderr } from "./ui.ts";

/** The signals that end the program with cleanups, and their numbers for the 128+N exit status. */
const SIGNALS: Readonly<Partial<Record<Deno.Signal, number>>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGTERM: 15,
};

/**
 * Runs when a signal ends the program. `message` is the line chosen so far by the cleanups that
 * ran before (the newest registered runs first); returning a string sets it if none is set yet.
 */
export type Cleanup = (signal: Deno.Signal, message: string | undefined) => string | void;

const cleanups: Cleanup[] = [];
const listeners: [Deno.Signal, () => void][] = [];

/** Registers `cleanup` until the returned handle is disposed. */
export function onInterrupt(cleanup: Cleanup): Disposable {
  cleanups.push(cleanup);
  if (cleanups.length === 1) listen();
  return {
    [Symbol.dispose]() {
      const index = cleanups.lastIndexOf(cleanup);
      if (index < 0) return;
      cleanups.splice(index, 1);
      if (cleanups.length === 0) unlisten();
    },
  };
}

function listen() {
  for (const signal of Object.keys(SIGNALS) as Deno.Signal[]) {
    const listener = () => interrupted(signal);
    try {
      Deno.addSignalListener(signal, listener);
      listeners.push([signal, listener]);
    } catch { /* not available on this platform (Windows has SIGINT only) */ }
  }
}

function unlisten() {
  for (const [signal, listener] of listeners.splice(0)) {
    Deno.removeSignalListener(signal, listener);
  }
}

/** Runs every cleanup (newest first), says why on stderr, and exits 128+N. */
function interrupted(signal: Deno.Signal): never {
  let message: string | undefined;
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      const said = cleanup(signal, message);
      message ??= said || undefined;
    } catch { /* best effort: the others still run */ }
  }
  writeStderr(`vegas-credentials: ${message ?? `interrupted by ${signal}`}\n`);
  Deno.exit(128 + (SIGNALS[signal] ?? 0));
}
