/**
 * Calls to AWS STS through the AWS SDK. Loaded only on a cache miss: the SDK is the slowest thing
 * this program imports.
 * @module
 */
import {
  AssumeRoleCommand,
  GetSessionTokenCommand,
  STSClient,
  type STSClientConfig,
} from "@aws-sdk/client-sts";
import {
  type Credentials,
  formatExpiration,
  FRESHNESS_MARGIN_SECONDS,
  isFresh,
} from "../credentials.ts";
import { checkedStsCredentials } from "../credential_check.ts";
import type { ResolvedProfile, SourceKeys } from "../config/resolve.ts";
import { VegasError } from "../errors.ts";

/** Connect within this time, or fail (then the SDK may retry). */
export const CONNECT_TIMEOUT_MS = 5_000;
/** One HTTP request may take this long (an error, not just the SDK's warning, when exceeded). */
export const REQUEST_TIMEOUT_MS = 8_000;
/** All attempts of one STS call together, the SDK's retries included. */
export const TOTAL_TIMEOUT_MS = 20_000;
/** After this long without an answer the user is told what we wait for. */
const PROGRESS_AFTER_MS = 1_000;

/** The SDK must never print: its log lines are no message for the user (one line per failure). */
export const SILENT = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** STS refused the MFA code itself (wrong, expired or already used): worth asking again. */
export class MfaCodeRejected extends VegasError {
  constructor(message: string) {
    super(message);
    this.name = "MfaCodeRejected";
  }
}

/** An MFA device and the code it produced. */
export interface MfaToken {
  readonly serialNumber: string;
  readonly tokenCode: string;
}

/**
 * An STS client for `profile`'s region and endpoint, signing with `keys`, bounded and silent.
 * `maxAttempts` 1 for a call the caller retries itself.
 */
export function stsClient(profile: ResolvedProfile, keys: SourceKeys, maxAttempts = 3): STSClient {
  const config: STSClientConfig = {
    region: profile.region,
    // Explicit keys: the SDK must never look credentials up by profile name, which would run
    // credential_process, that is this program, again.
    credentials: {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      sessionToken: keys.sessionToken,
    },
    maxAttempts,
    logger: SILENT,
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      logger: SILENT,
    },
  };
  if (profile.endpoint) config.endpoint = profile.endpoint;
  if (profile.useGlobalEndpoint) config.useGlobalEndpoint = true;
  return new STSClient(config);
}

/** AssumeRole's duration when the request names none. */
const DEFAULT_ROLE_SECONDS = 3600;

/**
 * The credentials of an STS answer, their expiry told by this computer's clock. STS never gives
 * more than `askedSeconds`: an expiry further away than that is this clock running behind STS's,
 * and every caller here would use the credentials that much past their end (and the cache would
 * take them for forged), so it is brought back to now + `askedSeconds`.
 */
function toCredentials(
  action: string,
  whose: string,
  askedSeconds: number,
  result: {
    Credentials?: {
      AccessKeyId?: string;
      SecretAccessKey?: string;
      SessionToken?: string;
      Expiration?: Date;
    };
  },
  now = new Date(),
): Credentials {
  const c = result.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
    throw new VegasError(`STS ${action} answered without credentials`);
  }
  const credentials = checkedStsCredentials(action, {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: new Date(
      Math.min(new Date(c.Expiration).getTime(), now.getTime() + askedSeconds * 1000),
    ),
  });
  if (!isFresh(credentials, now)) {
    // STS issues at least 15 minutes: this computer's clock must be far off. Such credentials
    // would be refused or refreshed at once by every caller, so neither print nor cache them.
    throw new VegasError(
      `STS ${action} answered credentials ${whose} that expire at ` +
        `${formatExpiration(credentials.expiration)}, but this computer's clock says ` +
        `${formatExpiration(now)}: they are expired or within ${FRESHNESS_MARGIN_SECONDS / 60} ` +
        `minutes of it by this clock; check the system clock and its time zone setting`,
    );
  }
  return credentials;
}

/**
 * AssumeRole for `profile` with `keys` (long-term keys or an MFA session), with an MFA token when
 * given. Throws {@link MfaCodeRejected} when STS refuses the code, {@link VegasError} otherwise.
 */
