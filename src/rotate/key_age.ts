/**
 * `doctor`'s look at the source profiles' access keys: their age (a warning past
 * {@link MAX_KEY_AGE_DAYS} days) and any key besides the stored one. It needs IAM, which needs
 * MFA: so only for a source profile whose MFA session is cached and fresh — never a prompt just for
 * this. The IAM SDK loads only then.
 * @module
 */
import { load } from "../lazy.ts";
import type { Env, SharedFiles } from "../config/files.ts";
import { inspectProfile, type ResolvedProfile } from "../config/resolve.ts";
import type { Finding, Report } from "../commands/doctor.ts";
import type { Ui } from "../ui.ts";
import { maskAccessKeyId } from "../commands/common.ts";
import { keyLocation } from "./location.ts";
import { ageInDays, describeAge, extraKeyAdvice, MAX_KEY_AGE_DAYS } from "./advice.ts";
// The assume pipeline (issue 11 moves these modules; the lead fixes the paths).
import { readFresh } from "../assume/cached.ts";
import { sessionSlot } from "../assume/mfa_session.ts";

/** doctor must stay quick: one IAM call may take this long. */
const DOCTOR_CALL_TIMEOUT_MS = 8_000;

/**
 * One report per source profile of `profiles` that has a fresh MFA session: the age of each of its
 * IAM user's access keys. Profiles that do not resolve, or have no fresh session, give none.
 */
export async function sourceKeyReports(
  files: SharedFiles,
  profiles: readonly string[],
  env: Env,
  ui: Ui,
): Promise<Report[]> {
  const sources = new Map<string, ResolvedProfile>();
  for (const name of profiles) {
    const { resolved } = inspectProfile(name, env, files);
    if (resolved?.mfaSessionDuration === undefined) continue;
    if (!sources.has(resolved.sourceProfile)) sources.set(resolved.sourceProfile, resolved);
  }
  const reports: Report[] = [];
  for (const [source, profile] of sources) {
    const session = readFresh(sessionSlot(profile, env), ui);
    if (!session) continue;
    reports.push({
      subject: `source profile ${source}`,
      findings: await keyFindings(profile, session, files, env),
    });
  }
  return reports;
}

/** Where `source`'s key is stored, for messages. */
function place(source: string, files: SharedFiles, env: Env): string {
  try {
    return keyLocation(source, files, env).description;
  } catch {
    return `source profile '${source}'`;
  }
}

async function keyFindings(
  profile: ResolvedProfile,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  files: SharedFiles,
  env: Env,
): Promise<Finding[]> {
  const aws = await load<typeof import("./aws.ts")>("./aws.ts", import.meta.url);
  const source = profile.sourceProfile;
  const rotate = `vegas-credentials rotate --profile=${source}`;
  let listing;
  try {
    listing = await aws.listAccessKeys({
      profile,
      credentials,
      env,
      timeoutMs: DOCTOR_CALL_TIMEOUT_MS,
    });
  } catch (error) {
    return [{
      severity: "warning",
      message: `cannot list the access keys of source profile '${source}': ` +
        (error as Error).message,
      fix: "check the IAM user's permissions (iam:ListAccessKeys on itself)",
    }];
  }
  if ("store" in profile.source) return [];
  const storedId = profile.source.accessKeyId;
  const stored = listing.keys.find((key) => key.id === storedId);
  const findings: Finding[] = [];
  for (const key of listing.keys) {
    const label = `access key ${maskAccessKeyId(key.id)}`;
    if (key !== stored) {
      if (stored) {
        findings.push({
          severity: "warning",
          message: extraKeyAdvice(key, stored, listing.userName, source, place(source, files, env)),
          fix: `delete ${key.id} as said above`,
        });
      }
      continue;
    }
    const old = key.created && ageInDays(key.created) > MAX_KEY_AGE_DAYS;
    findings.push(
      old
        ? {
          severity: "warning",
          message: `${label} of IAM user ${listing.userName} (stored): ${describeAge(key)}, ` +
            `older than ${MAX_KEY_AGE_DAYS} days`,
          fix: rotate,
        }
        : {
          severity: "ok",
          message: `${label} of IAM user ${listing.userName} (stored): ${describeAge(key)}`,
        },
    );
  }
  if (!stored) {
    findings.push({
      severity: "warning",
      message: `IAM user ${listing.userName} has no access key ${maskAccessKeyId(storedId)}, ` +
        `the one stored for source profile '${source}' (the MFA session is older than the key)`,
      fix: `put the IAM user's current access key in ${place(source, files, env)}`,
    });
  }
  return findings;
}
