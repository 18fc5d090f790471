/**
 * MFA input: `vegas_mfa_process`, a shell command whose output holds the code (a password manager,
 * `oathtool`, `ykman oath accounts code`).
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

/** The shell and its arguments for a command line, per platform. */
export function shellCommand(command: string, os = Deno.build.os): [string, string[]] {
  return os === "windows" ? ["cmd.exe", ["/d", "/s", "/c", command]] : ["/bin/sh", ["-c", command]];
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
        const [shell, args] = shellCommand(command);
        request.ui.debug(`running vegas_mfa_process`);
        const result = await runChild(shell, args, {
          signal,
          env: request.childEnv,
          onStderr: (text) => request.ui.info(text.trimEnd()),
        });
        if (result.code !== 0) {
          throw new MfaInputError(
            "process",
            `vegas_mfa_process failed (exit code ${result.code}${
              result.signal ? `, signal ${result.signal}` : ""
            }): ${command.split(/\s+/)[0]}`,
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
