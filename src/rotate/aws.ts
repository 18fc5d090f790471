/**
 * The AWS calls of `rotate` and of `doctor`'s key ages: IAM's access key actions and STS
 * GetCallerIdentity. Loaded only when such a call is made (the IAM SDK is never on the cache-hit
 * path). The IAM endpoint is the SDK's choice: `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, else
 * the partition's global IAM endpoint.
 * @module
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  type IAMClientConfig,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { ResolvedProfile, SourceKeys } from "../config/resolve.ts";
import { type Env, envFlag } from "../config/files.ts";
import { VegasError } from "../errors.ts";
import {
  CONNECT_TIMEOUT_MS,
  describeStsError,
  REQUEST_TIMEOUT_MS,
  SILENT,
  stsClient,
  TOTAL_TIMEOUT_MS,
} from "../assume/sts.ts";
import type { AccessKeyPair } from "./location.ts";

/** All attempts of one call together, the SDK's retries included (the same bounds as STS). */
export const CALL_TIMEOUT_MS = TOTAL_TIMEOUT_MS;

/** One access key of the IAM user, as ListAccessKeys describes it (no secret). */
export interface ListedKey {
  readonly id: string;
  readonly active: boolean;
  readonly created?: Date;
}

/** The IAM user's access keys. */
export interface KeyListing {
  readonly userName: string;
  readonly keys: readonly ListedKey[];
}

/** A key CreateAccessKey just made. */
export interface CreatedKey extends AccessKeyPair {
  readonly created?: Date;
}

