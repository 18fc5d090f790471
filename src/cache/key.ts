/**
 * Cache file names: the profile name plus a hash of every resolved value that changes the STS call,
 * so that editing the config misses the cache instead of returning credentials for the old role.
 * @module
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { sha256Hex } from "./sha256.ts";

export { sha256Hex };

/** File-name-safe, reversible form of a profile name: other characters become `%XX`. */
function safeName(name: string): string {
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

/** Cache file name of the role credentials of `profile`. */
export function roleCacheName(profile: ResolvedProfile): string {
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
  const hash = sha256Hex(JSON.stringify(identity));
  return `${profilePrefix("role", profile.profile)}${hash.slice(0, 16)}.json`;
}

/** Cache file name of the MFA session of a source profile (see `vegas_mfa_session_duration`). */
export function sessionCacheName(profile: ResolvedProfile): string {
  const identity = [
    profile.sourceProfile,
    profile.source.accessKeyId,
    profile.mfaSerial,
    profile.mfaSessionDuration ?? "",
    profile.region,
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
  ];
  const hash = sha256Hex(JSON.stringify(identity));
  return `${profilePrefix("session", profile.sourceProfile)}${hash.slice(0, 16)}.json`;
}

/** Lock file name for one MFA device: every prompt for that device is serialised through it. */
export function lockName(mfaSerial: string): string {
  return `mfa.${(sha256Hex(mfaSerial)).slice(0, 16)}.lock`;
}
