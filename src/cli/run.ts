/**
 * The CLI runner: finds the command, parses its options (global ones anywhere), runs it, and turns
 * every failure into one line on stderr and an exit code. Nothing but results reaches stdout.
 * @module
 */
import { load } from "../lazy.ts";
import { parseArgs, type ParsedArgs } from "./args.ts";
import {
  type Command,
  type CommandContext,
  COMMANDS,
  GLOBAL_OPTIONS,
  VERSION_OPTION,
} from "./commands.ts";
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
  if (args[0] === "__complete") {
    // The completion scripts' profile lookup: hidden, and quiet on any problem.
    const complete = await load<typeof import("./complete.ts")>("./complete.ts", import.meta.url);
    return complete.runComplete(args.slice(1), env);
  }
  let ui = new Ui(optionsFromEnv(env));
  try {
    const { command, rest, words } = findCommand(args);
    if (!command && words.length) {
      const help = await groupHelpFor(args, words);
      if (help === undefined) throw unknownCommand(words);
      print(help);
      return 0;
    }
    const specs = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}), version: VERSION_OPTION };
    const parsed = parseArgs(rest, specs, { commandAfterDashes: command?.commandAfterDashes });
    const v = parsed.values;
    ui = new Ui(optionsFromEnv(env, {
      verbose: v.verbose === true ? true : undefined,
      color: v["no-color"] === true ? false : undefined,
      emoji: v["no-emoji"] === true ? false : undefined,
      noGui: v["no-gui"] === true ? true : undefined,
    }));
    // Anywhere, like --help (which wins after a command): `rotate --version` must not rotate.
    if (v.version && !(command && v.help)) {
      return await COMMANDS.find((c) => c.name === "version")!.run(context(parsed, ui, env, print));
    }
    if (!command) {
      print((await load<typeof import("./help.ts")>("./help.ts", import.meta.url)).mainHelp());
      return v.help ? 0 : 2;
    }
    if (parsed.misplacedCommand && !v.help) throw misplacedCommand(command, parsed);
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

/**
 * The help of a command group (`config --help`, `-h cache`): undefined unless `words` is one group
 * word and the arguments ask for help.
 */
async function groupHelpFor(args: readonly string[], words: string[]): Promise<string | undefined> {
  if (words.length !== 1 || !COMMANDS.some((c) => c.name.startsWith(`${words[0]} `))) {
    return undefined;
  }
  let help: unknown;
  try {
    help = parseArgs(args, { ...GLOBAL_OPTIONS, version: VERSION_OPTION }).values.help;
  } catch {
    return undefined; // an unknown option: the "needs a subcommand" error says more
  }
  if (help !== true) return undefined;
  return (await load<typeof import("./help.ts")>("./help.ts", import.meta.url)).groupHelp(words[0]);
}

/** `exec -p x ls -l`: the command line belongs after `--`, where none of it is read as options. */
function misplacedCommand(command: Command, parsed: ParsedArgs): UsageError {
  const profile = typeof parsed.values.profile === "string" ? parsed.values.profile : "NAME";
  const line = parsed.misplacedCommand!.map(shellWord).join(" ");
  return new UsageError(
    `put the command after --: vegas-credentials ${command.name} --profile=${shellWord(profile)} ` +
      `-- ${line}`,
  );
}

/** `word` as a POSIX shell would need it written (for messages the user copies). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
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
