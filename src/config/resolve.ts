/**
 * The one rule set, from profile name to validated STS inputs: `assume` stops at the first problem,
 * `doctor` and the other commands report them all (docs/ARCHITECTURE.md). On the hot path: keep lean.
 * @module
 */
import { ConfigError } from "../errors.ts";
import type {
  Finding,
  Inspection,
  Origin,
  ResolvedProfile,
  SourceKeys,
  StoredKeys,
} from "./types.ts";
import { type Env, envFlag, processEnv, readSharedFiles, type SharedFiles } from "./files.ts";
import { clip, inheritedFromDefault, isNested, nestedValues } from "./ini.ts";
import {
  closestNames,
  externalIdProblem,
  MFA_INPUT_NAMES,
  mfaInputsProblem,
  mfaSerialProblem,
  parseSeconds,
  roleArnProblem,
  sessionNameProblem,
} from "./validate.ts";

export type {
  Finding,
  Inspection,
  Origin,
  ResolvedProfile,
  SourceKeys,
  StoredKeys,
} from "./types.ts";

/** Keys that make the AWS tools ignore `credential_process` when they appear unprefixed. */
const UNPREFIXED = ["role_arn", "source_profile"] as const;

/** Environment variable naming the profiles of the vegas-credentials processes above this one. */
export const CHAIN_ENV = "VEGAS_CREDENTIALS_PROFILE_CHAIN";

/** Roles assumed with session credentials (role chaining) may last at most this long. */
export const CHAINED_ROLE_MAX_SECONDS = 3600;

/** Does this `credential_process` line run vegas-credentials (the binary or `main.ts`)? */
export function runsVegas(commandLine: string | undefined): boolean {
  return commandLine !== undefined && /vegas-credentials|main\.ts/.test(commandLine);
}

/**
 * The profiles this program is responsible for, in file order: every profile with
 * `vegas_role_arn`, and every profile whose `credential_process` runs vegas-credentials (a profile
 * converted only half-way, with plain `role_arn`, is one of them and gets its problem reported).
 */
export function vegasProfileNames(files: SharedFiles): string[] {
  return [...files.profiles]
    .filter(([, values]) =>
      values.has("vegas_role_arn") || runsVegas(values.get("credential_process"))
    )
    .map(([name]) => name);
}

