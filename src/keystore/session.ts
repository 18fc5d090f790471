/**
 * MFA sessions of source profiles whose keys live in the OS store are kept in the store too, not
 * in the 0600 cache file: a session can assume every role for hours. Read only on a role cache
 * miss, under the per-MFA-device lock the caller holds: one store read when the session is fresh,
 * else read the keys, ask for the code, write the session (the store's unlock prompt, if any,
 * comes once: the first access unlocks it for the rest).
 * @module
 */
import type { Env } from "../config/files.ts";
import type { ResolvedProfile, StoredKeys } from "../config/types.ts";
import { sessionCacheName } from "../cache/key.ts";
import { type Credentials, isFresh } from "../credentials.ts";
import type { Ui } from "../ui.ts";
import { openKeystore } from "./backends.ts";
import { decodeSession, encodeSession } from "./payload.ts";
import { type Entry, KeystoreError, type StoreName } from "./types.ts";
import { noFileKeys } from "./source_keys.ts";

/** The store entry of the MFA session of `profile`'s source profile. */
export function sessionEntry(source: StoredKeys): Entry {
  return { kind: "session", profile: source.entry };
}

function storedSource(profile: ResolvedProfile): StoredKeys {
  if (!("store" in profile.source)) throw new Error("the source keys are not in the OS store");
  return profile.source;
}

/**
 * The MFA session from the store when it is fresh and was made for this configuration; otherwise
 * `fetchFresh()` (keys, MFA code, GetSessionToken) and the result written back. A session that
 * cannot be written costs a warning, not the credentials.
 */
export async function storedSession(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
  fetchFresh: () => Promise<Credentials>,
): Promise<Credentials> {
  const source = storedSource(profile);
  const identity = sessionCacheName(profile);
  let store;
  let secret: string | undefined;
  try {
    store = await openKeystore(source.store as StoreName, env);
    secret = await store.read(sessionEntry(source));
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error;
    throw new KeystoreError(
      error.store,
      error.problem,
      `${noFileKeys(profile)}, and ${error.message}`,
    );
  }
  const cached = secret === undefined ? undefined : decodeSession(secret, identity);
  if (cached && isFresh(cached)) {
    ui.debug(
      `using the MFA session of source profile '${source.entry}' from the ${source.store} store`,
    );
    return cached;
  }
  ui.debug(`no fresh MFA session of source profile '${source.entry}' in the ${source.store} store`);
  const credentials = await fetchFresh();
  try {
    await store.write(sessionEntry(source), encodeSession(credentials, identity), "MFA session");
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error;
    ui.info(`could not keep the MFA session: ${error.message}`);
  }
  return credentials;
}

/** Forgets the stored MFA session of `profile`'s source profile (STS no longer accepts it). */
export async function dropStoredSession(profile: ResolvedProfile, env: Env): Promise<void> {
  const source = storedSource(profile);
  const store = await openKeystore(source.store as StoreName, env);
  await store.remove(sessionEntry(source));
}
