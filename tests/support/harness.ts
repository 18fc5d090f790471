/**
 * Test harness: a throwaway HOME with AWS files, and the program run as a subprocess exactly as a
 * credential_process caller runs it (the same `deno run` flags as the `cli` task and the compile).
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };
import { CLOCK_OFFSET_ENV } from "./totp.ts";

/** Absolute path of the repository root (with a trailing slash). */
export const REPO = new URL("../../", import.meta.url).pathname;

/** The IAM user of the tests (fake keys: they only work against the local STS emulator). */
export const TEST_USER = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  arn: "arn:aws:iam::111111111111:user/FrankSinatra",
  mfaSerial: "arn:aws:iam::111111111111:mfa/FrankSinatra",
  totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
} as const;

/** The role the tests assume. */
export const TEST_ROLE_ARN = "arn:aws:iam::222222222222:role/SingerRole";

/**
 * The command that runs the CLI: the `cli` task of deno.json, with absolute paths so it works from
 * any directory. Tests therefore run the program with exactly the task's permission flags.
 */
export function cliCommand(): string[] {
  const task = denoJson.tasks.cli.split(/\s+/);
  if (task[0] !== "deno" || task.at(-1) !== "main.ts") throw new Error("unexpected cli task");
  return [
    Deno.execPath(),
    ...task.slice(1, -1),
    `--config=${REPO}deno.json`,
    `${REPO}main.ts`,
  ];
}

/** A throwaway home directory. */
export interface Sandbox {
  readonly home: string;
  readonly configFile: string;
  readonly credentialsFile: string;
  readonly cacheDir: string;
  /** A `vegas-credentials` executable (shell wrapper around {@link cliCommand}) in `home/bin`. */
  readonly bin: string;
  /** Environment for the program: HOME, PATH with `bin`, no AWS variables from the outside. */
  readonly env: Record<string, string>;
  writeConfig(text: string): void;
  writeCredentials(text: string): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Environment variables of the outer process that must not leak into a test (the OS stores too: a
 * test must never reach the developer's own keyring or password store).
 */
const STRIPPED =
  /^(AWS_|VEGAS_|NO_COLOR$|VERBOSE$|NO_EMOJI$|DISPLAY$|WAYLAND_DISPLAY$|XDG_|DBUS_SESSION_BUS_ADDRESS$|PASSWORD_STORE_DIR$|GNUPGHOME$|GPG_TTY$)/;

/** Deno's cache directory of the outer process (where `DENO_DIR` would default to). */
function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME") ?? "";
  if (Deno.build.os === "darwin") return `${home}/Library/Caches/deno`;
  return `${Deno.env.get("XDG_CACHE_HOME") || `${home}/.cache`}/deno`;
}

/** Makes a sandbox; dispose it to remove it. */
export function makeSandbox(): Sandbox {
  const home = Deno.makeTempDirSync({ prefix: "vegas-test-" });
  Deno.mkdirSync(`${home}/.aws`);
  Deno.mkdirSync(`${home}/bin`);
  const bin = `${home}/bin/vegas-credentials`;
  const quoted = cliCommand().map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
  Deno.writeTextFileSync(bin, `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!STRIPPED.test(key)) env[key] = value;
  }
  Object.assign(env, {
    // Keep Deno's own cache (compiled modules, npm packages) out of the throwaway HOME.
    DENO_DIR: denoDir(),
    HOME: home,
    PATH: `${home}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    AWS_CONFIG_FILE: `${home}/.aws/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/.aws/credentials`,
    VEGAS_CREDENTIALS_CACHE_DIR: `${home}/cache`,
    TOTP_SECRET: TEST_USER.totpSecret,
    NO_COLOR: "1",
  });
  return {
    home,
    configFile: `${home}/.aws/config`,
    credentialsFile: `${home}/.aws/credentials`,
    cacheDir: `${home}/cache`,
    bin,
    env,
    writeConfig: (text) => Deno.writeTextFileSync(`${home}/.aws/config`, text),
    writeCredentials: (text) => Deno.writeTextFileSync(`${home}/.aws/credentials`, text),
    async [Symbol.asyncDispose]() {
      await Deno.remove(home, { recursive: true });
    },
  };
}

/**
 * A shell command that prints the current TOTP code of `TOTP_SECRET` (a generator input), on the
 * test clock of the world it runs in.
 */
export const TOTP_COMMAND =
  `'${Deno.execPath()}' run -q --allow-env=TOTP_SECRET,${CLOCK_OFFSET_ENV} ` +
  `'${REPO}tests/support/totp.ts'`;

/** The usual source profile and one role profile named `singer`. */
export function standardConfig(
  extra: { target?: string; source?: string; roleArn?: string } = {},
): string {
  return [
    "[default]",
    ...withOverrides([`mfa_serial = ${TEST_USER.mfaSerial}`], extra.source),
    "",
    "[profile singer]",
    ...withOverrides([
      "credential_process = vegas-credentials assume --profile=singer",
      `vegas_role_arn = ${extra.roleArn ?? TEST_ROLE_ARN}`,
      "vegas_source_profile = default",
    ], extra.target),
    "",
  ].join("\n");
}

/**
 * `base` key lines with `extra`'s lines added; a key `extra` sets again replaces the base line (the
 * AWS CLI refuses a file that has a key twice in one section).
 */
function withOverrides(base: string[], extra = ""): string[] {
  const keyOf = (line: string) => /^\s*([^=:\s]+)\s*[=:]/.exec(line)?.[1]?.toLowerCase();
  const added = extra.split("\n");
  // Only the lines before another section's header belong to this section.
  const header = added.findIndex((line) => line.trimStart().startsWith("["));
  const own = header < 0 ? added : added.slice(0, header);
  const replaced = new Set(own.map(keyOf).filter(Boolean));
  return [...base.filter((line) => !replaced.has(keyOf(line))), ...added];
}

/** The usual credentials file. */
export function standardCredentials(): string {
  return [
    "[default]",
    `aws_access_key_id = ${TEST_USER.accessKeyId}`,
    `aws_secret_access_key = ${TEST_USER.secretAccessKey}`,
    "",
  ].join("\n");
}

/** What a finished run printed. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the program with `args` as credential_process runs it: no controlling terminal (`setsid`),
 * stdin from /dev/null unless given.
 */
export async function runCli(
  sandbox: Sandbox,
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string; command?: string[] } = {},
): Promise<RunResult> {
  const command = options.command ?? cliCommand();
  const child = new Deno.Command("setsid", {
    args: ["-w", ...command, ...args],
    env: { ...sandbox.env, ...options.env },
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Parses credential_process output, checking the contract: one line, Version 1, keys present. */
export function parseCredentialOutput(stdout: string): {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration: string;
  AccountId?: string;
} {
  const lines = stdout.split("\n");
  if (lines.length !== 2 || lines[1] !== "") throw new Error(`not one line of output: ${stdout}`);
  const data = JSON.parse(lines[0]);
  if (data.Version !== 1) throw new Error(`Version is ${JSON.stringify(data.Version)}`);
  if (!data.AccessKeyId || !data.SecretAccessKey) throw new Error("keys missing");
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(data.Expiration)) {
    throw new Error(`bad Expiration ${data.Expiration}`);
  }
  return data;
}
