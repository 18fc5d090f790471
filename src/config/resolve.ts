/**
 * From profile name to every value the STS call needs, validated, with where each value came from.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type Env, envFlag, processEnv, readSharedFiles, type SharedFiles } from "./files.ts";
import {
  closestNames,
  externalIdProblem,
  mfaSerialProblem,
  parseSeconds,
  roleArnProblem,
  sessionNameProblem,
} from "./validate.ts";

/** Where a resolved value came from: a file and profile, an environment variable, or a default. */
export type Origin = string;

/** Long-term (or session) keys of the source profile. Never printed. */
export interface SourceKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Everything `assume` needs for one target profile. */
export interface ResolvedProfile {
  /** Target profile name (the `--profile` value). */
  readonly profile: string;
  readonly roleArn: string;
  readonly sourceProfile: string;
  readonly durationSeconds: number;
  /** Explicit `role_session_name`; the OS-derived default is computed only when STS is called. */
  readonly roleSessionName?: string;
  readonly externalId?: string;
  readonly region: string;
  /** Explicit STS endpoint, when one is configured. */
  readonly endpoint?: string;
  /** `sts_regional_endpoints = legacy`: use the global endpoint for us-east-1. */
  readonly useGlobalEndpoint: boolean;
  readonly mfaSerial: string;
  /** `vegas_mfa_process`: a shell command printing the code. */
  readonly mfaProcess?: string;
  /** Overall MFA wait in seconds. */
  readonly mfaTimeoutSeconds: number;
  /** `vegas_mfa_inputs`: which inputs race, in order; undefined = all available. */
  readonly mfaInputs?: readonly string[];
  readonly yubikeySerial?: string;
  readonly yubikeyLabel: string;
  readonly ykmanPath?: string;
  /** `vegas_mfa_session_duration` on the source profile: reuse one MFA session (seconds). */
  readonly mfaSessionDuration?: number;
  readonly source: SourceKeys;
  readonly configFile: string;
  readonly credentialsFile: string;
  /** Where each setting came from, by setting name; for `config show-profile`. */
  readonly origins: Readonly<Record<string, Origin>>;
}

/** Keys that make the AWS tools ignore `credential_process` when they appear unprefixed. */
const UNPREFIXED = ["role_arn", "source_profile"] as const;

/** Environment variable naming the profiles of the vegas-credentials processes above this one. */
export const CHAIN_ENV = "VEGAS_CREDENTIALS_PROFILE_CHAIN";

