/**
 * What a command gets: below the commands, so that no command imports from the CLI above it.
 * @module
 */
import type { Env } from "../env.ts";
import type { Ui } from "../ui.ts";

/** Option values by name: a string, a switch, or the strings of a repeatable option. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command gets. */
export interface CommandContext {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  /** Arguments after `--`. */
  readonly rest: readonly string[];
  readonly ui: Ui;
  readonly env: Env;
  /** Writes to stdout (results only). */
  readonly print: (text: string) => void;
}
