/**
 * Opening a URL in the user's browser without a shell: `--browser CMD`, else `$BROWSER`, else the
 * platform's URL handler (`open` on macOS, `xdg-open` elsewhere, `url.dll`'s handler on Windows).
 *
 * The URL is a secret for a while (a console sign-in link): it goes on the browser's command line
 * and nowhere else. The browser's own output is not shown, since browsers and `xdg-open` repeat the
 * URL in their messages; a failure is reported with the URL cut out.
 * @module
 */
import type { Env } from "../config/files.ts";
import { UsageError, VegasError } from "../errors.ts";
import { redact } from "./redact.ts";

/** One way to open a URL. */
export interface BrowserCommand {
  /** Program and arguments; a `%s` in any of them stands for the URL, else the URL comes last. */
  readonly words: readonly string[];
  /** Where it comes from, for messages: `--browser`, `BROWSER` or `default`. */
  readonly origin: "--browser" | "BROWSER" | "default";
}

/** Splits a command line into words: whitespace separates, single or double quotes group. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/(?:"([^"]*)"|'([^']*)'|([^\s"']+))+/g)) {
    // A word may mix quoted and bare parts (`--flag="a b"`): rebuild it part by part.
    let word = "";
    for (const part of match[0].matchAll(/"([^"]*)"|'([^']*)'|([^\s"']+)/g)) {
      word += part[1] ?? part[2] ?? part[3];
    }
    words.push(word);
  }
  return words;
}

/** The commands to try, in order. */
export function browserCommands(
  option: string | undefined,
  env: Env,
  os: typeof Deno.build.os = Deno.build.os,
): BrowserCommand[] {
  if (option !== undefined) {
    const words = splitWords(option);
    if (!words.length) throw new UsageError("--browser needs a command");
    return [{ words, origin: "--browser" }];
  }
  // `BROWSER` may list several commands, separated like PATH entries (Python's webbrowser rule).
  const listed = (env("BROWSER") ?? "").split(os === "windows" ? ";" : ":")
    .map(splitWords).filter((words) => words.length);
  if (listed.length) return listed.map((words) => ({ words, origin: "BROWSER" }));
  const words = os === "darwin"
    ? ["open"]
    : os === "windows"
    ? ["rundll32", "url.dll,FileProtocolHandler"]
    : ["xdg-open"];
  return [{ words, origin: "default" }];
}

/** The argv that opens `url` with `command`. */
export function browserArgv(command: BrowserCommand, url: string): string[] {
  const placeholder = command.words.some((word) => word.includes("%s"));
  const argv = command.words.map((word) => word.replaceAll("%s", url));
  return placeholder ? argv : [...argv, url];
}

/** Why one command did not open the URL; undefined when it did. */
async function tryCommand(
  command: BrowserCommand,
  url: string,
  secrets: readonly string[],
): Promise<string | undefined> {
  const [program, ...args] = browserArgv(command, url);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return `cannot start the browser '${program}': not found`;
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      return `cannot start the browser '${program}': permission denied`;
    }
    return `cannot start the browser '${program}': ${
      redact((error as Error).message, [url, ...secrets])
    }`;
  }
  if (output.success) return undefined;
  const status = output.signal ? `ended by ${output.signal}` : `exit status ${output.code}`;
  const said = redact(new TextDecoder().decode(output.stderr), [url, ...secrets])
    .split("\n").map((line) => line.trim()).find(Boolean);
  const detail = said ? `: ${said.length > 160 ? `${said.slice(0, 160)}…` : said}` : "";
  return `the browser command '${program}' failed (${status})${detail}`;
}

/**
 * Opens `url` with the first of `commands` that works, waiting for that command to end (URL
 * handlers such as `xdg-open` return at once). Resolves to the program used; otherwise throws a
 * {@link VegasError} of one line naming the command(s), without the URL or any of `secrets` (parts
 * of the URL a browser might repeat on their own, such as the token).
 */
export async function openInBrowser(
  url: string,
  commands: readonly BrowserCommand[],
  secrets: readonly string[] = [],
): Promise<string> {
  const failures: string[] = [];
  for (const command of commands) {
    const failure = await tryCommand(command, url, secrets);
    if (failure === undefined) return command.words[0];
    failures.push(failure);
  }
  const origin = commands[0]?.origin;
  const hint = origin === "default"
    ? " (choose one with --browser CMD or BROWSER, or use --print)"
    : origin === "BROWSER"
    ? " (from BROWSER)"
    : "";
  throw new VegasError(`${failures.join("; ")}${hint}`);
}
