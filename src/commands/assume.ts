/**
 * `assume`: credentials for a role profile, from the cache when fresh (the hot path: no AWS SDK,
 * no MFA code is loaded there), else from STS after an MFA prompt.
 * @module
 */
import { load } from "../lazy.ts";
import { configFilePath, credentialsFilePath } from "../config/files.ts";
import { assumeProfile } from "../assume/pipeline.ts";
import { credentialProcessJson } from "../credentials.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "../errors.ts";

/** Runs `assume --profile NAME`: one line of credential_process JSON on stdout. */
export async function runAssume(context: CommandContext): Promise<number> {
  const profile = context.values.profile;
  if (typeof profile !== "string" || profile === "") {
    throw new UsageError("assume needs --profile=NAME (the role profile in ~/.aws/config)");
  }
  if (context.positionals.length) {
    throw new UsageError(`unexpected argument '${context.positionals[0]}' (use --profile=NAME)`);
  }
  if (context.ui.options.verbose) {
    // Tools on the JavaScript SDK may run another credential_process than the AWS CLI shows.
    const { sharedFileDisagreements } = await load<typeof import("../config/sdk_dialects.ts")>(
      "../config/sdk_dialects.ts",
      import.meta.url,
    );
    const env = context.env;
    for (const line of sharedFileDisagreements(configFilePath(env), credentialsFilePath(env))) {
      context.ui.debug(line);
    }
  }
  const credentials = await assumeProfile(profile, context.ui, context.env);
  context.print(credentialProcessJson(credentials) + "\n");
  return 0;
}
