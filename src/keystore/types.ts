/**
 * What every OS secure store backend offers, and the errors they share. The entries: service
 * `vegas-credentials`, one per source profile and kind (its long-term keys, its MFA session).
 * @module
 */
import { VegasError } from "../errors.ts";

/** The service name the entries are filed under. */
export const SERVICE = "vegas-credentials";

/** The backends, by the names `vegas_keystore` takes. */
export type StoreName = "keychain" | "secret-service" | "wincred" | "pass";

/** Every backend name (the order `keys list` shows them in). */
export const STORE_NAMES: readonly StoreName[] = ["keychain", "secret-service", "wincred", "pass"];

/** A source profile's long-term keys, or its MFA session. */
export type EntryKind = "keys" | "session";

/** One entry of the store. */
export interface Entry {
  readonly kind: EntryKind;
  /** The source profile's name. */
  readonly profile: string;
}

/** An entry as a listing shows it: no secret, at most the masked key id kept beside it. */
export interface StoredItem extends Entry {
  /** The masked access key id (`AKIA…MPLE`), when the store keeps it outside the secret. */
  readonly hint?: string;
}

/** One OS secure store. Secrets pass only through standard input and output of its helpers. */
export interface Keystore {
  readonly name: StoreName;
  /** The secret of `entry`; undefined when there is no such entry. */
  read(entry: Entry): Promise<string | undefined>;
  /** Creates or replaces `entry`; `hint` (a masked key id) is kept beside it, not secret. */
  write(entry: Entry, secret: string, hint: string): Promise<void>;
  /** Removes `entry`; false when there was none. */
  remove(entry: Entry): Promise<boolean>;
  /** Every entry of the service, without reading a secret (and without an unlock prompt). */
  list(): Promise<StoredItem[]>;
}

/** Why a store could not be used. */
export type KeystoreProblem = "unavailable" | "locked" | "failed";

/**
 * A store that cannot be used. The message is one sentence starting with the store
 * (`the secret-service store cannot be reached: …`) and ends with what to do.
 */
export class KeystoreError extends VegasError {
  constructor(
    readonly store: StoreName,
    readonly problem: KeystoreProblem,
    message: string,
  ) {
    super(message);
    this.name = "KeystoreError";
  }
}

/** `the secret-service store`: how messages name a store. */
export function storeLabel(store: string): string {
  return store === "keychain"
    ? "the macOS keychain"
    : store === "wincred"
    ? "the Windows Credential Manager"
    : `the ${store} store`;
}

/** The first line of a helper's error output, cut for a message (it never holds a secret). */
export function firstLine(text: string): string {
  const line = text.split(/\r?\n/).map((part) => part.trim()).find(Boolean) ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