/** A value from a file, as shown in a message: control characters escaped, at most 80 characters. */
export function shown(value: string): string {
  const visible = clip(value).replace(CONTROL, (char) => JSON.stringify(char).slice(1, -1));
  return `'${visible}'`;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** Resolves and validates `profile`; throws {@link ConfigError} with one clear line on any problem. */
export function resolveProfile(
  profile: string,
  env: Env = processEnv,
  files: SharedFiles = readSharedFiles(env),
): ResolvedProfile {
  const { resolved, problems } = inspectProfile(profile, env, files);
  if (resolved) return resolved;
  throw new ConfigError(problems[0].message, problems[0].fix);
}

/** Applies every rule to `profile` and collects all problems and warnings. Never throws. */
export function inspectProfile(
  profile: string,
  env: Env = processEnv,
  files: SharedFiles = readSharedFiles(env),
): Inspection {
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  const problem = (message: string, fix?: string) => void problems.push({ message, fix });
  const result = () => ({ problems, warnings });

  const chain = (env(CHAIN_ENV) ?? "").split("\n").filter(Boolean);
  if (chain.includes(profile)) {
    problem(
      `profile ${shown(profile)}: vegas-credentials was started again by itself for the same ` +
        `profile (through ${[...chain, profile].map(shown).join(" -> ")}); an MFA command or ` +
        `credential_process calls back into this profile`,
    );
    return result();
  }

  const target = files.profiles.get(profile);
  if (!target) {
    problem(
      `profile ${shown(profile)} is not in ${files.configFile} or ${files.credentialsFile}` +
        suggestion(profile, files),
      `add [profile NAME] with vegas_role_arn and vegas_source_profile to ${files.configFile}`,
    );
    return result();
  }
  const origins: Record<string, Origin> = {};
  /** The file a key is read from; for a missing key, the file that holds the profile. */
  const fileOf = (name: string, key: string) =>
    files.credentials.get(name)?.has(key) ||
      (!files.config.get(name)?.has(key) && !files.config.has(name))
      ? files.credentialsFile
      : files.configFile;
  const label = (name: string) => (name === profile ? "profile" : "source profile");
  const where = (name: string, key: string) =>
    `${label(name)} ${shown(name)} in ${fileOf(name, key)}: ${key}`;
  /**
   * The section that holds `key`: `[NAME]` in the credentials file, `[profile NAME]` in config, or
   * that file's `[DEFAULT]`, which every section inherits from.
   */
  const sectionOf = (name: string, key: string) => {
    const inCredentials = fileOf(name, key) === files.credentialsFile;
    const values = (inCredentials ? files.credentials : files.config).get(name);
    if (values && inheritedFromDefault(values, key)) return "[DEFAULT]";
    return inCredentials ? `[${name}]` : `[${sectionLabel(name)}]`;
  };
  const originOf = (name: string, key: string) => `${fileOf(name, key)} ${sectionOf(name, key)}`;
  /** A text value: a nested section (indented `key = value` lines) is a problem, not text. */
  const text = (name: string, values: ReadonlyMap<string, string>, key: string) => {
    const value = values.get(key);
    if (value === undefined || !isNested(value)) return value;
    problem(
      `${where(name, key)} is a nested section (indented lines below it), not a value`,
      `write ${key} = VALUE on one line`,
    );
    return undefined;
  };

  for (const key of UNPREFIXED) {
    if (target.has(key)) {
      problem(
        `${where(profile, key)} must be written vegas_${key}: with a plain ${key} the AWS tools ` +
          `ignore credential_process and assume the role themselves (and Terraform fails on ` +
          `mfa_serial)`,
        target.has(`vegas_${key}`)
          ? `remove ${key} from ${sectionOf(profile, key)} in ${fileOf(profile, key)}`
          : `rename ${key} to vegas_${key} in ${sectionOf(profile, key)} in ${
            fileOf(profile, key)
          }`,
      );
    }
  }
  const roleArn = text(profile, target, "vegas_role_arn");
  if (roleArn === undefined) {
    if (!target.has("vegas_role_arn")) {
      problem(
        `${where(profile, "vegas_role_arn")} is missing (the role to assume)`,
        "add vegas_role_arn = arn:aws:iam::ACCOUNT:role/NAME",
      );
    }
  } else {
    const why = roleArnProblem(roleArn);
    if (why) {
      problem(
        `${where(profile, "vegas_role_arn")} ${shown(roleArn)} ${why}`,
        "copy the role ARN from the IAM console",
      );
    }
    origins.roleArn = originOf(profile, "vegas_role_arn");
  }
  if (target.has("mfa_serial")) {
    warnings.push({
      message: `${where(profile, "mfa_serial")} in a role profile is not used: ` +
        "vegas-credentials reads mfa_serial from the source profile",
      fix: "move mfa_serial to the source profile",
    });
  }
  if (target.has("vegas_mfa_session_duration")) {
    warnings.push({
      message: `${where(profile, "vegas_mfa_session_duration")} in a role profile is not used: ` +
        "it belongs on the source profile",
      fix: "move it to the source profile",
    });
  }

  const sourceProfile = text(profile, target, "vegas_source_profile");
  let source: ReadonlyMap<string, string> | undefined;
  if (sourceProfile === undefined) {
    if (!target.has("vegas_source_profile")) {
      problem(
        `${
          where(profile, "vegas_source_profile")
        } is missing (the profile with your IAM user keys)`,
        "add vegas_source_profile = default (or the profile that holds your keys)",
      );
    }
  } else if (sourceProfile === profile) {
    problem(
      `${where(profile, "vegas_source_profile")} names the profile itself`,
      "name the profile that holds your IAM user keys",
    );
  } else {
    origins.sourceProfile = originOf(profile, "vegas_source_profile");
    source = files.profiles.get(sourceProfile);
    if (!source) {
      problem(
        `${where(profile, "vegas_source_profile")} ${shown(sourceProfile)} is not a profile in ` +
          `${files.configFile} or ${files.credentialsFile}${suggestion(sourceProfile, files)}`,
        "name the profile that holds your IAM user keys",
      );
    }
  }
  const sourceName = source ? sourceProfile! : undefined;

  /** A setting the role profile may set and otherwise takes from its source profile. */
  /** A whole number of seconds within [min, max]; a problem otherwise. */
  const seconds = (
    name: string,
    value: string | undefined,
    key: string,
    min: number,
    max: number,
  ) => {
    if (value === undefined) return undefined;
    const parsed = parseSeconds(value, min, max);
    if (typeof parsed === "number") return parsed;
    problem(`${where(name, key)} ${shown(value)} ${parsed}`, `set ${key} to ${min}-${max}`);
    return undefined;
  };

  /** The first of `keys` set in the role profile, else in the source profile. */
  const pick = (keys: string | readonly string[], name: string): [string | undefined, string] => {
    for (const [profileName, values] of [[profile, target], [sourceName, source]] as const) {
      for (const key of typeof keys === "string" ? [keys] : keys) {
        // An empty value counts as unset: `region =` in a role profile falls back to the source's.
        if (profileName === undefined || !values?.get(key)) continue;
        origins[name] = originOf(profileName, key);
        return [text(profileName, values, key), profileName];
      }
    }
    return [undefined, profile];
  };

  let mfaSerial: string | undefined;
  let keys: SourceKeys | StoredKeys | undefined;
  let mfaSessionDuration: number | undefined;
  if (sourceName !== undefined && source) {
    keys = sourceKeys(profile, sourceName, files, env, origins, problem);
    mfaSerial = text(sourceName, source, "mfa_serial");
    if (mfaSerial === undefined) {
      if (!source.has("mfa_serial")) {
        problem(
          `${where(sourceName, "mfa_serial")} is missing (your MFA device ARN, ` +
            `e.g. arn:aws:iam::123456789012:mfa/NAME)`,
          `add mfa_serial to [${sectionLabel(sourceName)}] in ${files.configFile}`,
        );
      }
    } else {
      origins.mfaSerial = originOf(sourceName, "mfa_serial");
      const why = mfaSerialProblem(mfaSerial);
      if (why) {
        problem(
          `${where(sourceName, "mfa_serial")} ${shown(mfaSerial)} ${why}`,
          "copy the MFA device ARN from the IAM console",
        );
      }
    }
    mfaSessionDuration = seconds(
      sourceName,
      text(sourceName, source, "vegas_mfa_session_duration"),
      "vegas_mfa_session_duration",
      900,
      129600,
    );
    if (mfaSessionDuration !== undefined) {
      origins.mfaSessionDuration = originOf(sourceName, "vegas_mfa_session_duration");
    }
  }

  const durationText = text(profile, target, "duration_seconds");
  const durationSeconds = seconds(profile, durationText, "duration_seconds", 900, 43200) ?? 3600;
  origins.durationSeconds = durationText === undefined
    ? "default"
    : originOf(profile, "duration_seconds");
  if (mfaSessionDuration !== undefined && durationSeconds > CHAINED_ROLE_MAX_SECONDS) {
    warnings.push({
      message:
        `profile ${shown(profile)}: duration_seconds ${durationSeconds} is over the 1 hour ` +
        "STS allows roles assumed with an MFA session, so this profile skips the session and " +
        "asks for an MFA code each time",
      fix: "set duration_seconds = 3600 (or less) to use the MFA session",
    });
  }

  const roleSessionName = text(profile, target, "role_session_name");
  if (roleSessionName !== undefined) {
    const why = sessionNameProblem(roleSessionName);
    if (why) problem(`${where(profile, "role_session_name")} ${shown(roleSessionName)} ${why}`);
    origins.roleSessionName = originOf(profile, "role_session_name");
  } else origins.roleSessionName = "default (your OS user name)";

  const externalId = text(profile, target, "external_id");
  if (externalId !== undefined) {
    const why = externalIdProblem(externalId);
    if (why) problem(`${where(profile, "external_id")} ${shown(externalId)} ${why}`);
    origins.externalId = originOf(profile, "external_id");
  }

  const region = resolveRegion(pick, env, origins, problem);
  const endpoint = resolveEndpoint(
    pick,
    sourceName ? [[profile, target], [sourceName, source]] : [[profile, target]],
    files,
    env,
    origins,
    problem,
  );
  const useGlobalEndpoint = resolveRegionalEndpoints(pick, where, env, origins, problem);

  // aws-vault's `mfa_process` works too; in one profile the vegas_ key wins.
  const [mfaProcess] = pick(["vegas_mfa_process", "mfa_process"], "mfaProcess");
  const [timeoutText, timeoutProfile] = pick("vegas_mfa_timeout", "mfaTimeoutSeconds");
  const mfaTimeoutSeconds = seconds(timeoutProfile, timeoutText, "vegas_mfa_timeout", 5, 3600) ??
    120;
  if (timeoutText === undefined) origins.mfaTimeoutSeconds = "default";

  const [inputsText, inputsProfile] = pick("vegas_mfa_inputs", "mfaInputs");
  const mfaInputs = inputsText?.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean);
  // Checked here, not only when a code is needed: with a fresh MFA session no code is.
  const inputsWhy = mfaInputs && mfaInputsProblem(mfaInputs);
  if (inputsWhy) {
    problem(
      `${where(inputsProfile, "vegas_mfa_inputs")} ${shown(inputsText!)} ${inputsWhy}`,
      `use some of: ${MFA_INPUT_NAMES.join(", ")}`,
    );
  }

  const [yubikeySerial, serialProfile] = pick("vegas_yubikey_serial", "yubikeySerial");
  if (yubikeySerial !== undefined && !/^\d+$/.test(yubikeySerial)) {
    problem(
      `${where(serialProfile, "vegas_yubikey_serial")} ${shown(yubikeySerial)} must be the ` +
        "YubiKey's serial number (digits, see `ykman list --serials`)",
    );
  }
  const [yubikeyLabel] = pick("vegas_yubikey_label", "yubikeyLabel");
  origins.yubikeyLabel ??= "default (mfa_serial)";
  const [ykmanPath] = pick("vegas_ykman_path", "ykmanPath");

  if (problems.length || !roleArn || !sourceName || !mfaSerial || !keys || region === undefined) {
    if (!problems.length) problem(`profile ${shown(profile)} cannot be resolved`);
    return result();
  }
  return {
    problems,
    warnings,
    resolved: {
      profile,
      roleArn,
      sourceProfile: sourceName,
      durationSeconds,
      roleSessionName,
      externalId,
      region,
      endpoint,
      useGlobalEndpoint,
      mfaSerial,
      mfaProcess,
      mfaTimeoutSeconds,
      mfaInputs,
      yubikeySerial,
      yubikeyLabel: yubikeyLabel ?? mfaSerial,
      ykmanPath,
      mfaSessionDuration,
      source: keys,
      configFile: files.configFile,
      credentialsFile: files.credentialsFile,
      origins,
    },
  };
}