/** Resolves and validates `profile`; throws {@link ConfigError} with one clear line on any problem. */
export function resolveProfile(
  profile: string,
  env: Env = processEnv,
  files: SharedFiles = readSharedFiles(env),
): ResolvedProfile {
  const chain = (env(CHAIN_ENV) ?? "").split("\n").filter(Boolean);
  if (chain.includes(profile)) {
    throw new ConfigError(
      `profile '${profile}': vegas-credentials was started again by itself for the same profile ` +
        `(through ${[...chain, profile].map((p) => `'${p}'`).join(" -> ")}); an MFA command or ` +
        `credential_process calls back into this profile`,
    );
  }

  const target = files.config.get(profile);
  if (!target) throw unknownProfile(profile, files);
  const origins: Record<string, Origin> = {};
  const inTarget = `${files.configFile} [${sectionLabel(profile)}]`;
  const where = (key: string) => `profile '${profile}' in ${files.configFile}: ${key}`;

  const roleArn = target.get("vegas_role_arn");
  const sourceProfile = target.get("vegas_source_profile");
  for (const key of UNPREFIXED) {
    if (target.has(key)) {
      throw new ConfigError(
        `${where(key)} must be written vegas_${key}: with a plain ${key} the AWS tools ignore ` +
          `credential_process (and Terraform fails on mfa_serial)`,
        "rename it to vegas_" + key,
      );
    }
  }
  if (!roleArn) throw new ConfigError(`${where("vegas_role_arn")} is missing (the role to assume)`);
  const roleProblem = roleArnProblem(roleArn);
  if (roleProblem) throw new ConfigError(`${where("vegas_role_arn")} '${roleArn}' ${roleProblem}`);
  origins.roleArn = inTarget;
  if (!sourceProfile) {
    throw new ConfigError(
      `${where("vegas_source_profile")} is missing (the profile with your IAM user keys)`,
    );
  }
  origins.sourceProfile = inTarget;
  if (sourceProfile === profile) {
    throw new ConfigError(`${where("vegas_source_profile")} names the profile itself`);
  }

  const sourceConfig = files.config.get(sourceProfile);
  const sourceCredentials = files.credentials.get(sourceProfile);
  if (!sourceConfig && !sourceCredentials) {
    const hint = suggestion(sourceProfile, files);
    throw new ConfigError(
      `${where("vegas_source_profile")} '${sourceProfile}' is not a profile in ` +
        `${files.configFile} or ${files.credentialsFile}${hint}`,
    );
  }
  const source = sourceKeys(
    profile,
    sourceProfile,
    files,
    sourceCredentials,
    sourceConfig,
    origins,
  );
  const inSource = `${files.configFile} [${sectionLabel(sourceProfile)}]`;
  const sourceWhere = (key: string) =>
    `source profile '${sourceProfile}' in ${files.configFile}: ${key}`;

  // Settings a target may override; otherwise taken from the source profile.
  const pick = (key: string, name: string): string | undefined => {
    const fromTarget = target.get(key);
    if (fromTarget !== undefined) {
      origins[name] = inTarget;
      return fromTarget;
    }
    const fromSource = sourceConfig?.get(key);
    if (fromSource !== undefined) origins[name] = inSource;
    return fromSource;
  };
  const keyWhere = (name: string, key: string) =>
    origins[name] === inSource ? sourceWhere(key) : where(key);

  const mfaSerial = sourceConfig?.get("mfa_serial");
  if (!mfaSerial) {
    throw new ConfigError(
      `${sourceWhere("mfa_serial")} is missing (your MFA device ARN, ` +
        `e.g. arn:aws:iam::123456789012:mfa/NAME)`,
    );
  }
  origins.mfaSerial = inSource;
  const serialProblem = mfaSerialProblem(mfaSerial);
  if (serialProblem) {
    throw new ConfigError(`${keyWhere("mfaSerial", "mfa_serial")} '${mfaSerial}' ${serialProblem}`);
  }

  let durationSeconds = 3600;
  const durationText = target.get("duration_seconds");
  origins.durationSeconds = "default";
  if (durationText !== undefined) {
    const parsed = parseSeconds(durationText, 900, 43200);
    if (typeof parsed === "string") {
      throw new ConfigError(`${where("duration_seconds")} '${durationText}' ${parsed}`);
    }
    durationSeconds = parsed;
    origins.durationSeconds = inTarget;
  }

  const roleSessionName = target.get("role_session_name");
  if (roleSessionName !== undefined) {
    const problem = sessionNameProblem(roleSessionName);
    if (problem) {
      throw new ConfigError(`${where("role_session_name")} '${roleSessionName}' ${problem}`);
    }
    origins.roleSessionName = inTarget;
  } else origins.roleSessionName = "default (your OS user name)";

  const externalId = target.get("external_id");
  if (externalId !== undefined) {
    const problem = externalIdProblem(externalId);
    if (problem) throw new ConfigError(`${where("external_id")} '${externalId}' ${problem}`);
    origins.externalId = inTarget;
  }

  const scope: Scope = { files, target, source: sourceConfig, env, inTarget, inSource, origins };
  const region = resolveRegion(scope);
  const endpoint = resolveEndpoint(scope);
  const useGlobalEndpoint = resolveRegionalEndpoints(pick, keyWhere, env, origins);

  const mfaProcess = pick("vegas_mfa_process", "mfaProcess");
  let mfaTimeoutSeconds = 120;
  const timeoutText = pick("vegas_mfa_timeout", "mfaTimeoutSeconds");
  if (timeoutText !== undefined) {
    const parsed = parseSeconds(timeoutText, 5, 3600);
    if (typeof parsed === "string") {
      throw new ConfigError(
        `${keyWhere("mfaTimeoutSeconds", "vegas_mfa_timeout")} '${timeoutText}' ${parsed}`,
      );
    }
    mfaTimeoutSeconds = parsed;
  } else origins.mfaTimeoutSeconds = "default";

  const inputsText = pick("vegas_mfa_inputs", "mfaInputs");
  const mfaInputs = inputsText?.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean);

  const yubikeySerial = pick("vegas_yubikey_serial", "yubikeySerial");
  if (yubikeySerial !== undefined && !/^\d+$/.test(yubikeySerial)) {
    throw new ConfigError(
      `${keyWhere("yubikeySerial", "vegas_yubikey_serial")} '${yubikeySerial}' must be the ` +
        "YubiKey's serial number (digits, see `ykman list --serials`)",
    );
  }
  const yubikeyLabel = pick("vegas_yubikey_label", "yubikeyLabel") ?? mfaSerial;
  origins.yubikeyLabel ??= "default (mfa_serial)";
  const ykmanPath = pick("vegas_ykman_path", "ykmanPath");

  let mfaSessionDuration: number | undefined;
  const sessionText = sourceConfig?.get("vegas_mfa_session_duration");
  if (sessionText !== undefined) {
    const parsed = parseSeconds(sessionText, 900, 129600);
    if (typeof parsed === "string") {
      throw new ConfigError(
        `${sourceWhere("vegas_mfa_session_duration")} '${sessionText}' ${parsed}`,
      );
    }
    mfaSessionDuration = parsed;
    origins.mfaSessionDuration = inSource;
  }

  return {
    profile,
    roleArn,
    sourceProfile,
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
    yubikeyLabel,
    ykmanPath,
    mfaSessionDuration,
    source,
    configFile: files.configFile,
    credentialsFile: files.credentialsFile,
    origins,
  };
}

