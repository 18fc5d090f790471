/**
 * Errors that end the program with one clear line.
 *
 * Every failure a user can cause or fix is a {@link VegasError}: its message is the single line shown
 * on stderr (and the terminal), and its exit code is what the process returns.
 * @module
 */

/** A failure with a message meant for the user. Exit code 1 unless stated. */
export class VegasError extends Error {
  /** Process exit code for this failure. */
  readonly exitCode: number;
  /** Optional hint printed on a second line in verbose mode or by `doctor`. */
  readonly hint?: string;

  /** `message` is the one line shown; `options` the exit code (default 1), hint and cause. */
  constructor(
    message: string,
    options: { exitCode?: number; hint?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "VegasError";
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/** Wrong command-line usage: exit code 2, like most CLIs. */
export class UsageError extends VegasError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = "UsageError";
  }
}

/** A configuration problem: names the profile, key and file it comes from. */
export class ConfigError extends VegasError {
  /** `message` names the profile, key and file; `hint` says what to do. */
  constructor(message: string, hint?: string) {
    super(message, { hint });
    this.name = "ConfigError";
  }
}
