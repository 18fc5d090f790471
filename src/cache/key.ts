/**
 * Where the cache lives and what its files are called: the profile name plus a hash of every resolved
 * value that changes the STS call, so that editing the config misses the cache instead of returning
 * credentials for the old role.
 *
 * One module on purpose: every module costs start-up time on the cache-hit path (BENCHMARKS.md).
 * @module
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { type Env, homeDir, processEnv } from "../config/files.ts";
import type { CacheBinding } from "./store.ts";
import { ConfigError } from "../errors.ts";

/** File-name-safe, reversible form of a profile name: other characters become `%XX`. */
export function safeName(name: string): string {
  return name.replace(
    /[^A-Za-z0-9@_-]/g,
    (char) =>
      Array.from(new TextEncoder().encode(char), (byte) => `%${byte.toString(16)}`).join(""),
  );
}

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

/** Name of the environment variable that overrides the cache directory. */
export const CACHE_DIR_ENV = "VEGAS_CREDENTIALS_CACHE_DIR";

/** Is `path` absolute (`/…`; on Windows `C:\…` or `\\server\…`)? */
function isAbsolute(path: string, os: typeof Deno.build.os): boolean {
  return os === "windows" ? /^([A-Za-z]:[\\/]|[\\/]{2})/.test(path) : path.startsWith("/");
}

/**
 * `$VEGAS_CREDENTIALS_CACHE_DIR`, else the platform's cache folder + `vegas-credentials`:
 * `$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows.
 * A relative override is refused: it would put the cache wherever the caller happens to run.
 */
export function cacheDir(env: Env = processEnv, os: typeof Deno.build.os = Deno.build.os): string {
  const override = env(CACHE_DIR_ENV);
  if (override) {
    if (!isAbsolute(override, os)) {
      throw new ConfigError(
        `${CACHE_DIR_ENV} '${override}' is not an absolute path: set it to a full path, or ` +
          "unset it to use the default cache directory",
      );
    }
    return override;
  }
  if (os === "darwin") return `${homeDir(env)}/Library/Caches/vegas-credentials`;
  if (os === "windows") {
    const local = env("LOCALAPPDATA") ?? `${homeDir(env)}\\AppData\\Local`;
    return `${local}\\vegas-credentials`;
  }
  const xdg = env("XDG_CACHE_HOME");
  return `${xdg && xdg.startsWith("/") ? xdg : `${homeDir(env)}/.cache`}/vegas-credentials`;
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
