/**
 * The `assume` pipeline, top to bottom (aws-vault's composition, docs/ARCHITECTURE.md):
 *
 * 1. resolve the profile (src/config/resolve.ts) with an environment that records what it reads;
 * 2. the cached provider (cached.ts): a fresh entry, else the per-MFA-device lock and a second look;
 * 3. under the lock, the role provider (role.ts): AssumeRole with an MFA code (mfa_retry.ts asks
 *    the MFA inputs and retries) or through the source profile's MFA session (mfa_session.ts);
 * 4. the entry is cached, and the hit index written, so that the next `assume` is answered by
 *    src/fast_path.ts without reading the config at all.
 * @module
 */
import { load } from "../lazy.ts";
import {
  configFilePath,
  credentialsFilePath,
  type Env,
  processEnv,
  readSharedFiles,
} from "../config/files.ts";
import {
  CHAINED_ROLE_MAX_SECONDS,
  type ResolvedProfile,
  resolveProfile,
} from "../config/resolve.ts";
import { cacheDir, lockName, profilePrefix, roleBinding, roleCacheName } from "../cache/key.ts";
import { fileStamp, type HitIndex, hitIndexName } from "../cache/hit_index.ts";
import { ensureCacheDir, readEntry, UnsafeCacheLocation, writeJsonFile } from "../cache/store.ts";
import { sessionSlot } from "./mfa_session.ts";
import { accountIdOf, advisorySeconds, type Credentials, isFresh } from "../credentials.ts";
import type { Ui } from "../ui.ts";
import { cachedCredentials, type CacheSlot, readFresh } from "./cached.ts";

/** Time allowed for network calls on top of the MFA timeout when waiting for the lock. */
const NETWORK_ALLOWANCE_MS = 60_000;

/** The cache slot of a profile's role credentials. */
export function roleSlot(profile: ResolvedProfile, env: Env = processEnv): CacheSlot {
  return {
    dir: cacheDir(env),
    name: roleCacheName(profile),
    replacesPrefix: profilePrefix("role", profile.profile),
    meta: roleBinding(profile),
  };
}

/**
 * An environment that remembers every variable read through it (with its value), so that the hit
 * index holds exactly what the resolution depended on — nothing to keep in sync by hand.
 */
function recording(env: Env): { env: Env; read: Record<string, string | null> } {
  const read: Record<string, string | null> = {};
  return {
    read,
    env: (name) => {
      const value = env(name);
      read[name] = value ?? null;
      return value;
    },
  };
}

/** Credentials for `profileName`: cached when fresh, else fetched with MFA and cached. */
export async function assumeProfile(
  profileName: string,
  ui: Ui,
  env: Env = processEnv,
): Promise<Credentials> {
  const recorded = recording(env);
  // The files' identities are taken before they are read: a change after this is a later miss.
  const files = [configFilePath(recorded.env), credentialsFilePath(recorded.env)].map((path) =>
    [path, fileStamp(path)] as [string, string | null]
  );
  const profile = resolveProfile(profileName, recorded.env, readSharedFiles(recorded.env));
  const slot = withRefreshWindow(profile, roleSlot(profile, recorded.env), env);
  const index: HitIndex = {
    format: 1,
    profile: profileName,
    entry: slot.name,
    binding: slot.meta,
    env: recorded.read,
    files,
  };
  const accountId = accountIdOf(profile.roleArn);
  const hit = readFresh(slot, ui);
  if (hit) {
    writeHitIndex(slot.dir, index, ui);
    return { ...hit, accountId };
  }

  let lockPath: string | undefined;
  try {
    ensureCacheDir(slot.dir);
    lockPath = `${slot.dir}/${lockName(profile.mfaSerial)}`;
  } catch (error) {
    // The one warning about an unsafe location: its reads miss and its writes are skipped quietly.
    ui.info(
      error instanceof UnsafeCacheLocation
        ? error.message
        : `cache directory ${slot.dir} unusable: ${(error as Error).message}`,
    );
  }
  const { fetchRoleCredentials } = await load<typeof import("./role.ts")>(
    "./role.ts",
    import.meta.url,
  );
  const credentials = await cachedCredentials({
    slot,
    ui,
    lockPath,
    lockTimeoutMs: profile.mfaTimeoutSeconds * 1000 + NETWORK_ALLOWANCE_MS,
    fetchFresh: () => fetchRoleCredentials(profile, ui, env),
    lookedAlready: true,
  });
  if (lockPath) writeHitIndex(slot.dir, index, ui);
  return { ...credentials, accountId };
}

/**
 * The refresh rule: callers treat credentials with less than 15 minutes left as due (botocore's
 * advisory window). When new ones need no prompt — the profile goes through an MFA session that is
 * fresh — they are fetched from then on; otherwise the cached ones serve until the 10-minute margin.
 */
export function withRefreshWindow(profile: ResolvedProfile, slot: CacheSlot, env: Env): CacheSlot {
  if (profile.mfaSessionDuration === undefined) return slot;
  if (profile.durationSeconds > CHAINED_ROLE_MAX_SECONDS) return slot; // assumed with a code
  const session = sessionSlot(profile, env);
  const { entry } = readEntry(`${session.dir}/${session.name}`, session.meta);
  if (!entry || !isFresh(entry.credentials, undefined, advisorySeconds())) return slot;
  return { ...slot, refreshWithinSeconds: advisorySeconds() };
}

/** Writes the hit index; a failure costs only the fast path of the next run. */
function writeHitIndex(dir: string, index: HitIndex, ui: Ui): void {
  try {
    writeJsonFile(dir, hitIndexName(index.profile), index);
  } catch (error) {
    ui.debug(`could not write the hit index in ${dir}: ${(error as Error).message}`);
  }
}