function sectionLabel(profile: string): string {
  return profile === "default" ? "default" : `profile ${profile}`;
}

function suggestion(name: string, files: SharedFiles): string {
  const close = closestNames(name, [...files.config.keys(), ...files.credentials.keys()]);
  return close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(" or ")}?)` : "";
}

function unknownProfile(profile: string, files: SharedFiles): ConfigError {
  if (files.credentials.has(profile)) {
    return new ConfigError(
      `profile '${profile}' is only in ${files.credentialsFile}; a vegas profile belongs in ` +
        `${files.configFile} as [profile ${profile}] with vegas_role_arn and vegas_source_profile`,
    );
  }
  return new ConfigError(
    `profile '${profile}' is not in ${files.configFile}${suggestion(profile, files)}`,
  );
}

/** What the settings that look at both profiles and the environment need. */
interface Scope {
  readonly files: SharedFiles;
  readonly target: ReadonlyMap<string, string>;
  readonly source: ReadonlyMap<string, string> | undefined;
  readonly env: Env;
  /** Origin labels of the two profiles. */
  readonly inTarget: Origin;
  readonly inSource: Origin;
  readonly origins: Record<string, Origin>;
}

function resolveRegion({ target, source, env, inTarget, inSource, origins }: Scope): string {
  const candidates: [string | undefined, Origin][] = [
    [target.get("region"), inTarget],
    [source?.get("region"), inSource],
    [env("AWS_REGION"), "env AWS_REGION"],
    [env("AWS_DEFAULT_REGION"), "env AWS_DEFAULT_REGION"],
  ];
  for (const [value, origin] of candidates) {
    if (value) {
      if (!/^[a-z0-9-]{2,32}$/.test(value)) {
        throw new ConfigError(`region '${value}' from ${origin} is not an AWS region name`);
      }
      origins.region = origin;
      return value;
    }
  }
  origins.region = "default";
  return "us-east-1";
}

function resolveEndpoint(
  { files, target, source, env, inTarget, inSource, origins }: Scope,
): string | undefined {
  const ignore = envFlag(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") ||
    target.get("ignore_configured_endpoint_urls") === "true";
  if (ignore) return undefined;
  const fromServices = (profile: ReadonlyMap<string, string> | undefined) => {
    const services = profile?.get("services");
    return services
      ? files.configSections.get(`services.${services}`)?.get("sts.endpoint_url")
      : undefined;
  };
  const candidates: [string | undefined, Origin][] = [
    [env("AWS_ENDPOINT_URL_STS"), "env AWS_ENDPOINT_URL_STS"],
    [env("AWS_ENDPOINT_URL"), "env AWS_ENDPOINT_URL"],
    [fromServices(target), `${inTarget} services`],
    [target.get("endpoint_url"), inTarget],
    [fromServices(source), `${inSource} services`],
    [source?.get("endpoint_url"), inSource],
  ];
  for (const [value, origin] of candidates) {
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`endpoint_url '${value}' from ${origin} is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new ConfigError(`endpoint_url '${value}' from ${origin} must be an http(s) URL`);
    }
    origins.endpoint = origin;
    return value;
  }
  return undefined;
}

