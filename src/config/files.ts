/**
 * Where the AWS shared files live, and reading them into profiles.
 * @module
 */
import { configProfiles, parseIni } from "./ini.ts";
import { ConfigError } from "../errors.ts";

/** Reads an environment variable; injectable so tests and the library can pass their own. */
export type Env = (name: string) => string | undefined;

/** The process environment. */
export const processEnv: Env = (name) => Deno.env.get(name);

/** Is this environment flag set? Set unless empty, `false` or `0` (the original tool's rule). */
export function envFlag(env: Env, name: string): boolean {
  const value = env(name);
  return value !== undefined && value !== "" && value.toLowerCase() !== "false" && value !== "0";
}

/** The user's home directory (HOME, else the Windows profile directory). */
export function homeDir(env: Env = processEnv): string {
  const home = env("HOME") ?? env("USERPROFILE") ??
    (env("HOMEDRIVE") && env("HOMEPATH") ? `${env("HOMEDRIVE")}${env("HOMEPATH")}` : undefined);
  if (!home) throw new ConfigError("cannot find your home directory: HOME is not set");
  return home;
}

/** Expands a leading `~/` the way the AWS SDKs do for the file path variables. */
function expandHome(path: string, env: Env): string {
  return path === "~" || path.startsWith("~/") ? homeDir(env) + path.slice(1) : path;
}

/** Path of the shared config file: `$AWS_CONFIG_FILE` else `~/.aws/config`. */
export function configFilePath(env: Env = processEnv): string {
  const path = env("AWS_CONFIG_FILE");
  return path ? expandHome(path, env) : `${homeDir(env)}/.aws/config`;
}

/** Path of the shared credentials file: `$AWS_SHARED_CREDENTIALS_FILE` else `~/.aws/credentials`. */
export function credentialsFilePath(env: Env = processEnv): string {
  const path = env("AWS_SHARED_CREDENTIALS_FILE");
  return path ? expandHome(path, env) : `${homeDir(env)}/.aws/credentials`;
}

/** One profile section and the file it was read from. */
export interface ProfileSection {
  /** Keys (lower-case) and their values. */
  readonly values: ReadonlyMap<string, string>;
  /** The file path, for messages. */
  readonly file: string;
}

/** Both shared files, parsed. */
export interface SharedFiles {
  readonly configFile: string;
  readonly credentialsFile: string;
  /** `[profile NAME]` / `[default]` sections of the config file. */
  readonly config: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** `[NAME]` sections of the credentials file. */
  readonly credentials: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Every section of the config file (for `[services NAME]`). */
  readonly configSections: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** Reads a file as text; a missing file reads as empty, any other failure is a clear error. */
function readOptional(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseFile(path: string) {
  try {
    return parseIni(readOptional(path));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot parse ${path}: ${(error as Error).message}`);
  }
}

/** Reads and parses the config and credentials files named by the environment. */
export function readSharedFiles(env: Env = processEnv): SharedFiles {
  const configFile = configFilePath(env);
  const credentialsFile = credentialsFilePath(env);
  const configSections = parseFile(configFile);
  return {
    configFile,
    credentialsFile,
    config: configProfiles(configSections),
    credentials: parseFile(credentialsFile),
    configSections,
  };
}
