/**
 * Command-line parsing: `--name=value`, `--name value`, `-n value`, `-nvalue`, boolean flags,
 * positionals and `--`.
 *
 * A small parser of our own rather than `node:util`'s `parseArgs`: importing `node:util` costs more
 * than a third of the time a cache hit may take (see BENCHMARKS.md), and this parser also gives the
 * "did you mean" suggestions users expect.
 * @module
 */
import { UsageError } from "../errors.ts";
import { closestNames } from "../config/validate.ts";

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** Shown by help. */
  readonly description: string;
  /** Placeholder shown by help for string options. */
  readonly value?: string;
  /** A string option that may be given several times; its value is then a list. */
  readonly multiple?: boolean;
  /** The values a string option takes, for help and shell completion (checked by the command). */
  readonly choices?: readonly string[];
  /**
   * What shell completion offers for a string option's value: profile names (the vegas profiles;
   * the default of `--profile`), the AWS CLI role profiles `config import` converts, the source
   * profiles (`rotate`, `keys …`), or files.
   */
  readonly complete?: "profiles" | "role-profiles" | "source-profiles" | "file";
}

/** Options by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Option values by long name: a `multiple` option's value is the list of the values given. */
export type { OptionValues } from "../commands/context.ts";
import type { OptionValues } from "../commands/context.ts";

/** The result of parsing. */
export interface ParsedArgs {
  readonly values: OptionValues;
  readonly positionals: string[];
  /** Everything after `--`, untouched. */
  readonly rest: string[];
  /**
   * With `commandAfterDashes`: the arguments from the first word that is not an option on, when
   * there is one before `--` (a command line written without `--`). Not parsed.
   */
  readonly misplacedCommand?: string[];
}

/** How to parse. */
export interface ParseOptions {
  /**
   * The command takes a command line after `--` (`exec`): a word before `--` that is not an
   * option starts a command line the user forgot to put after `--`. Parsing stops there rather than
   * reading that command's own options as ours (`ls -l` is not our `-l`).
   */
  readonly commandAfterDashes?: boolean;
}

/**
 * Parses `args` against `specs`. Unknown options are a {@link UsageError} naming the closest option;
 * a string option without value too, and so is one given twice (unless `multiple`): the user meant
 * one of the two, and silently taking the last could act on the wrong profile.
 */
export function parseArgs(
  args: readonly string[],
  specs: OptionSpecs,
  options: ParseOptions = {},
): ParsedArgs {
  const values: OptionValues = {};
  const positionals: string[] = [];
  const byShort = new Map(
    Object.entries(specs).flatMap(([name, spec]) => spec.short ? [[spec.short, name]] : []),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return { values, positionals, rest: args.slice(i + 1) };
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      if (!(name in specs)) throw unknownOption(`--${name}`, specs);
    } else if (arg.startsWith("-") && arg.length > 1) {
      name = byShort.get(arg[1]);
      if (!name) throw unknownOption(arg, specs);
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, "") : undefined;
    } else if (options.commandAfterDashes) {
      return { values, positionals, rest: [], misplacedCommand: args.slice(i) };
    } else {
      positionals.push(arg);
      continue;
    }
    const spec = specs[name];
    if (spec.type === "boolean") {
      if (inline !== undefined && !["true", "false"].includes(inline)) {
        throw new UsageError(`option --${name} takes no value`);
      }
      values[name] = inline !== "false";
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith("-") && value !== "-")) {
      throw new UsageError(`option --${name} needs a value: --${name}=${spec.value ?? "VALUE"}`);
    }
    const previous = values[name];
    if (spec.multiple) {
      values[name] = [...(Array.isArray(previous) ? previous : []), value];
    } else if (previous !== undefined) {
      throw new UsageError(`option --${name} is given twice; give it once`);
    } else {
      values[name] = value;
    }
  }
  return { values, positionals, rest: [] };
}

function unknownOption(option: string, specs: OptionSpecs): UsageError {
  const names = Object.keys(specs);
  const close = closestNames(option.replace(/^-+/, "").split("=")[0], names);
  const hint = close.length ? ` (did you mean --${close[0]}?)` : "";
  return new UsageError(`unknown option ${option.split("=")[0]}${hint}`);
}
