/**
 * How fresh role credentials are fetched on a cache miss: straight AssumeRole with an MFA code, or
 * through the source profile's MFA session when `vegas_mfa_session_duration` is set.
 * @module
 */
import { load } from "../lazy.ts";
import type { Credentials } from "../credentials.ts";
import {
  CHAINED_ROLE_MAX_SECONDS,
  type ResolvedProfile,
  type SourceKeys,
} from "../config/resolve.ts";
import type { Env } from "../config/files.ts";
import type { Ui } from "../ui.ts";
import { withMfaCode } from "./mfa_retry.ts";
import { sourceKeysFor } from "../keystore/source_keys.ts";
import { defaultSessionName } from "../session_name.ts";

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
  const { assumeRoleWithSession } = await load<typeof import("./mfa_session.ts")>(
    "./mfa_session.ts",
    import.meta.url,
  );
  return assumeRoleWithSession(profile, ui, env);
}

/** Fresh role credentials straight from STS, with an MFA prompt. */
export async function assumeRoleWithMfa(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
  keys?: SourceKeys,
): Promise<Credentials> {
  const sts = load<typeof import("./sts.ts")>("./sts.ts", import.meta.url); // load the SDK while the user reads the prompt
  // Keys in the OS store are read now, on the miss, before any prompt (never on a cache hit).
  const sourceKeys = keys ?? await sourceKeysFor(profile, env);
  const sessionName = profile.roleSessionName ?? await defaultSessionName(env);
  return withMfaCode(profile, ui, env, async (code) => {
    const { assumeRole } = await sts;
    ui.debug(`calling STS AssumeRole for ${profile.roleArn} as session ${sessionName}`);
    return assumeRole(profile, sessionName, sourceKeys, {
      serialNumber: profile.mfaSerial,
      tokenCode: code,
    }, (text) => ui.info(text));
  });
}
