/**
 * When a source profile's keys change hands (`keys add|import|export|remove`), everything made
 * with the old ones goes: the cached role credentials of every profile it is the source of, and
 * its MFA sessions (the cache file, and the store entry). Cache names of stored keys stand for the
 * store and entry, not the key (the hot path never reads the store), so this is what makes a new
 * key miss the cache.
 * @module
 */
import type { Env } from "../config/files.ts";
import type { SharedFiles } from "../config/files.ts";
import { cacheDir, profilePrefix } from "../cache/key.ts";
import { removeMatching } from "../cache/store.ts";
import { keystoreOf } from "../config/resolve.ts";
import { openKeystore } from "./backends.ts";
import { type Keystore, KeystoreError, type StoreName } from "./types.ts";

/** What {@link dropDerived} removed. */
export interface Dropped {
  readonly roles: number;
  readonly sessions: number;
}

/**
 * Removes the cached role credentials of every profile whose source is `sourceProfile`, its MFA
 * session files, and its MFA session in `store` (when given).
 */
export async function dropDerived(
  sourceProfile: string,
  files: SharedFiles,
  env: Env,
  store?: Keystore,
): Promise<Dropped> {
  const dir = cacheDir(env);
  const prefixes = [...files.profiles]
    .filter(([, values]) => values.get("vegas_source_profile") === sourceProfile)
    .map(([name]) => profilePrefix("role", name));
  const roles = removeMatching(dir, (name) => prefixes.some((prefix) => name.startsWith(prefix)));
  const sessionPrefix = profilePrefix("session", sourceProfile);
  let sessions = removeMatching(dir, (name) => name.startsWith(sessionPrefix));
  if (store && await store.remove({ kind: "session", profile: sourceProfile })) sessions++;
  return { roles, sessions };
}

/**
 * Removes the MFA sessions kept in the OS store for those of `sourceProfiles` whose keys are in no
 * shared file (`cache clean`). A store that cannot be used is reported, not fatal: the file cache
 * is cleaned all the same.
 */
export async function dropStoredSessions(
  sourceProfiles: Iterable<string>,
  files: SharedFiles,
  env: Env,
): Promise<{ removed: number; problems: string[] }> {
  let removed = 0;
  const problems: string[] = [];
  const hasKeys = (section?: ReadonlyMap<string, string>) =>
    !!(section?.get("aws_access_key_id") || section?.get("aws_secret_access_key"));
  for (const name of new Set(sourceProfiles)) {
    if (hasKeys(files.credentials.get(name)) || hasKeys(files.config.get(name))) continue;
    const { store, problem } = keystoreOf(name, files, env);
    if (problem) continue;
    try {
      const keystore = await openKeystore(store as StoreName, env);
      if (await keystore.remove({ kind: "session", profile: name })) removed++;
    } catch (error) {
      if (!(error instanceof KeystoreError)) throw error;
      problems.push(`the MFA session of source profile '${name}' stays: ${error.message}`);
    }
  }
  return { removed, problems };
}