/** Where IAM calls go, and with whose credentials. */
export interface IamTarget {
  readonly profile: ResolvedProfile;
  readonly credentials: SourceKeys;
  readonly env: Env;
  /** Limit for one call, retries included (default {@link CALL_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/**
 * The region the IAM client is made for, which picks the partition's global endpoint: the
 * profile's, or, when none is set anywhere, the partition of the MFA device's ARN (a China or
 * GovCloud user need not set a region for this).
 */
export function iamRegion(profile: Pick<ResolvedProfile, "region" | "mfaSerial" | "origins">) {
  if (profile.origins.region !== "default") return profile.region;
  const partition = /^arn:([\w-]+):/.exec(profile.mfaSerial)?.[1];
  if (partition === "aws-cn") return "cn-north-1";
  if (partition === "aws-us-gov") return "us-gov-west-1";
  return profile.region;
}

/** The IAM endpoint, for messages (the SDK picks the same one). */
export function iamEndpoint(profile: ResolvedProfile, env: Env): string {
  if (!envFlag(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    const configured = env("AWS_ENDPOINT_URL_IAM") || env("AWS_ENDPOINT_URL");
    if (configured) return configured;
  }
  return `the IAM endpoint of ${iamRegion(profile)}`;
}

function iamClient(target: IamTarget, retry: boolean): IAMClient {
  const config: IAMClientConfig = {
    region: iamRegion(target.profile),
    // Explicit keys: the SDK must never look credentials up by profile (that could run
    // credential_process, this program).
    credentials: {
      accessKeyId: target.credentials.accessKeyId,
      secretAccessKey: target.credentials.secretAccessKey,
      sessionToken: target.credentials.sessionToken,
    },
    maxAttempts: retry ? 3 : 1,
    logger: SILENT,
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      logger: SILENT,
    },
  };
  return new IAMClient(config);
}

/** Runs one IAM call with a time limit; any failure becomes one line starting with `what`. */
async function iam<T>(
  target: IamTarget,
  what: string,
  run: (client: IAMClient, abortSignal: AbortSignal) => Promise<T>,
  retry = true,
): Promise<T> {
  const client = iamClient(target, retry);
  const abort = new AbortController();
  const limit = target.timeoutMs ?? CALL_TIMEOUT_MS;
  const timer = setTimeout(() => abort.abort(), limit);
  try {
    return await run(client, abort.signal);
  } catch (error) {
    throw describeIamError(
      error,
      what,
      iamEndpoint(target.profile, target.env),
      abort.signal.aborted ? limit : undefined,
    );
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}

/** Whatever the SDK threw, as one sentence: what failed, and IAM's own words. */
export function describeIamError(
  error: unknown,
  what: string,
  endpoint: string,
  timedOutAfterMs?: number,
): VegasError {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (timedOutAfterMs !== undefined || e.name === "AbortError" || e.name === "TimeoutError") {
    const seconds = (timedOutAfterMs ?? CALL_TIMEOUT_MS) / 1000;
    return new VegasError(`${what} failed: no answer from ${endpoint} within ${seconds} s`, {
      cause: error,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(error)).replace(/\s+/g, " ").trim();
  const network = e.code ??
    /(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EAI_AGAIN)/.exec(message)?.[1];
  if (network && !status) {
    return new VegasError(`${what} failed: cannot reach ${endpoint} (${network})`, {
      cause: error,
    });
  }
  const isAwsError = e.$fault !== undefined && !!e.name &&
    !["Unknown", "Error", "SyntaxError", "TypeError"].includes(e.name) &&
    !/Deserialization|non-XML|Unexpected token/i.test(message);
  if (!isAwsError) {
    return new VegasError(
      `${what} failed: ${endpoint} answered ${
        status ? `HTTP ${status}` : "an unreadable answer"
      } that is not an IAM response`,
      { cause: error },
    );
  }
  return new VegasError(`${what} failed: ${e.name}: ${message}`, { cause: error });
}

/** The access keys of the user whose credentials `target` holds. */
export function listAccessKeys(target: IamTarget): Promise<KeyListing> {
  return iam(target, "IAM ListAccessKeys", async (client, abortSignal) => {
    const answer = await client.send(new ListAccessKeysCommand({}), { abortSignal });
    const keys = (answer.AccessKeyMetadata ?? []).filter((key) => key.AccessKeyId).map((key) => ({
      id: key.AccessKeyId!,
      active: key.Status !== "Inactive",
      created: key.CreateDate ? new Date(key.CreateDate) : undefined,
    }));
    const userName = answer.AccessKeyMetadata?.[0]?.UserName ?? "";
    return { userName, keys };
  });
}

/**
 * A new access key for the user. Never retried: a retry after a lost answer would make a second
 * key (the first one then shows up as an extra key, which `rotate` and `doctor` name).
 */
export function createAccessKey(target: IamTarget): Promise<CreatedKey> {
  return iam(target, "IAM CreateAccessKey", async (client, abortSignal) => {
    const answer = await client.send(new CreateAccessKeyCommand({}), { abortSignal });
    const key = answer.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) {
      throw new VegasError("IAM CreateAccessKey answered without a key");
    }
    return {
      accessKeyId: key.AccessKeyId,
      secretAccessKey: key.SecretAccessKey,
      created: key.CreateDate ? new Date(key.CreateDate) : undefined,
    };
  }, false);
}

/** Deletes the user's access key `id`. */
export function deleteAccessKey(target: IamTarget, id: string): Promise<void> {
  return iam(target, `IAM DeleteAccessKey of ${id}`, async (client, abortSignal) => {
    await client.send(new DeleteAccessKeyCommand({ AccessKeyId: id }), { abortSignal });
  });
}

/** Makes the user's access key `id` inactive (it stays, unusable, until deleted). */
export function deactivateAccessKey(target: IamTarget, id: string): Promise<void> {
  return iam(target, `IAM UpdateAccessKey of ${id}`, async (client, abortSignal) => {
    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: id, Status: "Inactive" }),
      { abortSignal },
    );
  });
}

/**
 * STS GetCallerIdentity with `keys`, once (the caller retries): the ARN they belong to. Goes to the
 * STS endpoint `assume` uses for `profile`.
 */
export async function callerArn(profile: ResolvedProfile, keys: SourceKeys): Promise<string> {
  const sts = stsClient(profile, keys, 1);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS + CONNECT_TIMEOUT_MS);
  try {
    const answer = await sts.send(new GetCallerIdentityCommand({}), {
      abortSignal: abort.signal,
    });
    if (!answer.Arn) throw new VegasError("STS GetCallerIdentity answered without an ARN");
    return answer.Arn;
  } catch (error) {
    if (error instanceof VegasError) throw error;
    throw describeStsError(error, "STS GetCallerIdentity", profile, abort.signal.aborted);
  } finally {
    clearTimeout(timer);
    sts.destroy();
  }
}
