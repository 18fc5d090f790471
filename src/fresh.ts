/**
 * How fresh role credentials are fetched on a cache miss: straight AssumeRole with an MFA code, or
 * through the source profile's MFA session when `vegas_mfa_session_duration` is set.
 * @module
 */
import { load } from "./lazy.ts";
import type { Credentials } from "./credentials.ts";
import type { ResolvedProfile } from "./config/resolve.ts";
import type { Env } from "./config/files.ts";
import type { Ui } from "./ui.ts";
import { assumeRoleWithMfa } from "./refresh.ts";

/** Roles assumed with session credentials (role chaining) may last at most this long. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;

/**
 * Fresh role credentials for `profile`. Called under the per-MFA-device lock.
 *
 * With an MFA session configured, the role is assumed with the session's keys (one MFA code per
 * session), unless the profile asks for more than the 1 hour STS allows such roles: then the role is
 * assumed directly with an MFA code, as without a session.
 */
export async function fetchRoleCredentials(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
): Promise<Credentials> {
  if (profile.mfaSessionDuration === undefined) return assumeRoleWithMfa(profile, ui, env);
  if (profile.durationSeconds > CHAINED_ROLE_MAX_SECONDS) {
    ui.debug(
      `profile '${profile.profile}' asks for duration_seconds ${profile.durationSeconds}, more than ` +
        `the 1 hour STS allows roles assumed with an MFA session; assuming ${profile.roleArn} ` +
        `directly with an MFA code`,
    );
    return assumeRoleWithMfa(profile, ui, env);
  }
  const { assumeRoleWithSession } = await load<typeof import("./providers/mfa_session.ts")>(
    "./providers/mfa_session.ts",
    import.meta.url,
  );
  return assumeRoleWithSession(profile, ui, env);
}
