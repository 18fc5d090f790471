/**
 * vegas-credentials as a library: resolve a role profile from the AWS shared files and get its
 * credentials (cached when fresh, else fetched from STS after an MFA prompt).
 *
 * ```ts
 * import { assumeProfile, credentialProcessJson, Ui, optionsFromEnv, processEnv } from "./mod.ts";
 * const ui = new Ui(optionsFromEnv(processEnv));
 * const credentials = await assumeProfile("frank@concerts", ui);
 * console.log(credentialProcessJson(credentials));
 * ```
 * @module
 */
export { assumeProfile, roleSlot } from "./src/commands/assume.ts";
export {
  type ResolvedProfile,
  resolveProfile,
  type SourceKeys,
  type StoredKeys,
} from "./src/config/resolve.ts";
export { sourceKeysFor } from "./src/keystore/source_keys.ts";
export {
  configFilePath,
  credentialsFilePath,
  type Env,
  processEnv,
  readSharedFiles,
  type SharedFiles,
} from "./src/config/files.ts";
export { configProfiles, type IniSections, parseIni } from "./src/config/ini.ts";
export {
  credentialProcessJson,
  type Credentials,
  FRESHNESS_MARGIN_SECONDS,
  isFresh,
} from "./src/credentials.ts";
export { cacheDir } from "./src/cache/key.ts";
export { optionsFromEnv, Ui, type UiOptions } from "./src/ui.ts";
export { ConfigError, UsageError, VegasError } from "./src/errors.ts";
export type { MfaDriver, MfaInput, MfaRequest } from "./src/mfa/types.ts";
export { MFA_DRIVERS } from "./src/mfa/registry.ts";
export { run } from "./src/cli/run.ts";
export { VERSION } from "./src/version.ts";
