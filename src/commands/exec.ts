/**
 * `exec --profile NAME -- COMMAND [ARGS…]`: runs a command with the role's credentials in its
 * environment (and without `AWS_PROFILE`, so it uses them), passing its exit status through. With
 * `--server` the command gets a credential server instead of keys (src/exec_server.ts), which
 * refreshes them for as long as it runs.
 *
 * Signals: SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are passed on, and the command's end awaited
 * (dying at once would leave it running, with its keys). SIGINT and SIGQUIT are passed on only when
 * the command would not get them otherwise — Ctrl-C (Ctrl-\) at a terminal reaches every process
 * of the foreground process group, the command included, and a second copy makes Terraform quit at
 * once ("Two interrupts received"), leaving its state lock held.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { handCallerCoreDumpFilter } from "../core_dumps.ts";
import { ConfigError, UsageError, VegasError } from "../errors.ts";
import { envFlag, readSharedFiles, type SharedFiles } from "../config/files.ts";
import { resolveProfile, shown } from "../config/resolve.ts";
import { load } from "../lazy.ts";
import { requiredProfile } from "./common.ts";
import { findOnPath } from "../find_program.ts";
import { configuredRegion, profileVariables } from "./env.ts";
// The assume pipeline (moves to src/assume/ with issue 11): the server's credentials per request.
import { assumeProfile } from "../assume/pipeline.ts";

/** Variables the child must not inherit: they would make AWS tools use another profile or token. */
export const REMOVED_VARIABLES = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SECURITY_TOKEN",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
] as const;

/** Signals forwarded to the child (the terminal's only when it does not get them from there). */
const FORWARDED: readonly Deno.Signal[] = [
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGHUP",
  "SIGUSR1",
  "SIGUSR2",
];

/**
 * Whether SIGHUP was ignored when this program started (`nohup`), read when this module loads:
 * before any signal listener of ours, since Deno's first one takes SIGHUP over too and the command
 * would then inherit the default (die) instead. (Linux; elsewhere taken as not ignored.)
 */
const HANGUP_IGNORED = hangupIgnoredNow();

