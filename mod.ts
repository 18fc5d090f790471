/**
 * vegas-credentials as a library: resolve a role profile from the AWS shared files exactly as the
 * AWS CLI reads them, get its credentials (cached when fresh, else from STS after an MFA prompt on
 * the terminal, a GUI dialog, a YubiKey or a command), and print them as credential_process JSON.
 *
 * @example
 * ```ts
 * import { credentialProcessJson, getCredentials, resolveProfile } from "./mod.ts";
 *
 * const profile = resolveProfile("frank@concerts"); // throws ConfigError on a bad setting
 * console.error(`assuming ${profile.roleArn} with ${profile.mfaSerial}`);
 * console.log(credentialProcessJson(await getCredentials("frank@concerts")));
 * ```
 * @module
 */
import { type Env, processEnv } from "./src/env.ts";
import { readSharedFiles } from "./src/config/files.ts";
import { resolveProfile as resolve } from "./src/config/resolve.ts";
import type { ResolvedProfile } from "./src/config/types.ts";
import { assumeProfile } from "./src/assume/pipeline.ts";
import type { Credentials } from "./src/credentials.ts";
import { optionsFromEnv, Ui } from "./src/ui.ts";

export { credentialProcessJson, type Credentials } from "./src/credentials.ts";
export type { Origin, ResolvedProfile, SourceKeys, StoredKeys } from "./src/config/types.ts";
export type { Env } from "./src/env.ts";
export { ConfigError, VegasError } from "./src/errors.ts";
export { VERSION } from "./src/version.ts";

/**
 * Resolves and validates a role profile from `$AWS_CONFIG_FILE` and `$AWS_SHARED_CREDENTIALS_FILE`
 * (default `~/.aws/config` and `~/.aws/credentials`). Throws a {@link ConfigError} naming the
 * profile, key and file on the first problem. Calls nothing over the network.
 *
 * @example
 * ```ts
 * import { resolveProfile } from "./mod.ts";
 * const { roleArn, region } = resolveProfile("frank@concerts");
 * ```
 */
export function resolveProfile(profile: string, env: Env = processEnv): ResolvedProfile {
  return resolve(profile, env, readSharedFiles(env));
}

/** Options of {@link getCredentials}. */
export interface GetCredentialsOptions {
  /** The environment to read (the AWS file variables, `AWS_REGION`, …); default: the process's. */
  readonly env?: Env;
  /** Explain each step on the terminal (as `--verbose`). */
  readonly verbose?: boolean;
  /** Never show a GUI dialog for the MFA code (as `--no-gui`). */
  readonly noGui?: boolean;
}

/**
 * The role credentials of `profile`: from the cache when fresh, else fetched from STS with an MFA
 * code (one prompt for all parallel callers) and cached — exactly what `assume` prints.
 *
 * @example
 * ```ts
 * import { getCredentials } from "./mod.ts";
 * const { accessKeyId, expiration } = await getCredentials("frank@concerts", { noGui: true });
 * ```
 */
export function getCredentials(
  profile: string,
  options: GetCredentialsOptions = {},
): Promise<Credentials> {
  const env = options.env ?? processEnv;
  const flags = { verbose: options.verbose, noGui: options.noGui };
  const ui = new Ui(optionsFromEnv(
    env,
    Object.fromEntries(
      Object.entries(flags).filter(([, value]) => value !== undefined),
    ),
  ));
  return assumeProfile(profile, ui, env);
}
