/**
 * The CLI runner: finds the command, parses its options (global ones anywhere), runs it, and turns
 * every failure into one line on stderr and an exit code. Nothing but results reaches stdout.
 * @module
 */
import { load } from "../lazy.ts";
import { parseArgs } from "./args.ts";
import { type Command, type CommandContext, COMMANDS, GLOBAL_OPTIONS } from "./commands.ts";
import { UsageError, VegasError } from "../errors.ts";
import { optionsFromEnv, Ui, writeStderr } from "../ui.ts";
import { type Env, processEnv } from "../config/files.ts";
import { closestNames } from "../config/validate.ts";
import { printable } from "../sanitize.ts";

/** Writes results to stdout (reports quote profile names and file contents: made printable). */
function printStdout(text: string): void {
  const data = new TextEncoder().encode(printable(text));
  for (let offset = 0; offset < data.length;) {
    offset += Deno.stdout.writeSync(data.subarray(offset));
  }
}

/** Finds the command named by the first one or two words that are not options. */
export function findCommand(
  args: readonly string[],
  commands: readonly Command[] = COMMANDS,
): { command?: Command; rest: string[]; words: string[] } {
  const words: string[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < args.length && words.length < 2; i++) {
    if (args[i] === "--") break;
    if (args[i].startsWith("-")) {
      // `-p NAME` / `--profile NAME`: skip the value so it is not taken for a command word.
      if (/^(-p|--profile)$/.test(args[i])) i++;
      continue;
    }
    words.push(args[i]);
    indexes.push(i);
  }
  for (const count of [2, 1]) {
    const name = words.slice(0, count).join(" ");
    const command = commands.find((c) => c.name === name);
    if (command) {
      const rest = args.filter((_, i) => !indexes.slice(0, count).includes(i));
      return { command, rest, words };
    }
  }
  return { rest: [...args], words };
}

/** Runs the CLI with `args`; resolves to the process exit code. */
export async function run(
  args: readonly string[],
  env: Env = processEnv,
  print: (text: string) => void = printStdout,
): Promise<number> {
  let ui = new Ui(optionsFromEnv(env));
  try {
    const { command, rest, words } = findCommand(args);
    if (!command && words.length) throw unknownCommand(words);
    const specs = {
      ...GLOBAL_OPTIONS,
      ...(command?.options ?? {}),
      version: { type: "boolean", description: "Print the version" },
    } as const;
    const parsed = parseArgs(rest, specs);
    const v = parsed.values;
    ui = new Ui(optionsFromEnv(env, {
      verbose: v.verbose === true ? true : undefined,
      color: v["no-color"] === true ? false : undefined,
      emoji: v["no-emoji"] === true ? false : undefined,
      noGui: v["no-gui"] === true ? true : undefined,
    }));
    if (v.version && !command) {
      return await COMMANDS.find((c) => c.name === "version")!.run(context(parsed, ui, env, print));
    }
    if (!command) {
      if (words.length === 0) {
        print((await load<typeof import("./help.ts")>("./help.ts", import.meta.url)).mainHelp());
        return v.help ? 0 : 2;
      }
      const names = COMMANDS.map((c) => c.name);
      const close = closestNames(words.join(" "), [...names, ...names.map((n) => n.split(" ")[0])]);
      throw new UsageError(
        `unknown command '${words.join(" ")}'${
          close.length ? ` (did you mean '${close[0]}'?)` : ""
        }` +
          "; see vegas-credentials --help",
      );
    }
    if (v.help) {
      print(
        (await load<typeof import("./help.ts")>("./help.ts", import.meta.url)).commandHelp(command),
      );
      return 0;
    }
    return await command.run(context(parsed, ui, env, print));
  } catch (error) {
    return report(error, ui);
  }
}

function unknownCommand(words: string[]): UsageError {
  const names = COMMANDS.map((c) => c.name);
  const group = names.filter((name) => name.startsWith(`${words[0]} `));
  if (group.length) {
    // A group word (`cache`, `config`) alone or with a wrong second word.
    const close = words.length > 1 ? closestNames(words.join(" "), group) : [];
    const hint = close.length
      ? `did you mean '${close[0]}'?`
      : `its commands: ${group.map((name) => `'${name}'`).join(", ")}`;
    const what = words.length > 1 ? `unknown command '${words.join(" ")}'` : `'${words[0]}'`;
    return new UsageError(
      `${what}${words.length > 1 ? "" : " needs a subcommand"} (${hint}); ` +
        "see vegas-credentials --help",
    );
  }
  const close = closestNames(words[0], new Set(names.map((name) => name.split(" ")[0])));
  let hint = "";
  if (close.length) {
    const two = `${close[0]} ${words[1]}`;
    hint = ` (did you mean '${names.includes(two) ? two : close[0]}'?)`;
  }
  return new UsageError(
    `unknown command '${words[0]}'${hint}; see vegas-credentials --help`,
  );
}

function context(
  parsed: ReturnType<typeof parseArgs>,
  ui: Ui,
  env: Env,
  print: (text: string) => void,
): CommandContext {
  return {
    values: parsed.values,
    positionals: parsed.positionals,
    rest: parsed.rest,
    ui,
    env,
    print,
  };
}

/** One line on stderr for the user; a stack trace only for bugs, and only with --verbose. */
function report(error: unknown, ui: Ui): number {
  if (error instanceof VegasError) {
    ui.error(error.message);
    if (error.hint && ui.options.verbose) writeStderr(`hint: ${printable(error.hint)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  ui.error(`unexpected error: ${message.split("\n")[0]}`);
  if (ui.options.verbose && error instanceof Error && error.stack) writeStderr(`${error.stack}\n`);
  return 1;
}