function sectionLabel(profile: string): string {
  return profile === "default" ? "default" : `profile ${profile}`;
}

/** "did you mean …" over the known profile names (bounded work, see {@link closestNames}). */
function suggestion(name: string, files: SharedFiles): string {
  const close = closestNames(name, files.profiles.keys());
  return close.length ? ` (did you mean ${close.map(shown).join(" or ")}?)` : "";
}

type Pick = (keys: string | readonly string[], name: string) => [string | undefined, string];
type Report = (message: string, fix?: string) => void;

function resolveRegion(
  pick: Pick,
  env: Env,
  origins: Record<string, Origin>,
  problem: Report,
): string | undefined {
  const [fromProfiles] = pick("region", "region");
  const candidates: [string | undefined, Origin][] = [
    [fromProfiles, origins.region],
    [env("AWS_REGION"), "env AWS_REGION"],
    [env("AWS_DEFAULT_REGION"), "env AWS_DEFAULT_REGION"],
  ];
  for (const [value, origin] of candidates) {
    if (!value) continue;
    if (!/^[a-z0-9-]{2,32}$/.test(value)) {
      problem(`region ${shown(value)} from ${origin} is not an AWS region name`);
      return undefined;
    }
    origins.region = origin;
    return value;
  }
  origins.region = "default";
  return "us-east-1";
}

