/**
 * Help texts, generated from the command table.
 * @module
 */
import { type Command, COMMANDS, GLOBAL_OPTIONS } from "./commands.ts";
import type { OptionSpecs } from "./args.ts";

function optionLines(specs: OptionSpecs): string[] {
  return Object.entries(specs).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? `=${spec.value ?? "VALUE"}` : "";
    return `  ${short}--${name}${value}`.padEnd(30) + spec.description;
  });
}

/** `vegas-credentials --help`. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    "vegas-credentials: AWS credential_process helper that assumes IAM roles with MFA",
    "",
    "Usage: vegas-credentials <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "  -V, --version".padEnd(30) + "Print the version",
    "",
    "Run 'vegas-credentials <command> --help' for a command's options.",
    "",
  ].join("\n");
}

/** `vegas-credentials COMMAND --help`. */
export function commandHelp(command: Command): string {
  return [
    command.summary,
    "",
    `Usage: ${command.usage}`,
    "",
    ...(Object.keys(command.options).length
      ? ["Options:", ...optionLines(command.options), ""]
      : []),
    "Global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    ...(command.details ? [command.details, ""] : []),
  ].join("\n");
}

/** The commands of a group word (`config`, `cache`); empty for a word that is no group. */
export function groupCommands(group: string): Command[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

/** `vegas-credentials GROUP --help` and `help GROUP`: the group's commands. */
export function groupHelp(group: string): string {
  const commands = groupCommands(group);
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    `Commands of '${group}':`,
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    `Run 'vegas-credentials ${commands[0].name} --help' for a command's options.`,
    "",
  ].join("\n");
}
