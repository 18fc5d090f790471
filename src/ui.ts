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

/**
 * Messages to the user. Everything meant for the person (progress, waiting, prompts' companions,
 * --verbose) goes to the controlling terminal when there is one — the AWS CLI swallows stderr —
 * and to stderr only when there is none.
 */
export class Ui {
  readonly options: UiOptions;
  /** The prompt console: null until opened, undefined when there is no terminal. */
  #console: Console | undefined | null = null;
  #opening: Promise<Console | undefined> | undefined;
  /** The terminal for messages, opened on first use: null until then, undefined when none. */
  #terminal: { writeSync(data: Uint8Array): number } | undefined | null = null;
  #usedTerminal = false;

  constructor(options: UiOptions) {
    this.options = options;
  }

  /**
   * Opens the terminal to prompt on (once); undefined when there is none. Loaded on demand: the
   * cache-hit path never needs it.
   */
  async openConsole(): Promise<Console | undefined> {
    if (this.#console === null) {
      this.#opening ??= load<typeof import("./terminal.ts")>("./terminal.ts", import.meta.url)
        .then((terminal) => terminal.openConsole());
      this.#console = await this.#opening;
    }
    return this.#console ?? undefined;
  }

  /** The terminal opened by {@link openConsole}; undefined before that or when there is none. */
  get console(): Console | undefined {
    return this.#console ?? undefined;
  }

  /**
   * Whether there is a terminal to ask on: the controlling terminal, or a stdin that is one. Known
   * without opening the prompt console, so `doctor` and `config list` see what `assume` would.
   */
  hasTerminal(): boolean {
    if (this.#console !== null) return this.#console !== undefined;
    return this.#messageTerminal() !== undefined || Deno.stdin.isTerminal();
  }

  #messageTerminal() {
    if (this.#terminal === null) {
      try {
        this.#terminal = Deno.openSync(
          Deno.build.os === "windows" ? "CONOUT$" : "/dev/tty",
          { write: true },
        );
      } catch {
        this.#terminal = undefined; // no controlling terminal (setsid, a GUI app, a daemon)
      }
    }
    return this.#terminal;
  }

  #paint(code: string, text: string, onTerminal: boolean): string {
    return this.options.color && onTerminal ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  /** Writes a line on the terminal (above an open prompt); false when there is no terminal. */
  #toTerminal(line: string): boolean {
    if (this.#console && !this.#console.isStdio) {
      this.#console.notice(line);
    } else {
      const terminal = this.#messageTerminal();
      if (!terminal) return false;
      try {
        writeAll(terminal, `${line}\n`);
      } catch {
        this.#terminal = undefined; // the terminal is gone (EIO): stderr from now on
        return false;
      }
    }
    this.#usedTerminal = true;
    return true;
  }

  #emit(raw: string, code: string, icon: string) {
    const text = printable(raw);
    const prefix = this.options.emoji && icon ? `${icon} ` : "";
    if (!this.#toTerminal(this.#paint(code, `${prefix}${text}`, true))) {
      writeStderr(`vegas-credentials: ${text}\n`);
    }
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
   * the terminal too when messages were shown there and stderr is elsewhere.
   */
  error(raw: string): void {
    const text = printable(raw);
    const stderrIsTerminal = Deno.stderr.isTerminal();
    writeStderr(`vegas-credentials: ${this.#paint("31", text, stderrIsTerminal)}\n`);
    if (this.#usedTerminal && !stderrIsTerminal) {
      this.#toTerminal(this.#paint("31", `vegas-credentials: ${text}`, true));
    }
  }
}

function writeAll(file: { writeSync(data: Uint8Array): number }, text: string) {
  const data = new TextEncoder().encode(text);
  for (let offset = 0; offset < data.length;) offset += file.writeSync(data.subarray(offset));
}

/** Writes to stderr, ignoring a closed pipe. */
export function writeStderr(text: string): void {
  try {
    writeAll(Deno.stderr, text);
  } catch { /* stderr closed: nothing more to do */ }
}
