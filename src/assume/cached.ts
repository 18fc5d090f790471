/**
 * The cached provider: returns fresh cached credentials, else fetches new ones under the per-device
 * lock and caches them. It wraps any function that fetches credentials (aws-vault's composition).
 * @module
 */
import { load } from "../lazy.ts";
import { type Credentials, freshness, isFresh } from "../credentials.ts";
import { type CacheEntryMeta, readEntry, UnsafeCacheLocation, writeEntry } from "../cache/store.ts";
import type { Ui } from "../ui.ts";
import type { HeldLock } from "../cache/lock.ts";
import { onInterrupt } from "../interrupt.ts";
import { MfaFailed, type MfaOutcome } from "../mfa/types.ts";

/** Where a provider's credentials live in the cache. */
export interface CacheSlot {
  readonly dir: string;
  /** File name, including the config hash. */
  readonly name: string;
  /** Prefix of the older files of the same profile that a write replaces. */
  readonly replacesPrefix: string;
  /** Stored next to the credentials (for `status`). */
  readonly meta: Omit<CacheEntryMeta, "createdAt">;
  /** Seconds before expiry from which the entry counts as stale (default: the margin). */
  readonly refreshWithinSeconds?: number;
}

/**
 * Returns the cached credentials when fresh; logs why not with --verbose (`when` says which look
 * it was). Never throws.
 */
export function readFresh(slot: CacheSlot, ui: Ui, when = ""): Credentials | undefined {
  const read = readEntry(`${slot.dir}/${slot.name}`, slot.meta);
  if (read.entry && isFresh(read.entry.credentials, undefined, slot.refreshWithinSeconds)) {
    ui.debug(`using cached ${slot.meta.kind} credentials from ${slot.dir}/${slot.name}`);
    return read.entry.credentials;
  }
  ui.debug(
    (read.reason ??
      `cached ${slot.meta.kind} credentials expire within ${
        Math.round((slot.refreshWithinSeconds ?? freshness.marginSeconds) / 60)
      } minutes`) + when,
  );
  return undefined;
}

/** Options of {@link cachedCredentials}. */
export interface CachedOptions {
  readonly slot: CacheSlot;
  readonly ui: Ui;
  /** The per-MFA-device lock file; undefined when the caller already holds it. */
  readonly lockPath?: string;
  readonly lockTimeoutMs: number;
  /** Fetches new credentials (prompting for MFA); called only on a miss, under the lock. */
  readonly fetchFresh: () => Promise<Credentials>;
  /** The caller has just looked at the slot and found no fresh entry: no second look first. */
  readonly lookedAlready?: boolean;
}

/**
 * Cached credentials when fresh; otherwise takes the lock, looks again (another process may have
 * just fetched them), fetches, and caches. A cache that cannot be written costs a warning, not the
 * credentials.
 *
 * The processes waiting on the lock share the holder's result: a success through the cache, a
 * prompt that ended without a code ({@link MfaFailed}, or Ctrl-C) through the outcome the holder
 * records in the lock file — each waiter then ends with the holder's message instead of prompting.
 */
export async function cachedCredentials(options: CachedOptions): Promise<Credentials> {
  const { slot, ui } = options;
  const hit = options.lookedAlready ? undefined : readFresh(slot, ui);
  if (hit) return hit;
  let lock: HeldLock | undefined;
  const lockPath = options.lockPath;
  let sharedOutcome = (): MfaFailed | undefined => undefined;
  let terminal: number | undefined;
  if (lockPath) {
    try {
      const locks = await load<typeof import("../cache/lock.ts")>(
        "../cache/lock.ts",
        import.meta.url,
      ); // only on a miss
      const since = Date.now();
      sharedOutcome = () => {
        const outcome = locks.readOutcome(lockPath, since);
        return outcome && new MfaFailed(outcome.message, outcome.kind as MfaOutcome);
      };
      terminal = locks.controllingTerminal();
      lock = await locks.acquireLock(lockPath, options.lockTimeoutMs, () => {
        const waiting = "Waiting for another vegas-credentials prompt for the same MFA device…";
        // On the holder's own terminal its prompt says it all (and this line would land in it).
        if (terminal !== undefined && locks.holderTerminal(lockPath) === terminal) {
          ui.debug(`${waiting} (it prompts on this terminal)`);
        } else ui.info(waiting);
      }, sharedOutcome);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
        ui.info(`cache directory unusable, going on without the lock: ${(error as Error).message}`);
      } else throw error;
    }
  }
  try {
    if (lock) {
      // Even without a noticeable wait: another process may have finished between our first
      // look and taking the lock.
      const again = readFresh(slot, ui, " (looked again under the MFA device's lock)");
      if (again) return again;
      const outcome = sharedOutcome();
      if (outcome) throw outcome;
    }
    lock?.record({ terminal });
    // Ctrl-C while we hold the lock ends the waiters too (they may be in other terminals).
    using _interrupt = lock && onInterrupt((signal, message) => {
      if (signal === "SIGINT") {
        lock.record({ kind: "cancelled", message: message ?? "interrupted by SIGINT" });
      }
    });
    let credentials: Credentials;
    try {
      credentials = await options.fetchFresh();
    } catch (error) {
      if (error instanceof MfaFailed) lock?.record({ kind: error.outcome, message: error.message });
      throw error;
    }
    try {
      writeEntry(slot.dir, slot.name, {
        ...slot.meta,
        createdAt: new Date().toISOString(),
        credentials,
      }, slot.replacesPrefix);
    } catch (error) {
      // An unsafe location was reported once already (assume checks it before the prompt).
      if (!(error instanceof UnsafeCacheLocation)) {
        ui.info(`could not cache credentials in ${slot.dir}: ${(error as Error).message}`);
      }
    }
    return credentials;
  } finally {
    lock?.[Symbol.dispose]();
  }
}
