/**
 * `help [COMMAND]`: the same text as `--help` and `COMMAND --help`.
 * @module
 */
import type { CommandContext } from "../commands/context.ts";
import { COMMANDS } from "./commands.ts";
import { commandHelp, groupCommands, groupHelp, mainHelp } from "./help.ts";
import { UsageError } from "../errors.ts";
import { closestNames } from "../config/validate.ts";

/** Runs `help [COMMAND]`. */
export function runHelp(context: CommandContext): Promise<number> {
  const name = context.positionals.join(" ");
  if (name === "") {
    context.print(mainHelp());
    return Promise.resolve(0);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command) {
    context.print(commandHelp(command));
    return Promise.resolve(0);
  }
  if (groupCommands(name).length) {
    context.print(groupHelp(name));
    return Promise.resolve(0);
  }
  const close = closestNames(name, COMMANDS.map((c) => c.name));
  throw new UsageError(
    `unknown command '${name}'${close.length ? ` (did you mean '${close[0]}'?)` : ""}; ` +
      "see vegas-credentials --help",
  );
}
