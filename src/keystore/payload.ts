/**
 * What an entry's secret holds: JSON in the AWS spelling (`AccessKeyId`, …), as aws-vault keeps it.
 * Keys: the long-term keys of a source profile. Session: an MFA session and the configuration
 * it was made for (a different device, duration or endpoint makes it a miss, as in the file cache).
 * @module
 */
import type { SourceKeys } from "../config/types.ts";
import type { Credentials } from "../credentials.ts";
import { credentialsProblem } from "../credential_check.ts";

/** The entry format; anything else is not ours. */
const VERSION = 1;

/** The secret of a keys entry. */
export function encodeKeys(keys: SourceKeys): string {
  return JSON.stringify({
    Version: VERSION,
    AccessKeyId: keys.accessKeyId,
    SecretAccessKey: keys.secretAccessKey,
    ...(keys.sessionToken ? { SessionToken: keys.sessionToken } : {}),
  });
}

/** Why `keys` are not an AWS key pair (naming the field, never its value); undefined when fine. */
export function keysProblem(keys: SourceKeys): string | undefined {
  if (!/^[A-Z0-9]{16,128}$/.test(keys.accessKeyId)) {
    return "the access key id is not an AWS access key id (16-128 capital letters and digits)";
  }
  // deno-lint-ignore no-control-regex
  if (keys.secretAccessKey === "" || /[\s\x00-\x1f\x7f]/.test(keys.secretAccessKey)) {
    return "the secret access key is empty or holds spaces or control characters";
  }
  // deno-lint-ignore no-control-regex
  if (keys.sessionToken !== undefined && /[\s\x00-\x1f\x7f]/.test(keys.sessionToken)) {
    return "the session token holds spaces or control characters";
  }
  return undefined;
}

/** The keys of an entry's secret; a string saying what is wrong when it holds none. */
export function decodeKeys(secret: string): SourceKeys | string {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(secret);
  } catch {
    return "it is not vegas-credentials keys (not JSON)";
  }
  const { Version, AccessKeyId, SecretAccessKey, SessionToken } = data ?? {};
  if (
    Version !== VERSION || typeof AccessKeyId !== "string" ||
    typeof SecretAccessKey !== "string" ||
    (SessionToken !== undefined && typeof SessionToken !== "string")
  ) {
    return "it is not vegas-credentials keys (unknown format)";
  }
  const keys = {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken as string | undefined,
  };
  return keysProblem(keys) ?? keys;
}

/** The secret of a session entry: the credentials and the cache name they were made for. */
export function encodeSession(credentials: Credentials, identity: string): string {
  return JSON.stringify({
    Version: VERSION,
    Identity: identity,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration.toISOString(),
  });
}

/** The session of an entry's secret when it was made for `identity` and is well-formed. */
export function decodeSession(secret: string, identity: string): Credentials | undefined {
  try {
    const data = JSON.parse(secret);
    if (data?.Version !== VERSION || data.Identity !== identity) return undefined;
    const credentials: Credentials = {
      accessKeyId: String(data.AccessKeyId),
      secretAccessKey: String(data.SecretAccessKey),
      sessionToken: typeof data.SessionToken === "string" ? data.SessionToken : undefined,
      expiration: new Date(String(data.Expiration)),
    };
    return credentialsProblem(credentials) ? undefined : credentials;
  } catch {
    return undefined;
  }
}
