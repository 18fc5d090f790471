/**
 * The user's terminal, for prompts: the controlling terminal (`/dev/tty`, `CONIN$`/`CONOUT$` on
 * Windows) rather than stdin/stderr, because the AWS CLI captures stderr and CDK gives no stdin.
 *
 * On Unix the terminal is read without ever leaving a read pending: in non-canonical mode (signals
 * such as Ctrl-C still work) through a second, non-blocking descriptor, polled. So when another MFA
 * input answers, the prompt stops at once, and the next line the user types reaches whatever runs
 * next (`exec`'s command) instead of an abandoned read of ours.
 * @module
 */
import { constants, openSync, readSync } from "node:fs";
import { onInterrupt } from "./interrupt.ts";
import { VegasError } from "./errors.ts";

/** A place to show prompts and read answers. */
export interface Console {
  /** True when this is the stdin/stderr fallback rather than the controlling terminal. */
  readonly isStdio: boolean;
  /** Writes text as is. */
  write(text: string): void;
  /** Shows a message on a line of its own; an open prompt line is shown again below it. */
  notice(text: string): void;
  /**
   * Reads one line, without echo when `hidden`. Resolves undefined on end of input (Ctrl-D on an
   * empty line) or when `signal` aborts; then the prompt line is ended, with the abort reason as a
   * note when it is a string (`answered by YubiKey`). Type-ahead is discarded. Rejects with
   * {@link TerminalClosed} when the terminal goes away meanwhile.
   */
  readLine(signal: AbortSignal, options?: { hidden?: boolean }): Promise<string | undefined>;
}

/**
 * Ctrl-C while reading hidden input from the stdin fallback (raw mode there turns signals off).
 * On the controlling terminal Ctrl-C stays a SIGINT, which src/interrupt.ts handles.
 */
export class ConsoleInterrupt extends Error {}

/**
 * The terminal went away while it was read (a closed window, a dropped SSH connection): no answer,
 * and not the user's cancel — half of a typed line is no answer either.
 */
export class TerminalClosed extends VegasError {
  constructor() {
    super("the terminal was closed");
    this.name = "TerminalClosed";
  }
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(data: Uint8Array): number }, text: string) {
  const data = encoder.encode(text);
  for (let offset = 0; offset < data.length;) offset += file.writeSync(data.subarray(offset));
}

/** The note that closes an abandoned prompt line. */
function abortNote(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? `(${signal.reason})` : "";
}

/** What an answer typed so far does with one more character. */
type Step = "more" | "enter" | "eof";

/** The line editing both consoles share: backspace, Ctrl-U, Enter, Ctrl-D on an empty line. */
class LineEditor {
  text = "";
  #escape = false;

  /** Applies `char`; returns what to echo (nothing when hidden) and whether the line is done. */
  feed(char: string, hidden: boolean): { echo: string; step: Step } {
    if (this.#escape) {
      // The rest of an escape sequence (arrow keys …): ignored up to its final byte.
      if (char !== "[" && char >= "@" && char <= "~") this.#escape = false;
      return { echo: "", step: "more" };
    }
    if (char === "\r" || char === "\n") return { echo: "", step: "enter" };
    if (char === "\x04") return { echo: "", step: this.text === "" ? "eof" : "more" };
    if (char === "\x1b") {
      this.#escape = true;
      return { echo: "", step: "more" };
    }
    if (char === "\x7f" || char === "\b") {
      if (!this.text) return { echo: "", step: "more" };
      this.text = [...this.text].slice(0, -1).join("");
      return { echo: hidden ? "" : "\b \b", step: "more" };
    }
    if (char === "\x15") {
      const erase = hidden ? "" : "\b \b".repeat([...this.text].length);
      this.text = "";
      return { echo: erase, step: "more" };
    }
    if (char < " ") return { echo: "", step: "more" };
    this.text += char;
    return { echo: hidden ? "" : char, step: "more" };
  }
}

/**
 * The controlling terminal on Unix. Writes go through a blocking descriptor (which also sets the
 * terminal mode); reads through a non-blocking one, so stopping is immediate and leaves nothing
 * behind.
 */
