/**
 * The types of a resolved profile. Types only: importing them costs the hot path nothing.
 * @module
 */

/** Where a resolved value came from: a file and profile, an environment variable, or a default. */
export type Origin = string;

/** Long-term (or session) keys of the source profile. Never printed. */
export interface SourceKeys {
  /** The access key id (AKIA… for an IAM user). */
  readonly accessKeyId: string;
  /** The secret access key. */
  readonly secretAccessKey: string;
  /** Only when the source keys are themselves temporary. */
  readonly sessionToken?: string;
}

/** Keys in the OS secure store (neither file has them): read only on a cache miss. */
export interface StoredKeys {
  /** `keychain`, `secret-service`, `wincred` or `pass`. */
  readonly store: string;
  /** The entry: the source profile's name. */
  readonly entry: string;
}

/** Everything `assume` needs for one target profile. */
export interface ResolvedProfile {
  /** Target profile name (the `--profile` value). */
  readonly profile: string;
  /** `vegas_role_arn`: the role to assume. */
  readonly roleArn: string;
  /** `vegas_source_profile`: the profile with the IAM user keys and `mfa_serial`. */
  readonly sourceProfile: string;
  /** `duration_seconds` (default 3600). */
  readonly durationSeconds: number;
  /** Explicit `role_session_name`; the OS-derived default is computed only when STS is called. */
  readonly roleSessionName?: string;
  /** `external_id`, when the role requires one. */
  readonly externalId?: string;
  /** The STS region: the role profile's, else the source profile's, else the environment's. */
  readonly region: string;
  /** Explicit STS endpoint, when one is configured. */
  readonly endpoint?: string;
  /** `sts_regional_endpoints = legacy`: use the global endpoint for us-east-1. */
  readonly useGlobalEndpoint: boolean;
  /** The source profile's `mfa_serial`: an MFA device ARN or a hardware token serial. */
  readonly mfaSerial: string;
  /** `vegas_mfa_process`: a shell command printing the code. */
  readonly mfaProcess?: string;
  /** Overall MFA wait in seconds. */
  readonly mfaTimeoutSeconds: number;
  /** `vegas_mfa_inputs`: which inputs race, in order; undefined = all available. */
  readonly mfaInputs?: readonly string[];
  /** `vegas_yubikey_serial`: which YubiKey, when several are plugged in. */
  readonly yubikeySerial?: string;
  /** `vegas_yubikey_label`: the OATH account (default: `mfa_serial`). */
  readonly yubikeyLabel: string;
  /** `vegas_ykman_path`: where `ykman` is, when not on PATH. */
  readonly ykmanPath?: string;
  /** `vegas_mfa_session_duration` on the source profile: reuse one MFA session (seconds). */
  readonly mfaSessionDuration?: number;
  /** The source profile's keys (never printed), or where the OS store keeps them. */
  readonly source: SourceKeys | StoredKeys;
  /** The config file read. */
  readonly configFile: string;
  /** The credentials file read. */
  readonly credentialsFile: string;
  /** Where each setting came from, by setting name; for `config show-profile`. */
  readonly origins: Readonly<Record<string, Origin>>;
}

/** One thing wrong (or worth knowing) about a profile, and what to do about it. */
export interface Finding {
  /** One line naming the profile, key and file. */
  readonly message: string;
  /** What to do about it. */
  readonly fix?: string;
}

/** Everything the rule set says about one profile. */
export interface Inspection {
  /** The resolved profile, when there is no problem. */
  readonly resolved?: ResolvedProfile;
  /** Problems: `assume` refuses the profile with the first one. */
  readonly problems: readonly Finding[];
  /** Settings that are valid but do not do what the user probably meant. */
  readonly warnings: readonly Finding[];
}
