/**
 * `exec --profile NAME -- COMMAND [ARGS…]`: runs a command with the role's credentials in its
 * environment (and without `AWS_PROFILE`, so it uses them), passing its exit status through.
 * @module
 */
import type { CommandContext } from "../cli/commands.ts";
import { UsageError, VegasError } from "../errors.ts";
import { requiredProfile } from "./common.ts";
import { profileVariables } from "./env.ts";

/** Variables the child must not inherit: they would make AWS tools use another profile or token. */
export const REMOVED_VARIABLES = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SECURITY_TOKEN",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
] as const;

/** Signals forwarded to the child. */
const FORWARDED: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** POSIX signal numbers (the same on Linux and macOS for these), for the 128+N exit status. */
const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/** The child's environment: ours, minus {@link REMOVED_VARIABLES}, plus `vars`. */
export function childEnvironment(
  parent: Readonly<Record<string, string>>,
  vars: readonly [string, string][],
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (!(REMOVED_VARIABLES as readonly string[]).includes(name.toUpperCase())) {
      result[name] = value;
    }
  }
  for (const [name, value] of vars) result[name] = value;
  return result;
}

/** The exit status a shell would report for a child's end. */
export function exitStatus(status: Deno.CommandStatus): number {
  if (!status.signal) return status.code;
  const number = SIGNAL_NUMBERS[status.signal];
  if (number) return 128 + number;
  return status.code > 128 ? status.code : 1;
}

/** The command line after `--` (or, when there is no `--`, the positional arguments). */
function commandLine(context: CommandContext): string[] {
  if (context.rest.length && context.positionals.length) {
    throw new UsageError(
      `unexpected argument '${context.positionals[0]}' before --; ` +
        "write: vegas-credentials exec --profile NAME -- COMMAND [ARGS…]",
    );
  }
  const line = context.rest.length ? context.rest : context.positionals;
  if (!line.length) {
    throw new UsageError("exec needs a command: vegas-credentials exec --profile NAME -- COMMAND");
  }
  return [...line];
}

/** Runs `exec`: resolves to the child's exit status (128+N when signal N ended it). */
export async function runExec(context: CommandContext): Promise<number> {
  const name = requiredProfile(context, "exec");
  const [program, ...args] = commandLine(context);
  const vars = await profileVariables(name, context.ui, context.env);
  // Listen before starting the child, so that no signal can arrive between the two unforwarded.
  let child: Deno.ChildProcess | undefined;
  const pending: Deno.Signal[] = [];
  const listeners: [Deno.Signal, () => void][] = [];
  for (const signal of FORWARDED) {
    const forward = () => {
      if (!child) return void pending.push(signal);
      try {
        child.kill(signal);
      } catch { /* the child is gone already */ }
    };
    try {
      Deno.addSignalListener(signal, forward);
      listeners.push([signal, forward]);
    } catch { /* this signal cannot be listened to on this platform */ }
  }
  try {
    child = spawn(program, args, vars);
    context.ui.debug(`running ${program} with the credentials of profile '${name}'`);
    for (const signal of pending) child.kill(signal);
    return exitStatus(await child.status);
  } finally {
    for (const [signal, forward] of listeners) Deno.removeSignalListener(signal, forward);
  }
}

function spawn(program: string, args: string[], vars: [string, string][]): Deno.ChildProcess {
  try {
    return new Deno.Command(program, {
      args,
      env: childEnvironment(Deno.env.toObject(), vars),
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new VegasError(`command not found: ${program}`, { exitCode: 127 });
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new VegasError(`cannot run ${program}: permission denied`, { exitCode: 126 });
    }
    throw new VegasError(`cannot run ${program}: ${(error as Error).message}`, { exitCode: 126 });
  }
}
