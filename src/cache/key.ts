/**
 * Cache file names: the profile name plus a hash of every resolved value that changes the STS call,
 * so that editing the config misses the cache instead of returning credentials for the old role.
 * @module
 */
import type { ResolvedProfile } from "../config/resolve.ts";

/** Lower-case hex SHA-256 of `text` (Web Crypto: no module to load on the hot path). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** File-name-safe form of a profile name (the hash that follows keeps distinct names apart). */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9@._-]/g, "_").slice(0, 64);
}

/** Prefix shared by every cache file of one profile, whatever its config hash. */
export async function profilePrefix(kind: "role" | "session", name: string): Promise<string> {
  return `${kind}.${safeName(name)}.${(await sha256Hex(`${kind}\n${name}`)).slice(0, 8)}.`;
}

/** Cache file name of the role credentials of `profile`. */
export async function roleCacheName(profile: ResolvedProfile): Promise<string> {
  const identity = [
    profile.profile,
    profile.roleArn,
    profile.sourceProfile,
    profile.source.accessKeyId,
    profile.mfaSerial,
    profile.durationSeconds,
    profile.roleSessionName ?? "",
    profile.externalId ?? "",
    profile.region,
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
    profile.mfaSessionDuration ?? "",
  ];
  const hash = await sha256Hex(JSON.stringify(identity));
  return `${await profilePrefix("role", profile.profile)}${hash.slice(0, 16)}.json`;
}

/** Cache file name of the MFA session of a source profile (see `vegas_mfa_session_duration`). */
export async function sessionCacheName(profile: ResolvedProfile): Promise<string> {
  const identity = [
    profile.sourceProfile,
    profile.source.accessKeyId,
    profile.mfaSerial,
    profile.mfaSessionDuration ?? "",
    profile.region,
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
  ];
  const hash = await sha256Hex(JSON.stringify(identity));
  return `${await profilePrefix("session", profile.sourceProfile)}${hash.slice(0, 16)}.json`;
}

/** Lock file name for one MFA device: every prompt for that device is serialised through it. */
export async function lockName(mfaSerial: string): Promise<string> {
  return `mfa.${(await sha256Hex(mfaSerial)).slice(0, 16)}.lock`;
}
