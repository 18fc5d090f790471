/**
 * The source profile `rotate` works on, resolved by the rule set every command uses: the resolver
 * is given a role profile that names the source profile (in memory only), so the MFA device,
 * region, endpoint, MFA inputs and MFA session are read and checked exactly as `assume` reads them.
 * @module
 */
import type { Env, SharedFiles } from "../config/files.ts";
import { inspectProfile, type ResolvedProfile, shown } from "../config/resolve.ts";
import { ConfigError } from "../errors.ts";

/** A profile name no file can hold (a line break cannot be part of a section name). */
const STAND_IN = "\nrotate";

/**
 * `source` resolved for MFA and STS: `profile` and `sourceProfile` are `source`, and `roleArn` is
 * empty (prompts then name no role). A ConfigError with one line for any problem.
 */
export function resolveSource(source: string, env: Env, files: SharedFiles): ResolvedProfile {
  const values = files.profiles.get(source);
  if (!values) {
    throw new ConfigError(
      `profile ${shown(source)} is not in ${files.configFile} or ${files.credentialsFile}`,
    );
  }
  const named = values.get("vegas_source_profile");
  if (values.has("vegas_role_arn") || named !== undefined) {
    throw new ConfigError(
      `profile ${shown(source)} is a role profile; rotate takes the source profile that holds ` +
        `your IAM user's access key${named ? `: vegas-credentials rotate --profile=${named}` : ""}`,
    );
  }
  const standIn = new Map([
    ["vegas_role_arn", "arn:aws:iam::000000000000:role/rotate"],
    ["vegas_source_profile", source],
  ]);
  const withStandIn: SharedFiles = {
    ...files,
    profiles: new Map([...files.profiles, [STAND_IN, standIn]]),
    config: new Map([...files.config, [STAND_IN, standIn]]),
  };
  const { resolved, problems } = inspectProfile(STAND_IN, env, withStandIn);
  if (!resolved) {
    const first = problems[0];
    throw new ConfigError(
      first.message.replaceAll(shown(STAND_IN), shown(source)),
      first.fix?.replaceAll(STAND_IN, source),
    );
  }
  return { ...resolved, profile: source, roleArn: "" };
}
