/**
 * A source profile's keys entry, for the `keys` commands (and any other that replaces keys, such
 * as a rotation): open the profile's store, write keys and check them by reading them back, read
 * them. A store that cannot be used becomes one line naming the profile.
 * @module
 */
import type { Env, SharedFiles } from "../config/files.ts";
import { keystoreOf, shown } from "../config/resolve.ts";
import type { SourceKeys } from "../config/types.ts";
import { ConfigError, VegasError } from "../errors.ts";
import { maskAccessKeyId } from "../commands/common.ts";
import { openKeystore } from "./backends.ts";
import { decodeKeys, encodeKeys } from "./payload.ts";
import { type Entry, type Keystore, KeystoreError, storeLabel, type StoreName } from "./types.ts";

/** The store that keeps `profile`'s keys, opened; a bad `vegas_keystore` is a ConfigError. */
export async function storeOf(profile: string, files: SharedFiles, env: Env): Promise<Keystore> {
  const { store, problem } = keystoreOf(profile, files, env);
  if (problem) throw new ConfigError(problem);
  return await inStore(profile, () => openKeystore(store as StoreName, env));
}

/** Runs a store operation; a store that cannot be used becomes one line naming the profile. */
export async function inStore<T>(profile: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error;
    throw new VegasError(`source profile ${shown(profile)}: ${error.message}`, { cause: error });
  }
}

/** The keys entry of a source profile. */
export function keysEntry(profile: string): Entry {
  return { kind: "keys", profile };
}

/**
 * Writes `keys`, reads them back and compares: only keys the store gives back as written count
 * as stored (an import deletes the file's copy after this, never before).
 */
export async function storeKeys(store: Keystore, profile: string, keys: SourceKeys): Promise<void> {
  const entry = keysEntry(profile);
  await inStore(
    profile,
    () => store.write(entry, encodeKeys(keys), maskAccessKeyId(keys.accessKeyId)),
  );
  const back = await inStore(profile, () => store.read(entry));
  const read = back === undefined ? "nothing" : decodeKeys(back);
  if (
    typeof read === "string" || read.accessKeyId !== keys.accessKeyId ||
    read.secretAccessKey !== keys.secretAccessKey || read.sessionToken !== keys.sessionToken
  ) {
    throw new VegasError(
      `source profile ${shown(profile)}: ${storeLabel(store.name)} did not give the keys back ` +
        "as written; nothing else was changed",
    );
  }
}

/** The keys stored for `profile`; a VegasError when there are none. */
export async function storedKeys(store: Keystore, profile: string): Promise<SourceKeys> {
  const secret = await inStore(profile, () => store.read(keysEntry(profile)));
  if (secret === undefined) {
    throw new VegasError(
      `${storeLabel(store.name)} has no keys for source profile ${shown(profile)}`,
    );
  }
  const keys = decodeKeys(secret);
  if (typeof keys === "string") {
    throw new VegasError(
      `source profile ${shown(profile)}: its entry in ${storeLabel(store.name)} is unusable ` +
        `(${keys})`,
    );
  }
  return keys;
}