export async function assumeRole(
  profile: ResolvedProfile,
  sessionName: string,
  keys: SourceKeys,
  mfa?: MfaToken,
  progress: (text: string) => void = () => {},
): Promise<Credentials> {
  const command = new AssumeRoleCommand({
    RoleArn: profile.roleArn,
    RoleSessionName: sessionName,
    DurationSeconds: profile.durationSeconds,
    ExternalId: profile.externalId,
    SerialNumber: mfa?.serialNumber,
    TokenCode: mfa?.tokenCode,
  });
  const what = `AssumeRole of ${profile.roleArn} for profile '${profile.profile}'`;
  const waiting =
    `Calling STS AssumeRole for role ${profile.roleArn} (profile ${profile.profile})…`;
  return toCredentials(
    "AssumeRole",
    `for profile '${profile.profile}'`,
    profile.durationSeconds ?? DEFAULT_ROLE_SECONDS,
    await send(
      profile,
      keys,
      { what, waiting, progress },
      (sts, abortSignal) => sts.send(command, { abortSignal }),
    ),
  );
}

/** GetSessionToken with MFA for the source profile of `profile` (an MFA session), with its `keys`. */
export async function getSessionToken(
  profile: ResolvedProfile,
  keys: SourceKeys,
  durationSeconds: number,
  mfa: MfaToken,
  progress: (text: string) => void = () => {},
): Promise<Credentials> {
  const command = new GetSessionTokenCommand({
    DurationSeconds: durationSeconds,
    SerialNumber: mfa.serialNumber,
    TokenCode: mfa.tokenCode,
  });
  const what = `GetSessionToken for source profile '${profile.sourceProfile}'`;
  const waiting = `Calling STS GetSessionToken for source profile ${profile.sourceProfile}…`;
  return toCredentials(
    "GetSessionToken",
    `for source profile '${profile.sourceProfile}'`,
    durationSeconds,
    await send(
      profile,
      keys,
      { what, waiting, progress },
      (sts, abortSignal) => sts.send(command, { abortSignal }),
    ),
  );
}

/** What a call is, for its error and its progress line. */
interface CallDescription {
  /** `AssumeRole of ROLE for profile 'P'`: the start of an error. */
  readonly what: string;
  /** The progress line shown when STS is slow. */
  readonly waiting: string;
  readonly progress: (text: string) => void;
}

async function send<T>(
  profile: ResolvedProfile,
  keys: SourceKeys,
  call: CallDescription,
  run: (sts: STSClient, abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const sts = stsClient(profile, keys);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TOTAL_TIMEOUT_MS);
  const slow = setTimeout(() => call.progress(call.waiting), PROGRESS_AFTER_MS);
  try {
    return await run(sts, abort.signal);
  } catch (error) {
    throw describeStsError(error, call.what, profile, abort.signal.aborted);
  } finally {
    clearTimeout(timer);
    clearTimeout(slow);
    sts.destroy();
  }
}

/** Turns whatever the SDK threw into one sentence: what failed, for which role, and AWS's words. */
export function describeStsError(
  error: unknown,
  what: string,
  profile: Pick<ResolvedProfile, "endpoint" | "region">,
  timedOut = false,
): VegasError {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number; body?: unknown };
    $fault?: string;
  };
  const endpoint = profile.endpoint ?? `the ${profile.region} STS endpoint`;
  if (timedOut || e.name === "AbortError" || e.name === "TimeoutError") {
    return new VegasError(
      `${what} failed: no answer from ${endpoint} within ${TOTAL_TIMEOUT_MS / 1000} s`,
      { cause: error },
    );
  }
  const network = e.code ?? (/(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN)/.exec(
    e.message ?? "",
  )?.[1]);
  if (network && !e.$metadata?.httpStatusCode) {
    return new VegasError(`${what} failed: cannot reach ${endpoint} (${network})`, {
      cause: error,
    });
  }
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const message = (e.message ?? String(error)).replace(/\s+/g, " ").trim();
  // An STS error has a fault side and a real error code; a proxy's HTML page or a truncated body
  // reaches us as "Unknown" or as a deserialization failure.
  const isStsError = e.$fault !== undefined && !!e.name &&
    !["Unknown", "Error", "SyntaxError", "TypeError"].includes(e.name) &&
    !/Deserialization|non-XML|Unexpected token/i.test(message);
  if (!isStsError) {
    const statusText = status ? `HTTP ${status}` : "an unreadable answer";
    return new VegasError(
      `${what} failed: ${endpoint} answered ${statusText} that is not an STS response`,
      { cause: error },
    );
  }
  const code = e.name!;
  const sentence = `${what} failed: ${code}: ${message}`;
  if (
    code === "AccessDenied" && /MultiFactorAuthentication failed with invalid MFA/.test(message)
  ) {
    return new MfaCodeRejected(sentence);
  }
  return new VegasError(sentence, { cause: error });
}