export class TtyConsole implements Console {
  readonly isStdio = false;
  #tty: Deno.FsFile;
  #input: number;
  #readSync: (fd: number, buffer: Uint8Array) => number;
  /** The unterminated line on screen (prompt and echoed answer), to redraw after a notice. */
  #open = "";

  constructor(tty: Deno.FsFile, input: number, readSync: (fd: number, b: Uint8Array) => number) {
    this.#tty = tty;
    this.#input = input;
    this.#readSync = readSync;
  }

  write(text: string): void {
    this.#send(text);
    const end = text.lastIndexOf("\n");
    this.#open = end < 0 ? this.#open + text : text.slice(end + 1);
  }

  notice(text: string): void {
    if (!this.#open) return this.write(`${text}\n`);
    this.#send(`\r\x1b[K${text}\n${this.#open}`);
  }

  #send(text: string): void {
    try {
      writeAll(this.#tty, text);
    } catch { /* the terminal is gone (EIO): no one to show it to; the read says so */ }
  }

  /**
   * Bytes typed so far; undefined when none are waiting; null when the terminal is gone (without
   * canonical mode, Ctrl-D is a byte like any other: only a hang-up ends the input).
   */
  #available(): Uint8Array | undefined | null {
    const buffer = new Uint8Array(256);
    try {
      const n = this.#readSync(this.#input, buffer);
      return n === 0 ? null : buffer.subarray(0, n);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR") return undefined;
      return null; // EIO: the terminal is gone
    }
  }

  readLine(signal: AbortSignal, options: { hidden?: boolean } = {}): Promise<string | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    const hidden = options.hidden === true;
    // Non-canonical without echo: we read each key as it comes and echo it ourselves. Ctrl-C and
    // Ctrl-Z keep their meaning (signals to the whole foreground process group).
    try {
      this.#tty.setRaw(true, { cbreak: true });
    } catch (error) {
      // Closed before the prompt began reading (what was typed, the terminal itself echoed).
      if (isIoError(error)) return Promise.reject(new TerminalClosed());
      throw error;
    }
    while (this.#available()) { /* discard type-ahead */ }
    const editor = new LineEditor();
    const decoder = new TextDecoder();
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let done = false;
      const finish = (value: string | undefined, ending: string | TerminalClosed) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        interrupt[Symbol.dispose]();
        resumed[Symbol.dispose]();
        this.#restore();
        if (ending instanceof TerminalClosed) return reject(ending);
        this.write(ending);
        resolve(value);
      };
      const onAbort = () => {
        // Erase what was typed (it is no answer any more) and say why the prompt ended.
        const erase = hidden ? "" : "\b \b".repeat([...editor.text].length);
        finish(undefined, `${erase}${abortNote(signal)}\n`);
      };
      const interrupt = onInterrupt(() => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resumed[Symbol.dispose]();
        this.#restore();
        this.write("\n");
      });
      // Back from Ctrl-Z (`fg`): the shell set its own terminal mode meanwhile; take ours again
      // and show the prompt line as it was.
      const resumed = onContinue(() => {
        if (done) return;
        this.#tty.setRaw(true, { cbreak: true });
        this.#send(`\r\x1b[K${this.#open}`);
      });
      signal.addEventListener("abort", onAbort, { once: true });
      const poll = () => {
        while (!done) {
          const bytes = this.#available();
          if (bytes === undefined) {
            timer = setTimeout(poll, 25);
            return;
          }
          if (bytes === null) return finish(undefined, new TerminalClosed());
          for (const char of decoder.decode(bytes, { stream: true })) {
            const { echo, step } = editor.feed(char, hidden);
            if (echo) this.write(echo);
            if (step === "enter") return finish(editor.text, "\n");
            if (step === "eof") return finish(undefined, "\n");
          }
        }
      };
      poll();
    });
  }

  #restore() {
    try {
      this.#tty.setRaw(false);
    } catch { /* the terminal is gone */ }
  }
}

/** EIO, the error of a terminal that hung up (Deno's `setRaw` says so in its message only). */
function isIoError(error: unknown): boolean {
  return (error as { code?: string }).code === "EIO" || /^EIO\b/.test((error as Error).message);
}