function hangupIgnoredNow(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(Deno.readTextFileSync("/proc/self/status"));
    return mask !== null && (BigInt(`0x${mask[1]}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Signals a terminal sends to its whole foreground process group. */
const FROM_TERMINAL: readonly Deno.Signal[] = ["SIGINT", "SIGQUIT"];

/** Signal numbers (the same on Linux and macOS but for SIGUSR*), for the 128+N exit status. */
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
  SIGUSR1: Deno.build.os === "darwin" ? 30 : 10,
  SIGUSR2: Deno.build.os === "darwin" ? 31 : 12,
};

/** The profile key and the variable that make `--server` the default. */
export const SERVER_KEY = "vegas_exec_server";
/** See {@link SERVER_KEY}. */
export const SERVER_ENV = "VEGAS_CREDENTIALS_EXEC_SERVER";

/** The child's environment: ours, minus `removed` ({@link REMOVED_VARIABLES}), plus `vars`. */
export function childEnvironment(
  parent: Readonly<Record<string, string>>,
  vars: readonly [string, string][],
  removed: readonly string[] = REMOVED_VARIABLES,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (!removed.includes(name.toUpperCase())) result[name] = value;
  }
  for (const [name, value] of vars) result[name] = value;
  return result;
}

/**
 * Is `pid` in the foreground process group of its controlling terminal, so that a Ctrl-C typed
 * there reaches it directly? (Windows: a console's Ctrl-C reaches every process attached to it.)
 * False when it has no terminal or cannot be looked at.
 */
export function receivesTerminalSignals(
  pid: number,
  os: typeof Deno.build.os = Deno.build.os,
): boolean {
  if (os === "windows") return true;
  let pgrp: number;
  let tpgid: number;
  try {
    // Fields after the command name: state ppid pgrp session tty_nr tpgid …
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[4]) === 0) return false; // no controlling terminal
    [pgrp, tpgid] = [Number(fields[2]), Number(fields[5])];
  } catch {
    // No /proc (macOS, BSD): ask ps.
    try {
      const out = new Deno.Command("ps", {
        args: ["-o", "pgid=", "-o", "tpgid=", "-p", String(pid)],
        stdin: "null",
        stderr: "null",
      }).outputSync();
      [pgrp, tpgid] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
    } catch {
      return false;
    }
  }
  return tpgid > 0 && pgrp === tpgid;
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

/**
 * Does this run serve credentials? `--server` (or `--server=false`) decides, else
 * {@link SERVER_ENV} when set, else the role profile's {@link SERVER_KEY} (`true` or `false`).
 */
export function wantsServer(context: CommandContext, name: string, files: SharedFiles): boolean {
  const value = files.profiles.get(name)?.get(SERVER_KEY)?.trim();
  let fromProfile = false;
  if (value) {
    if (!/^(true|false)$/i.test(value)) {
      const file = files.credentials.get(name)?.has(SERVER_KEY)
        ? files.credentialsFile
        : files.configFile;
      throw new ConfigError(
        `profile ${shown(name)} in ${file}: ${SERVER_KEY} ${shown(value)} must be true or false`,
      );
    }
    fromProfile = value.toLowerCase() === "true";
  }
  const flag = context.values.server;
  if (typeof flag === "boolean") return flag;
  if (context.env(SERVER_ENV)) return envFlag(context.env, SERVER_ENV);
  return fromProfile;
}

/** The child's variables with a credential server, and the server (to close when the child ends). */
async function serverVariables(
  context: CommandContext,
  name: string,
  files: SharedFiles,
): Promise<{ vars: [string, string][]; removed: string[]; server: AsyncDisposable }> {
  const server = await load<typeof import("../exec_server.ts")>(
    "../exec_server.ts",
    import.meta.url,
  );
  const profile = resolveProfile(name, context.env, files);
  server.checkDefaultProfile(files, name);
  server.applyTestMargin(context.env);
  const fetch = () => assumeProfile(name, context.ui, context.env);
  // Fetched before the command starts, as without --server: any MFA prompt comes first.
  const supply = new server.CredentialSupply(fetch, {
    last: await fetch(),
    report: (reason, minutes) =>
      context.ui.info(
        `credential server: refreshing the credentials of profile ${shown(name)} failed: ` +
          `${reason}; the command gets the previous ones (they last ${minutes} more ` +
          `minute${minutes === 1 ? "" : "s"})`,
      ),
  });
  const running = await server.startCredentialServer({
    credentials: () => supply.get(),
    roleArn: profile.roleArn,
    ui: context.ui,
  });
  const vars: [string, string][] = [
    [server.FULL_URI_ENV, running.url],
    [server.TOKEN_ENV, running.token],
  ];
  const region = configuredRegion(profile);
  if (region) vars.push(["AWS_REGION", region], ["AWS_DEFAULT_REGION", region]);
  context.ui.debug(`serving the credentials of profile '${name}' on ${new URL(running.url).host}`);
  return {
    vars,
    removed: [...REMOVED_VARIABLES, ...server.SERVER_REMOVED_VARIABLES],
    server: running,
  };
}

/** Runs `exec`: resolves to the child's exit status (128+N when signal N ended it). */
export async function runExec(context: CommandContext): Promise<number> {
  const name = requiredProfile(context, "exec");
  const [program, ...args] = commandLine(context);
  const files = readSharedFiles(context.env);
  if (wantsServer(context, name, files)) {
    const { vars, removed, server } = await serverVariables(context, name, files);
    await using _server = server; // it ends with the command
    return await runChild(context, name, program, args, vars, removed);
  }
  const vars = await profileVariables(name, context.ui, context.env);
  return await runChild(context, name, program, args, vars, REMOVED_VARIABLES);
}

/** Starts the command with `vars`, forwards signals, and resolves to its exit status. */
async function runChild(
  context: CommandContext,
  name: string,
  program: string,
  args: string[],
  vars: [string, string][],
  removed: readonly string[],
): Promise<number> {
  // Listen before starting the child, so that no signal can arrive between the two unforwarded.
  let child: Deno.ChildProcess | undefined;
  const pending: Deno.Signal[] = [];
  const listeners: [Deno.Signal, () => void][] = [];
  if (HANGUP_IGNORED) {
    // Under nohup: SIGHUP is ignored here, and neither passed on (the command ignores it too).
    const ignore = () => {};
    Deno.addSignalListener("SIGHUP", ignore);
    listeners.push(["SIGHUP", ignore]);
  }
  for (const signal of FORWARDED) {
    if (signal === "SIGHUP" && HANGUP_IGNORED) continue;
    const forward = () => {
      if (!child) return void pending.push(signal); // it did not exist yet: it got nothing
      if (FROM_TERMINAL.includes(signal) && receivesTerminalSignals(child.pid)) return;
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
    child = spawn(program, args, vars, removed);
    context.ui.debug(`running ${program} with the credentials of profile '${name}'`);
    for (const signal of pending) child.kill(signal);
    return exitStatus(await child.status);
  } finally {
    for (const [signal, forward] of listeners) Deno.removeSignalListener(signal, forward);
  }
}

function spawn(
  program: string,
  args: string[],
  vars: [string, string][],
  removed: readonly string[],
): Deno.ChildProcess {
  const env = childEnvironment(Deno.env.toObject(), vars, removed);
  if (HANGUP_IGNORED) {
    // The command gets SIGHUP ignored again, as nohup meant it, through a shell that ignores it
    // and then becomes the command (found first, so that "not found" is still ours).
    if (!findOnPath(program, (name) => env[name])) {
      throw new VegasError(`command not found: ${program}`, { exitCode: 127 });
    }
    args = ["-c", `trap '' HUP; exec "$@"`, "sh", program, ...args];
    program = "/bin/sh";
  }
  try {
    const child = new Deno.Command(program, {
      args,
      env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    handCallerCoreDumpFilter(child.pid);
    return child;
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
