/**
 * `config import [--profile NAME…] [--write] [--program PATH]`: converts the AWS CLI's and
 * aws-vault's role profiles into vegas profiles (src/import/convert.ts). Without `--write` it prints
 * the change as a unified diff; with it, it saves the file as it was to `CONFIG.vegas-backup` and
 * replaces the file in one rename.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { replaceFile, writeAtomically } from "../atomic_write.ts";
import {
  configFilePath,
  credentialsFilePath,
  type Env,
  readIniFile,
  sharedFiles,
} from "../config/files.ts";
import { decodeIni, IniSyntaxError, parseIni } from "../config/ini.ts";
import { inspectProfile, runsVegas, shown } from "../config/resolve.ts";
import { findOnPath } from "../find_program.ts";
import { credentialProcessLine, type ImportPlan, planImport } from "../import/convert.ts";
import { unifiedDiff } from "../import/lines.ts";
import { commandWord, maskAccessKeyId, noPositionals } from "./common.ts";
import { storedKeysProblem } from "../keystore/checks.ts";

/** The program's name on PATH (the binary, or the wrapper a checkout is run through). */
const PROGRAM_NAME = "vegas-credentials";

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

function sameFile(a: string, b: string): boolean {
  try {
    return Deno.realPathSync(a) === Deno.realPathSync(b);
  } catch {
    return false;
  }
}

/**
 * The absolute path `credential_process` should run. `--program` wins. A compiled binary is
 * `Deno.execPath()`, but written as the `vegas-credentials` on PATH when that is the same file: a
 * package manager's link (`/opt/homebrew/bin/…`) survives upgrades, the versioned file it points to
 * does not. Run from a checkout (`deno run main.ts`), the program is Deno and a script, which no
 * AWS tool can start: then it is the `vegas-credentials` wrapper on PATH (README, "From source").
 */
export function programPath(
  env: Env,
  option: string | undefined,
  standalone: boolean = Deno.build.standalone,
): string {
  if (option !== undefined) {
    if (!isAbsolute(option)) {
      throw new UsageError(`--program must be an absolute path, not ${shown(option)}`);
    }
    return option;
  }
  let onPath = findOnPath(PROGRAM_NAME, env);
  if (onPath !== undefined && !isAbsolute(onPath)) onPath = `${Deno.cwd()}/${onPath}`;
  if (standalone) {
    const self = Deno.execPath();
    return onPath !== undefined && sameFile(onPath, self) ? onPath : self;
  }
  if (onPath === undefined) {
    throw new ConfigError(
      `config import: run from a checkout, this program has no path an AWS tool can start, and ` +
        `there is no ${PROGRAM_NAME} on PATH; install the wrapper (README: Install, From source) ` +
        `or the binary, or pass --program=/absolute/path/${PROGRAM_NAME}`,
    );
  }
  return onPath;
}

/** Reads the config file's bytes and text; a file the AWS CLI cannot read is a ConfigError. */
function readConfig(path: string): { bytes: Uint8Array; text: string } {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(`config import: there is no config file at ${path}`);
    }
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const text = decodeIni(bytes);
    parseIni(text);
    return { bytes, text };
  } catch (error) {
    if (!(error instanceof IniSyntaxError)) throw error;
    throw new ConfigError(
      `${path} line ${error.line}: ${error.problem}; the AWS CLI cannot read this file either`,
    );
  }
}

/** Saves the old file to `CONFIG.vegas-backup` (0600), then replaces the file with `text`. */
function writeConverted(path: string, old: Uint8Array, text: string): string {
  const backup = `${path}.vegas-backup`;
  replaceFile(
    path,
    old,
    new TextEncoder().encode(text),
    `${path} changed while it was being converted; run config import again`,
    () => writeAtomically(backup, old, 0o600),
  );
  return backup;
}

/** Keys whose value is a secret, or may hold one (a command line with a TOTP seed or a token). */
const SECRET_VALUES = new Set(["aws_secret_access_key", "aws_session_token", "aws_security_token"]);
const COMMAND_VALUES = new Set(["mfa_process", "vegas_mfa_process", "credential_process"]);

