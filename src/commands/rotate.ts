/**
 * `rotate --profile=SOURCE [--dry-run] [--deactivate-only]`: replaces the source profile's IAM
 * access key (src/rotate/rotate.ts).
 * @module
 */
import type { CommandContext } from "./context.ts";
import { UsageError } from "../errors.ts";
import { noPositionals } from "./common.ts";
import { rotateAccessKey } from "../rotate/rotate.ts";

/** Runs `rotate`: the plan (dry run) or one line saying what changed, on stdout. */
export async function runRotate(context: CommandContext): Promise<number> {
  noPositionals(context);
  const profile = context.values.profile;
  if (typeof profile !== "string" || profile === "") {
    throw new UsageError(
      "rotate needs --profile=NAME (the source profile with your IAM user's access key)",
    );
  }
  context.print(
    await rotateAccessKey(
      profile,
      {
        dryRun: context.values["dry-run"] === true,
        deactivateOnly: context.values["deactivate-only"] === true,
      },
      context.ui,
      context.env,
    ),
  );
  return 0;
}
