/**
 * The `assume` command: prints one line of credential_process JSON on stdout.
 * @module
 */
import type { CommandContext } from "../cli/commands.ts";
import { UsageError } from "../errors.ts";
import { credentialProcessJson } from "../credentials.ts";
import { assumeProfile } from "./assume.ts";

/** Runs `assume --profile NAME`. */
export async function runAssume(context: CommandContext): Promise<number> {
  const profile = context.values.profile;
  if (typeof profile !== "string" || profile === "") {
    throw new UsageError("assume needs --profile=NAME (the role profile in ~/.aws/config)");
  }
  if (context.positionals.length) {
    throw new UsageError(`unexpected argument '${context.positionals[0]}' (use --profile=NAME)`);
  }
  const credentials = await assumeProfile(profile, context.ui, context.env);
  context.print(credentialProcessJson(credentials) + "\n");
  return 0;
}
