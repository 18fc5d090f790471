/**
 * How fresh role credentials are fetched on a cache miss. This is the seam where MFA sessions
 * (`vegas_mfa_session_duration`) plug in.
 * @module
 */
import type { Credentials } from "./credentials.ts";
import type { ResolvedProfile } from "./config/resolve.ts";
import type { Env } from "./config/files.ts";
import type { Ui } from "./ui.ts";
import { assumeRoleWithMfa } from "./refresh.ts";

/** Fresh role credentials for `profile`: AssumeRole with an MFA code. */
export function fetchRoleCredentials(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
): Promise<Credentials> {
  return assumeRoleWithMfa(profile, ui, env);
}