/**
 * A config line as the diff shows it: keys and access key ids masked, a command line cut to its
 * program (unless it runs vegas-credentials, or `program`), every other line as it is.
 * Commented-out lines too.
 */
export function diffLineShown(text: string, program?: string): string {
  const match = /^(\s*[#;]*\s*)([^=:\s]+)(\s*[=:]\s*)(.*)$/.exec(text);
  if (!match) return text;
  const [, before, key, delimiter, value] = match;
  const name = key.toLowerCase();
  let visible = value;
  if (SECRET_VALUES.has(name)) visible = "(not shown)";
  else if (name === "aws_access_key_id") visible = maskAccessKeyId(value.trim());
  else if (
    COMMAND_VALUES.has(name) &&
    !(name === "credential_process" &&
      (runsVegas(value) || (program !== undefined && value.startsWith(`${program} assume `))))
  ) {
    visible = commandWord(value);
  }
  return visible === value ? text : `${before}${key}${delimiter}${visible}`;
}

function list(names: readonly string[]): string {
  return names.map(shown).join(", ");
}

/** Lines about what a converted profile still needs before it works (from the doctor's rules). */
async function followUps(plan: ImportPlan, configFile: string, env: Env): Promise<string[]> {
  const credentialsFile = credentialsFilePath(env);
  const files = sharedFiles(
    configFile,
    parseIni(plan.text!),
    credentialsFile,
    readIniFile(credentialsFile),
  );
  const lines: string[] = [];
  for (const profile of plan.converted) {
    const { problems, resolved } = inspectProfile(profile, env, files);
    // Issue 12: keys in neither file are looked for in the OS store (without reading them).
    const stored = resolved && await storedKeysProblem(resolved, env);
    for (const problem of stored ? [...problems, stored] : problems) {
      lines.push(`after the import, profile ${shown(profile)} still needs: ${problem.message}`);
    }
  }
  return lines;
}

/** Runs `config import`. */
export async function runConfigImport(context: CommandContext): Promise<number> {
  noPositionals(context);
  const { env, ui } = context;
  const only = context.values.profile as string[] | undefined;
  const program = programPath(
    env,
    typeof context.values.program === "string" ? context.values.program : undefined,
  );
  const configFile = configFilePath(env);
  const credentialsFile = credentialsFilePath(env);
  const { bytes, text } = readConfig(configFile);
  const plan = planImport({
    configFile,
    text,
    credentialsFile,
    credentials: readIniFile(credentialsFile),
    only,
    program,
    windows: Deno.build.os === "windows",
  });
  if (plan.problems.length) {
    for (const problem of plan.problems.slice(0, -1)) ui.error(problem);
    throw new ConfigError(plan.problems.at(-1)!);
  }
  for (const { profile, reason } of plan.skipped) {
    ui.info(`profile ${shown(profile)} stays as it is: ${reason}`);
  }
  if (plan.already.length) {
    ui.info(`already vegas profiles, nothing to do: ${list(plan.already)}`);
  }
  if (!plan.converted.length) {
    if (!plan.already.length) {
      ui.info(`nothing to convert in ${configFile}`);
    }
    return 0;
  }
  const moved = plan.movedMfa.map(({ source }) => `mfa_serial moved to ${shown(source)}`);
  const what = `${list(plan.converted)}${moved.length ? `; ${moved.join(", ")}` : ""}`;
  if (!context.values.write) {
    const prefix = credentialProcessLine(program, "", Deno.build.os === "windows").split(" ")[0];
    const show = (text: string) => diffLineShown(text, prefix);
    context.print(unifiedDiff(plan.edit!.script, configFile, { show }));
    ui.info(`would convert ${what}; run again with --write to change ${configFile}`);
  } else {
    const backup = writeConverted(configFile, bytes, plan.text!);
    ui.info(`converted ${what} in ${configFile} (the file as it was: ${backup})`);
  }
  for (const line of await followUps(plan, configFile, env)) ui.info(line);
  return 0;
}
