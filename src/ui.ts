/**
 * Where messages go: the terminal when there is one (stderr otherwise). Stdout is reserved for the
 * credential_process JSON. Never pass a secret to any of these. Messages quote outside text (an
 * endpoint's words, profile names, a helper's output), so control characters are made visible.
 * @module
 */
import { load } from "./lazy.ts";
import { printable } from "./sanitize.ts";
import type { Console } from "./terminal.ts";
import { type Env, envFlag } from "./config/files.ts";

/** Output switches, from flags and the environment. */
export interface UiOptions {
  readonly verbose: boolean;
  readonly color: boolean;
  readonly emoji: boolean;
  readonly noGui: boolean;
}

/**
 * Reads the global switches from the environment, as the original tool did: `NO_COLOR`, `VERBOSE`,
 * `NO_EMOJI`, the same with a `VEGAS_CREDENTIALS_` prefix, `VEGAS_CREDENTIALS_NO_GUI` and
 * `TERM=dumb`. A variable counts as set unless it is empty, `false` or `0`.
 */
export function optionsFromEnv(env: Env, flags: Partial<UiOptions> = {}): UiOptions {
  const set = (name: string) => envFlag(env, name) || envFlag(env, `VEGAS_CREDENTIALS_${name}`);
  const dumb = env("TERM") === "dumb";
  return {
    verbose: flags.verbose ?? set("VERBOSE"),
    color: flags.color ?? !(set("NO_COLOR") || dumb),
    emoji: flags.emoji ?? !(set("NO_EMOJI") || dumb),
    noGui: flags.noGui ?? set("NO_GUI"),
  };
}

/** Messages to the user. */
export class Ui {
  readonly options: UiOptions;
  #console: Console | undefined | null = null;
  #usedConsole = false;

  constructor(options: UiOptions) {
    this.options = options;
  }

  /**
   * Opens the terminal to prompt on (once); undefined when there is none. Loaded on demand: the
   * cache-hit path never needs it.
   */
  async openConsole(): Promise<Console | undefined> {
    if (this.#console === null) {
      this.#console = (await load<typeof import("./terminal.ts")>("./terminal.ts", import.meta.url))
        .openConsole();
    }
    return this.console;
  }

  /** The terminal opened by {@link openConsole}; undefined before that or when there is none. */
  get console(): Console | undefined {
    if (this.#console) this.#usedConsole = true;
    return this.#console ?? undefined;
  }

  #paint(code: string, text: string, onTerminal: boolean): string {
    return this.options.color && onTerminal ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  #emit(raw: string, code: string, icon: string) {
    const text = printable(raw);
    const prefix = this.options.emoji && icon ? `${icon} ` : "";
    const console = this.console;
    if (console) console.write(this.#paint(code, `${prefix}${text}`, true) + "\n");
    else writeStderr(`vegas-credentials: ${text}\n`);
  }

  /** Progress the user should see (on the terminal, else stderr). */
  info(text: string, icon = ""): void {
    this.#emit(text, "36", icon);
  }

  /** Details shown with --verbose only. */
  debug(text: string): void {
    if (this.options.verbose) this.#emit(text, "2", "");
  }

  /**
   * The final failure line: always on stderr (the AWS CLI shows a failing process's stderr), and on
   * the terminal too when a prompt was shown there and stderr is elsewhere.
   */
  error(raw: string): void {
    const text = printable(raw);
    const stderrIsTerminal = Deno.stderr.isTerminal();
    writeStderr(`vegas-credentials: ${this.#paint("31", text, stderrIsTerminal)}\n`);
    if (this.#usedConsole && this.#console && !this.#console.isStdio && !stderrIsTerminal) {
      this.#console.write(this.#paint("31", `vegas-credentials: ${text}`, true) + "\n");
    }
  }
}

/** Writes to stderr, ignoring a closed pipe. */
export function writeStderr(text: string): void {
  try {
    const data = new TextEncoder().encode(text);
    for (let offset = 0; offset < data.length;) {
      offset += Deno.stderr.writeSync(data.subarray(offset));
    }
  } catch { /* stderr closed: nothing more to do */ }
}
