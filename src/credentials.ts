/**
 * Temporary AWS credentials and their credential_process form.
 * @module
 */

/** Temporary credentials with an expiry. */
export interface Credentials {
  /** ASIA… */
  readonly accessKeyId: string;
  /** The secret key. */
  readonly secretAccessKey: string;
  /** The session token. */
  readonly sessionToken?: string;
  /** When they expire. */
  readonly expiration: Date;
  /** The role's AWS account (from its ARN), for callers that read `AccountId`. */
  readonly accountId?: string;
}

/** The account of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`). */
export function accountIdOf(arn: string | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Credentials stay in use until this many seconds before they expire: botocore's mandatory refresh
 * window and the original tool's.
 */
export const FRESHNESS_MARGIN_SECONDS = 600;

/** The margin in force: only tests of `exec --server` lower it (src/exec_server.ts). */
export const freshness = { marginSeconds: FRESHNESS_MARGIN_SECONDS };

/** True when `credentials` are good for more than `marginSeconds` (default: the margin) from `now`. */
export function isFresh(
  credentials: Credentials,
  now: Date = new Date(),
  marginSeconds: number = freshness.marginSeconds,
): boolean {
  return credentials.expiration.getTime() - now.getTime() > marginSeconds * 1000;
}

/**
 * botocore's advisory refresh window (15 min, 1.5 × the margin): a caller refreshes from then on, so
 * credentials are replaced then when that needs no prompt (a fresh MFA session).
 */
export function advisorySeconds(): number {
  return freshness.marginSeconds * 1.5;
}

/** RFC 3339 in UTC without fractional seconds, as the original tool and STS write it. */
export function formatExpiration(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The one line of JSON a `credential_process` prints (Version is the number 1). */
export function credentialProcessJson(credentials: Credentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { SessionToken: credentials.sessionToken } : {}),
    Expiration: formatExpiration(credentials.expiration),
    ...(credentials.accountId ? { AccountId: credentials.accountId } : {}),
  });
}
