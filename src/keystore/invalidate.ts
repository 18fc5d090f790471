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
import type { Keystore } from "./types.ts";

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
