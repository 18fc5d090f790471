/**
 * The user's terminal, for prompts: the controlling terminal (`/dev/tty`, `CONIN$`/`CONOUT$` on
 * Windows) rather than stdin/stderr, because the AWS CLI captures stderr and CDK gives no stdin.
 * @module
 */

/** A place to show prompts and read answers. */
export interface Console {
  /** True when this is the stdin/stderr fallback rather than the controlling terminal. */
  readonly isStdio: boolean;
  /** Writes text as is. */
  write(text: string): void;
  /**
   * Reads one line, without echo when `hidden`. Resolves undefined on end of input or when `signal`
   * aborts; rejects with {@link ConsoleInterrupt} on Ctrl-C in hidden mode. Type-ahead is discarded.
   */
  readLine(signal: AbortSignal, options?: { hidden?: boolean }): Promise<string | undefined>;
}

/** Ctrl-C pressed while reading hidden input (the terminal is in raw mode then). */
export class ConsoleInterrupt extends Error {}

interface Reader {
  read(buffer: Uint8Array): Promise<number | null>;
  setRaw?(mode: boolean): void;
}

/** One outstanding read at a time feeds every readLine, so an abandoned prompt never eats a line. */
class LineConsole implements Console {
  #reader: Reader;
  #writer: { writeSync(data: Uint8Array): number };
  #pending: Promise<string | null> | undefined;
  #buffer = "";
  readonly isStdio: boolean;

  constructor(reader: Reader, writer: { writeSync(data: Uint8Array): number }, isStdio: boolean) {
    this.#reader = reader;
    this.#writer = writer;
    this.isStdio = isStdio;
  }

  write(text: string): void {
    const data = new TextEncoder().encode(text);
    for (let offset = 0; offset < data.length;) {
      offset += this.#writer.writeSync(data.subarray(offset));
    }
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
    this.#buffer = "";
    const hidden = options.hidden === true && this.#reader.setRaw !== undefined;
    if (hidden) this.#reader.setRaw!(true);
    let onAbort: () => void = () => {};
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      while (true) {
        const chunk = await Promise.race([this.#next(), aborted]);
        if (chunk === undefined) return undefined;
        if (chunk === null) return this.#buffer === "" ? undefined : this.#buffer;
        for (const char of chunk) {
          if (char === "\r" || char === "\n") {
            if (hidden) this.write("\r\n");
            return this.#buffer;
          }
          if (char === "\x03" && hidden) throw new ConsoleInterrupt("interrupted");
          if (char === "\x04" && hidden) return undefined;
          if (char === "\x7f" || char === "\b") this.#buffer = this.#buffer.slice(0, -1);
          else if (char >= " ") this.#buffer += char;
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (hidden) this.#reader.setRaw!(false);
    }
  }
}

/**
 * Opens the controlling terminal; falls back to stdin/stderr when stdin is a terminal; returns
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
    return new LineConsole(rawCapable(tty), tty, false);
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
