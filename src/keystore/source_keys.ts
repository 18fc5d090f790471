/**
 * The source keys at the moment STS needs them. Keys from a shared file are in the resolved profile
 * already; keys in the OS store are read here, on a cache miss only, before any MFA prompt: a store
 * that cannot be used ends the run with one line, no code asked for, no STS call.
 * @module
 */
import { type Env, processEnv } from "../config/files.ts";
import type { ResolvedProfile, SourceKeys, StoredKeys } from "../config/types.ts";
import { shown } from "../config/resolve.ts";
import { VegasError } from "../errors.ts";
import { openKeystore } from "./backends.ts";
import { decodeKeys } from "./payload.ts";
import { KeystoreError, storeLabel, type StoreName } from "./types.ts";

/** The source profile's keys: from the resolved profile, or read from the OS store. */
export async function sourceKeysFor(
  profile: ResolvedProfile,
  env: Env = processEnv,
): Promise<SourceKeys> {
  const { source } = profile;
  if (!("store" in source)) return source;
  let secret: string | undefined;
  try {
    const store = await openKeystore(source.store as StoreName, env);
    secret = await store.read({ kind: "keys", profile: source.entry });
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error;
    throw new VegasError(`${noFileKeys(profile)}, and ${error.message}`, { cause: error });
  }
  if (secret === undefined) throw new VegasError(missingKeys(profile, source));
  const keys = decodeKeys(secret);
  if (typeof keys === "string") {
    throw new VegasError(
      `source profile ${shown(source.entry)}: its entry in ${storeLabel(source.store)} is ` +
        `unusable (${keys}); store the keys again: vegas-credentials keys add --profile ` +
        source.entry,
    );
  }
  return keys;
}

/** The start of every "no keys" line: which profile, and the files that were looked at. */
export function noFileKeys(profile: ResolvedProfile): string {
  return `source profile ${shown(profile.sourceProfile)} (of profile ${shown(profile.profile)}) ` +
    `has no aws_access_key_id and aws_secret_access_key in ${profile.credentialsFile} or ` +
    profile.configFile;
}

/** The line for keys that are neither in a file nor in the store. */
export function missingKeys(profile: ResolvedProfile, source: StoredKeys): string {
  return `${noFileKeys(profile)}, and ${storeLabel(source.store)} has no keys for it: run ` +
    `vegas-credentials keys add --profile ${source.entry}`;
}
