/**
 * MFA input: `vegas_mfa_process`, a shell command whose output holds the code (a password manager,
 * `oathtool`, `ykman oath accounts code`).
 *
 * The line may hold a secret, so it never appears on a command line (every local user can read
 * those with `ps`): the shell reads it from its standard input. Messages show its program only.
 * @module
 */
import { MfaInputError } from "./types.ts";
import type { MfaDriver } from "./types.ts";
import { runChild } from "./spawn.ts";

/** The last stand-alone 6-digit token of a command's output, if any. */
export function codeFromOutput(output: string): string | undefined {
  const tokens = output.match(/(?<![\d])\d{6}(?![\d])/g);
  return tokens?.at(-1);
}

/** How to run a command line: the shell, its fixed arguments, and what goes on its stdin. */
export interface ShellCommand {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly stdin?: string;
}

/**
 * The shell for a command line, per platform. On Unix the line goes on the shell's stdin, read
 * whole before it runs (`eval`), and the command's own stdin is then /dev/null as before. (Windows
 * shows a process's command line only to its user and administrators; cmd.exe gets it there.)
 */
export function shellCommand(command: string, os = Deno.build.os): ShellCommand {
  if (os === "windows") return { cmd: "cmd.exe", args: ["/d", "/s", "/c", command] };
  return {
    cmd: "/bin/sh",
    args: ["-c", 'command=$(cat) && exec </dev/null && eval "$command"'],
    stdin: command,
  };
}

// A shell word up to the first operator: unquoted text, quoted strings, escaped characters.
const WORD = /(?:[^\s'"\\;&|<>()`$]+|'[^']*'|"(?:[^"\\]|\\.)*"|\\.)+/y;

/**
 * The program a command line starts, without quotes, for messages: `TOKEN=… oathtool --totp -b X`
 * → `oathtool …`. Variables set before it and every argument are left out (any may be a secret);
 * `(a shell command)` when no plain program comes first.
 */
export function describeCommand(line: string): string {
  const text = line.trim();
  let at = 0;
  while (at < text.length) {
    WORD.lastIndex = at;
    const word = WORD.exec(text)?.[0];
    if (!word) break;
    at = WORD.lastIndex;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
      at = text.length - text.slice(at).trimStart().length;
      continue;
    }
    const program = word.replace(
      /'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)/g,
      (_match, single?: string, double?: string, escaped?: string) =>
        single ?? (double !== undefined ? double.replace(/\\(.)/g, "$1") : escaped ?? ""),
    );
    return at < text.length ? `${program} …` : program;
  }
  return "(a shell command)";
}

/** Runs the configured command; its stderr is shown to the user, its stdout read for the code. */
export const processDriver: MfaDriver = {
  name: "process",
  detect(request) {
    const command = request.profile.mfaProcess;
    if (!command) return "no vegas_mfa_process configured";
    return {
      name: "process",
      generator: true,
      async read(request, signal) {
        const shell = shellCommand(command);
        request.ui.debug(`running vegas_mfa_process ${describeCommand(command)}`);
        const result = await runChild(shell.cmd, shell.args, {
          signal,
          stdin: shell.stdin,
          env: request.childEnv,
          onStderr: (text) => request.ui.info(text.trimEnd()),
        });
        if (result.code !== 0) {
          throw new MfaInputError(
            "process",
            `vegas_mfa_process failed (exit code ${result.code}${
              result.signal ? `, signal ${result.signal}` : ""
            }): ${describeCommand(command)}`,
          );
        }
        const code = codeFromOutput(result.stdout);
        if (!code) {
          throw new MfaInputError("process", "vegas_mfa_process printed no 6-digit code");
        }
        return code;
      },
    };
  },
};
