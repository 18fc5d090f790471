/**
 * Where the cache lives and what its files are called: the profile name plus a hash of every resolved
 * value that changes the STS call, so that editing the config misses the cache instead of returning
 * credentials for the old role.
 *
 * One module on purpose: every module costs start-up time on the cache-hit path (BENCHMARKS.md).
 * @module
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { safeName } from "./dir.ts";
export { CACHE_DIR_ENV, cacheDir } from "./dir.ts";
import type { CacheBinding } from "./store.ts";

/** Prefix shared by every cache file of one profile, whatever its config hash. */
export function profilePrefix(kind: "role" | "session", name: string): string {
  return `${kind}.${safeName(name)}.`;
}

/**
 * Stands in for the source keys in cache names: the access key id, or for keys in the OS store
 * (never read on a hit) the store and entry; `keys` commands drop what the old keys made.
 */
function keysIdentity({ source }: ResolvedProfile): string {
  return "store" in source ? `${source.store}:${source.entry}` : source.accessKeyId;
}

/** Cache file name of the role credentials of `profile`. */
export function roleCacheName(profile: ResolvedProfile): string {
  const identity = [
    profile.profile,
    profile.roleArn,
    profile.sourceProfile,
    keysIdentity(profile),
    profile.mfaSerial,
    profile.durationSeconds,
    profile.roleSessionName ?? "",
    profile.externalId ?? "",
    profile.region,
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
    profile.mfaSessionDuration ?? "",
  ];
  const hash = hash64(JSON.stringify(identity));
  return `${profilePrefix("role", profile.profile)}${hash}.json`;
}

/** What a role cache entry of `profile` must have been written for (see `readEntry`). */
export function roleBinding(profile: ResolvedProfile): CacheBinding {
  return {
    profile: profile.profile,
    kind: "role",
    roleArn: profile.roleArn,
    mfaSerial: profile.mfaSerial,
    durationSeconds: profile.durationSeconds,
  };
}

/**
 * Cache file name of the MFA session of a source profile (see `vegas_mfa_session_duration`). The
 * region is left out: a session token works in every region, and role profiles of one source that
 * name different regions must share one session.
 */
export function sessionCacheName(profile: ResolvedProfile): string {
  const identity = [
    profile.sourceProfile,
    keysIdentity(profile),
    profile.mfaSerial,
    profile.mfaSessionDuration ?? "",
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
  ];
  const hash = hash64(JSON.stringify(identity));
  return `${profilePrefix("session", profile.sourceProfile)}${hash}.json`;
}

/** Lock file name for one MFA device: every prompt for that device is serialised through it. */
export function lockName(mfaSerial: string): string {
  return `mfa.${hash64(mfaSerial)}.lock`;
}

/**
 * A 64-bit hash (two independent 32-bit FNV-1a-style lanes with a final avalanche), as 16 hex
 * characters. Cache names only need to tell configurations apart, not resist an attacker (whoever
 * can write your config can do worse); a cryptographic hash costs about a millisecond on the hot
 * path, this one a few microseconds.
 */
export function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35) ^ (a >>> 16);
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35) ^ (b >>> 16);
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