function resolveEndpoint(
  pick: Pick,
  profiles: readonly [string, ReadonlyMap<string, string> | undefined][],
  files: SharedFiles,
  env: Env,
  origins: Record<string, Origin>,
  problem: Report,
): string | undefined {
  const [ignoreText] = pick("ignore_configured_endpoint_urls", "ignoreEndpoints");
  // botocore's ensure_boolean: `True` counts as much as `true`.
  if (envFlag(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") || ignoreText?.toLowerCase() === "true") {
    return undefined;
  }
  const candidates: [string | undefined, Origin][] = [
    [env("AWS_ENDPOINT_URL_STS"), "env AWS_ENDPOINT_URL_STS"],
    [env("AWS_ENDPOINT_URL"), "env AWS_ENDPOINT_URL"],
  ];
  // Per profile: its [services NAME] sts endpoint, then its endpoint_url (the SDKs' order).
  for (const [name, values] of profiles) {
    const services = values?.get("services");
    const fromServices = services === undefined
      ? undefined
      : nestedValues(files.services.get(services)?.get("sts"))?.get("endpoint_url");
    candidates.push(
      [fromServices, `[services ${services}] in ${files.configFile}`],
      [values?.get("endpoint_url"), `${files.configFile} [${sectionLabel(name)}]`],
    );
  }
  for (const [value, origin] of candidates) {
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch { /* reported below */ }
    if (url?.protocol !== "https:" && url?.protocol !== "http:") {
      problem(`endpoint_url ${shown(value)} from ${origin} is not an http(s) URL`);
      return undefined;
    }
    origins.endpoint = origin;
    return value;
  }
  return undefined;
}

function resolveRegionalEndpoints(
  pick: Pick,
  where: (profile: string, key: string) => string,
  env: Env,
  origins: Record<string, Origin>,
  problem: Report,
): boolean {
  const fromEnv = env("AWS_STS_REGIONAL_ENDPOINTS");
  const [fromProfiles, profile] = fromEnv
    ? [fromEnv, ""]
    : pick("sts_regional_endpoints", "stsRegionalEndpoints");
  if (fromEnv) origins.stsRegionalEndpoints = "env AWS_STS_REGIONAL_ENDPOINTS";
  if (fromProfiles === undefined) return false;
  if (fromProfiles !== "legacy" && fromProfiles !== "regional") {
    const label = fromEnv
      ? "env AWS_STS_REGIONAL_ENDPOINTS"
      : where(profile, "sts_regional_endpoints");
    problem(`${label} ${shown(fromProfiles)} must be 'legacy' or 'regional'`);
  }
  return fromProfiles === "legacy";
}

/**
 * The OS store that keeps `name`'s keys when neither file has them: its `vegas_keystore`, else
 * `VEGAS_CREDENTIALS_KEYSTORE`, else this OS's own. `problem` when the name is none of them.
 */
export function keystoreOf(
  name: string,
  files: SharedFiles,
  env: Env,
): { store: string; problem?: string } {
  const own = files.profiles.get(name)?.get("vegas_keystore");
  const os = Deno.build.os;
  const store = own || env("VEGAS_CREDENTIALS_KEYSTORE") ||
    (os === "darwin" ? "keychain" : os === "windows" ? "wincred" : "secret-service");
  if (/^(keychain|secret-service|wincred|pass)$/.test(store)) return { store };
  const file = files.credentials.get(name)?.has("vegas_keystore")
    ? files.credentialsFile
    : files.configFile;
  const where = own
    ? `source profile ${shown(name)} in ${file}: vegas_keystore`
    : "VEGAS_CREDENTIALS_KEYSTORE";
  return {
    store,
    problem: `${where} ${shown(store)} must be keychain, secret-service, wincred or pass`,
  };
}

/**
 * The source profile's keys, where botocore finds them: its credentials-file section first, then
 * its config-file profile; else where the OS store keeps them (read only on a cache miss).
 */
function sourceKeys(
  profile: string,
  sourceProfile: string,
  files: SharedFiles,
  env: Env,
  origins: Record<string, Origin>,
  problem: Report,
): SourceKeys | StoredKeys | undefined {
  const places = [
    [files.credentials.get(sourceProfile), files.credentialsFile],
    [files.config.get(sourceProfile), files.configFile],
  ] as const;
  for (const [section, file] of places) {
    const accessKeyId = section?.get("aws_access_key_id");
    const secretAccessKey = section?.get("aws_secret_access_key");
    if (!accessKeyId && !secretAccessKey) continue;
    const label = `source profile ${shown(sourceProfile)} in ${file}`;
    if (!accessKeyId) {
      problem(`${label}: aws_access_key_id is missing`, "add it next to aws_secret_access_key");
      return undefined;
    }
    if (!secretAccessKey) {
      problem(`${label}: aws_secret_access_key is missing`, "add it next to aws_access_key_id");
      return undefined;
    }
    if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
      problem(
        `${label}: aws_access_key_id is not an AWS access key id`,
        "copy the key id again from the IAM console",
      );
      return undefined;
    }
    // deno-lint-ignore no-control-regex
    if (/[\s\x00-\x1f]/.test(secretAccessKey)) {
      problem(`${label}: aws_secret_access_key is not an AWS secret access key`);
      return undefined;
    }
    origins.sourceKeys = file;
    const sessionToken = section?.get("aws_session_token");
    return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
  }
  if (runsVegas(files.profiles.get(sourceProfile)?.get("credential_process"))) {
    problem(
      `source profile ${shown(sourceProfile)} (of profile ${shown(profile)}) gets its keys from ` +
        `vegas-credentials itself (credential_process); that would loop — the source profile ` +
        `needs aws_access_key_id and aws_secret_access_key in ${files.credentialsFile}`,
      `put your IAM user's keys in [${sourceProfile}] of ${files.credentialsFile}`,
    );
    return undefined;
  }
  const { store, problem: wrong } = keystoreOf(sourceProfile, files, env);
  if (wrong) {
    problem(wrong);
    return undefined;
  }
  origins.sourceKeys = `the ${store} store`;
  return { store, entry: sourceProfile };
}
