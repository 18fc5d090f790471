/**
 * The command table: names, options and summaries; each command's code is imported only when run,
 * so `assume` (the hot path) loads nothing it does not use.
 * @module
 */
import type { OptionSpecs } from "./args.ts";
import type { Ui } from "../ui.ts";
import type { Env } from "../config/files.ts";

/** What a command gets. */
export interface CommandContext {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
  /** Arguments after `--`. */
  readonly rest: readonly string[];
  readonly ui: Ui;
  readonly env: Env;
  /** Writes to stdout (results only). */
  readonly print: (text: string) => void;
}

/** One command of the CLI. */
export interface Command {
  /** One or two words: `assume`, `cache clean`. */
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Longer help text and examples. */
  readonly details?: string;
  /** Runs the command; resolves to the exit code. */
  readonly run: (context: CommandContext) => Promise<number>;
}

/** Options every command accepts, before or after the command name. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  help: { type: "boolean", short: "h", description: "Show help" },
  verbose: { type: "boolean", short: "v", description: "Explain what happens (on the terminal)" },
  "no-color": { type: "boolean", description: "No colours (also NO_COLOR, TERM=dumb)" },
  "no-emoji": { type: "boolean", description: "No emoji (also NO_EMOJI)" },
  "no-gui": {
    type: "boolean",
    description: "Never show a GUI dialog (also VEGAS_CREDENTIALS_NO_GUI)",
  },
};

const profileOption = {
  profile: { type: "string", short: "p", value: "NAME", description: "Profile in ~/.aws/config" },
} as const;

/** Every command. */
export const COMMANDS: readonly Command[] = [
  {
    name: "assume",
    summary: "Print credential_process JSON for a role profile (prompts for MFA when needed)",
    usage: "vegas-credentials assume --profile=NAME",
    options: profileOption,
    details: [
      "Used from ~/.aws/config:",
      "  [profile NAME]",
      "  credential_process = vegas-credentials assume --profile=NAME",
      "  vegas_role_arn = arn:aws:iam::222222222222:role/SingerRole",
      "  vegas_source_profile = default",
    ].join("\n"),
    run: async (context) => (await import("../commands/assume_command.ts")).runAssume(context),
  },
  {
    name: "version",
    summary: "Print the version",
    usage: "vegas-credentials version [--full]",
    options: { full: { type: "boolean", description: "Add OS, architecture and Deno version" } },
    run: async (context) => (await import("../commands/version.ts")).runVersion(context),
  },
];