/** Calls `handler` on SIGCONT until disposed (nothing on Windows, which has no job control). */
function onContinue(handler: () => void): Disposable {
  if (Deno.build.os === "windows") return { [Symbol.dispose]: () => {} };
  const listener = () => {
    try {
      handler();
    } catch { /* the terminal is gone: the read says so */ }
  };
  Deno.addSignalListener("SIGCONT", listener);
  return { [Symbol.dispose]: () => Deno.removeSignalListener("SIGCONT", listener) };
}

interface Reader {
  read(buffer: Uint8Array): Promise<number | null>;
  setRaw?(mode: boolean): void;
}

/**
 * The fallback where the terminal cannot be polled (Windows, or only stdin is a terminal): one
 * outstanding blocking read at a time feeds every readLine. A read abandoned when another input
 * answers stays pending until the next line is typed.
 */
class LineConsole implements Console {
  #reader: Reader;
  #writer: { writeSync(data: Uint8Array): number };
  #pending: Promise<string | null> | undefined;
  readonly isStdio: boolean;

  constructor(reader: Reader, writer: { writeSync(data: Uint8Array): number }, isStdio: boolean) {
    this.#reader = reader;
    this.#writer = writer;
    this.isStdio = isStdio;
  }

  write(text: string): void {
    writeAll(this.#writer, text);
  }

  notice(text: string): void {
    this.write(`${text}\n`);
  }

  #next(): Promise<string | null> {
    this.#pending ??= (async () => {
      const chunk = new Uint8Array(1024);
      const n = await this.#reader.read(chunk);
      this.#pending = undefined;
      return n === null ? null : new TextDecoder().decode(chunk.subarray(0, n));
    })();
    return this.#pending;
  }

  async readLine(signal: AbortSignal, options: { hidden?: boolean } = {}) {
    if (signal.aborted) return undefined;
    const editor = new LineEditor();
    const hidden = options.hidden === true && this.#reader.setRaw !== undefined;
    if (hidden) this.#reader.setRaw!(true);
    let onAbort: () => void = () => {};
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => {
        this.write(`${abortNote(signal)}\n`);
        resolve(undefined);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      while (true) {
        const chunk = await Promise.race([this.#next(), aborted]);
        if (chunk === undefined) return undefined;
        if (chunk === null) {
          if (editor.text !== "") return editor.text;
          this.write("\n");
          return undefined;
        }
        for (const char of chunk) {
          if (char === "\x03" && hidden) throw new ConsoleInterrupt("interrupted");
          // Never echoed here: the terminal echoes itself, or (hidden) nothing is shown.
          const { step } = editor.feed(char, true);
          if (step === "enter") {
            if (hidden) this.write("\r\n");
            return editor.text;
          }
          if (step === "eof" && hidden) {
            this.write("\r\n");
            return undefined;
          }
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (hidden) this.#reader.setRaw!(false);
    }
  }
}

/**
 * Opens the controlling terminal; falls back to stdin/stderr when stdin is a terminal; resolves
 * undefined when there is no way to ask the user anything.
 */
export function openConsole(): Console | undefined {
  try {
    if (Deno.build.os === "windows") {
      const input = Deno.openSync("CONIN$", { read: true, write: true });
      const output = Deno.openSync("CONOUT$", { write: true });
      return new LineConsole(rawCapable(input), output, false);
    }
    const tty = Deno.openSync("/dev/tty", { read: true, write: true });
    try {
      // Deno's own files cannot be non-blocking; node:fs passes O_NONBLOCK through.
      const input = openSync("/dev/tty", constants.O_RDONLY | constants.O_NONBLOCK);
      return new TtyConsole(tty, input, (fd, buffer) => readSync(fd, buffer));
    } catch {
      return new LineConsole(rawCapable(tty), tty, false);
    }
  } catch {
    // No controlling terminal (a GUI app, a daemon, `setsid`).
  }
  if (Deno.stdin.isTerminal()) return new LineConsole(rawCapable(Deno.stdin), Deno.stderr, true);
  return undefined;
}

function rawCapable(file: Deno.FsFile | typeof Deno.stdin): Reader {
  return {
    read: (buffer) => file.read(buffer),
    setRaw: (mode) => {
      try {
        file.setRaw(mode);
      } catch { /* not a terminal after all: echo stays on */ }
    },
  };
}