function resolveRegionalEndpoints(
  pick: (key: string, name: string) => string | undefined,
  keyWhere: (name: string, key: string) => string,
  env: Env,
  origins: Record<string, Origin>,
): boolean {
  const fromEnv = env("AWS_STS_REGIONAL_ENDPOINTS");
  const value = fromEnv || pick("sts_regional_endpoints", "stsRegionalEndpoints");
  if (fromEnv) origins.stsRegionalEndpoints = "env AWS_STS_REGIONAL_ENDPOINTS";
  if (value === undefined) return false;
  if (value !== "legacy" && value !== "regional") {
    const where = fromEnv
      ? "env AWS_STS_REGIONAL_ENDPOINTS"
      : keyWhere("stsRegionalEndpoints", "sts_regional_endpoints");
    throw new ConfigError(`${where} '${value}' must be 'legacy' or 'regional'`);
  }
  return value === "legacy";
}

function sourceKeys(
  profile: string,
  sourceProfile: string,
  files: SharedFiles,
  fromCredentials: ReadonlyMap<string, string> | undefined,
  fromConfig: ReadonlyMap<string, string> | undefined,
  origins: Record<string, Origin>,
): SourceKeys {
  for (
    const [section, file] of [[fromCredentials, files.credentialsFile], [
      fromConfig,
      files.configFile,
    ]] as const
  ) {
    const accessKeyId = section?.get("aws_access_key_id");
    const secretAccessKey = section?.get("aws_secret_access_key");
    if (!accessKeyId && !secretAccessKey) continue;
    const label = `source profile '${sourceProfile}' in ${file}`;
    if (!accessKeyId) throw new ConfigError(`${label}: aws_access_key_id is missing`);
    if (!secretAccessKey) throw new ConfigError(`${label}: aws_secret_access_key is missing`);
    if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) {
      throw new ConfigError(`${label}: aws_access_key_id is not an AWS access key id`);
    }
    origins.sourceKeys = file;
    const sessionToken = section?.get("aws_session_token");
    return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
  }
  const process = fromConfig?.get("credential_process") ??
    fromCredentials?.get("credential_process");
  if (process && /vegas-credentials|main\.ts/.test(process)) {
    throw new ConfigError(
      `source profile '${sourceProfile}' (of profile '${profile}') gets its keys from ` +
        `vegas-credentials itself (credential_process); that would loop — the source profile needs ` +
        `aws_access_key_id and aws_secret_access_key in ${files.credentialsFile}`,
    );
  }
  throw new ConfigError(
    `source profile '${sourceProfile}' (of profile '${profile}') has no aws_access_key_id and ` +
      `aws_secret_access_key in ${files.credentialsFile} or ${files.configFile}`,
  );
}
