/**
 * Where the AWS shared files live, and reading them into profiles.
 * @module
 */
import { configProfiles, decodeIni, type IniSections, IniSyntaxError, parseIni } from "./ini.ts";
import { ConfigError } from "../errors.ts";
import { type Env, homeDir, processEnv } from "../env.ts";

export { type Env, envFlag, homeDir, processEnv } from "../env.ts";

/** Path of the shared config file: `$AWS_CONFIG_FILE` else `~/.aws/config`. */
export function configFilePath(env: Env = processEnv): string {
  const path = env("AWS_CONFIG_FILE");
  return path ? expandPath(path, env) : `${homeDir(env)}/.aws/config`;
}

/** Path of the shared credentials file: `$AWS_SHARED_CREDENTIALS_FILE` else `~/.aws/credentials`. */
export function credentialsFilePath(env: Env = processEnv): string {
  const path = env("AWS_SHARED_CREDENTIALS_FILE");
  return path ? expandPath(path, env) : `${homeDir(env)}/.aws/credentials`;
}

/** Both shared files, read as the AWS CLI reads them. */
export interface SharedFiles {
  readonly configFile: string;
  readonly credentialsFile: string;
  /**
   * Every profile the AWS CLI knows: the config file's profiles, with each credentials-file section
   * merged into the profile of the same name (its keys win), as botocore's `full_config`.
   */
  readonly profiles: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The config file's own profiles (`[profile NAME]`, `[default]`). */
  readonly config: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The credentials file's sections (`[NAME]`). */
  readonly credentials: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The config file's `[services NAME]` sections. */
  readonly services: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/**
 * Python's `os.path.expanduser` + `os.path.expandvars` for the file path variables, as botocore
 * applies them: `~`, `$NAME` and `${NAME}` (unknown variables are left as written).
 */
function expandPath(path: string, env: Env): string {
  const expanded = path.replace(
    /\$(?:([A-Za-z0-9_]+)|\{([^}]*)\})/g,
    (whole, bare, braced) => env(bare ?? braced) ?? whole,
  );
  return expanded === "~" || expanded.startsWith("~/")
    ? homeDir(env) + expanded.slice(1)
    : expanded;
}

/**
 * Reads one shared file; a missing file (or one that is not a regular file, which botocore also
 * skips) reads as empty. Anything the AWS CLI cannot parse is a {@link ConfigError} naming the file
 * and line.
 */
export function readIniFile(path: string): IniSections {
  let text: string;
  try {
    // Deno decodes in native code (much faster than a JavaScript TextDecoder on the hot path) but
    // replaces invalid UTF-8 with U+FFFD; only then is the file decoded again, strictly.
    text = Deno.readTextFileSync(path);
    if (text.includes("\ufffd")) text = decodeIni(Deno.readFileSync(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return new Map();
    }
    if (error instanceof IniSyntaxError) throw syntaxError(path, error);
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return parseIni(text);
  } catch (error) {
    if (!(error instanceof IniSyntaxError)) throw error;
    throw syntaxError(path, error);
  }
}

function syntaxError(path: string, error: IniSyntaxError): ConfigError {
  return new ConfigError(
    `${path} line ${error.line}: ${error.problem}; the AWS CLI cannot read this file either`,
    "correct that line (the AWS tools read the whole file, so every profile is affected)",
  );
}

/** Reads and parses the config and credentials files named by the environment. */
export function readSharedFiles(env: Env = processEnv): SharedFiles {
  const configFile = configFilePath(env);
  const credentialsFile = credentialsFilePath(env);
  return sharedFiles(
    configFile,
    readIniFile(configFile),
    credentialsFile,
    readIniFile(credentialsFile),
  );
}

/**
 * Combines the parsed sections of both files as the AWS CLI does (botocore's `full_config`).
 *
 * @example
 * ```ts
 * import { parseIni } from "./ini.ts";
 * import { sharedFiles } from "./files.ts";
 * const files = sharedFiles(
 *   "/home/u/.aws/config", parseIni("[profile a]\nregion = eu-west-1\n"),
 *   "/home/u/.aws/credentials", parseIni("[a]\nregion = us-east-2\n"),
 * );
 * console.log(files.profiles.get("a")?.get("region")); // us-east-2: the credentials file wins
 * ```
 */
export function sharedFiles(
  configFile: string,
  configSections: IniSections,
  credentialsFile: string,
  credentials: IniSections,
): SharedFiles {
  const { profiles: config, services } = configProfiles(configSections);
  const profiles = new Map<string, ReadonlyMap<string, string>>(config);
  for (const [name, values] of credentials) {
    const inConfig = profiles.get(name);
    profiles.set(name, inConfig ? new Map([...inConfig, ...values]) : values);
  }
  return { configFile, credentialsFile, profiles, config, credentials, services };
}
