/**
 * `config show-profile --profile NAME`: every resolved setting of a profile and where it came from.
 * Never shows a secret: the access key id is masked, the secret key and tokens only reported as set.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { roleSlot } from "../assume/pipeline.ts";
import { defaultSessionName } from "../session_name.ts";
import {
  alignColumns,
  commandWord,
  maskAccessKeyId,
  noPositionals,
  requiredProfile,
} from "./common.ts";

/** The rows of `show-profile`: setting, value, origin. */
export function profileRows(
  profile: ResolvedProfile,
  sessionName: string,
  cacheFile: string,
): string[][] {
  const origin = (name: string) => profile.origins[name] ?? "";
  const keys = "store" in profile.source ? undefined : profile.source;
  const rows: [string, string | undefined, string][] = [
    ["profile", profile.profile, profile.configFile],
    ["vegas_role_arn", profile.roleArn, origin("roleArn")],
    ["vegas_source_profile", profile.sourceProfile, origin("sourceProfile")],
    ["duration_seconds", String(profile.durationSeconds), origin("durationSeconds")],
    ["role_session_name", profile.roleSessionName ?? sessionName, origin("roleSessionName")],
    ["external_id", profile.externalId, origin("externalId")],
    ["region", profile.region, origin("region")],
    ["endpoint_url", profile.endpoint ?? "(the SDK's default)", origin("endpoint") || "default"],
    [
      "sts_regional_endpoints",
      profile.useGlobalEndpoint ? "legacy" : "regional",
      origin("stsRegionalEndpoints") || "default",
    ],
    ["mfa_serial", profile.mfaSerial, origin("mfaSerial")],
    [
      "vegas_mfa_process",
      profile.mfaProcess === undefined ? undefined : commandWord(profile.mfaProcess),
      origin("mfaProcess"),
    ],
    [
      "vegas_mfa_inputs",
      profile.mfaInputs?.join(",") ?? "(all available)",
      origin("mfaInputs") || "default",
    ],
    ["vegas_mfa_timeout", String(profile.mfaTimeoutSeconds), origin("mfaTimeoutSeconds")],
    ["vegas_yubikey_serial", profile.yubikeySerial, origin("yubikeySerial")],
    ["vegas_yubikey_label", profile.yubikeyLabel, origin("yubikeyLabel")],
    ["vegas_ykman_path", profile.ykmanPath, origin("ykmanPath")],
    [
      "vegas_mfa_session_duration",
      profile.mfaSessionDuration === undefined ? "(off)" : String(profile.mfaSessionDuration),
      origin("mfaSessionDuration") || "default",
    ],
    [
      "aws_access_key_id",
      keys ? maskAccessKeyId(keys.accessKeyId) : "(in the store, read only on a cache miss)",
      origin("sourceKeys"),
    ],
    ["aws_secret_access_key", keys ? "(set, not shown)" : "(in the store)", origin("sourceKeys")],
    [
      "aws_session_token",
      keys?.sessionToken ? "(set, not shown)" : undefined,
      origin("sourceKeys"),
    ],
    ["cache file", cacheFile, ""],
  ];
  return rows
    .filter(([, value]) => value !== undefined)
    .map(([name, value, from]) => [name, value!, from]);
}

/** Runs `config show-profile --profile NAME`. */
export async function runShowProfile(context: CommandContext): Promise<number> {
  noPositionals(context);
  const name = requiredProfile(context, "config show-profile");
  const profile = resolveProfile(name, context.env);
  const slot = roleSlot(profile, context.env);
  const sessionName = profile.roleSessionName ?? await defaultSessionName(context.env);
  const rows = profileRows(profile, sessionName, `${slot.dir}/${slot.name}`);
  context.print(alignColumns([["SETTING", "VALUE", "FROM"], ...rows]));
  return 0;
}
