/**
 * Are credentials what AWS issues? Checked on every STS answer before anything prints or caches
 * them (a hostile or broken endpoint, or a proxy, could send anything). Loaded with the SDK, off
 * the cache-hit path; the cache only ever holds credentials that passed here.
 * @module
 */
import type { Credentials } from "./credentials.ts";
import { VegasError } from "./errors.ts";

// What AWS issues: access key ids are `[\w]+` (at most 128), secrets and session tokens base64
// (URL-safe letters accepted too). Anything else — a newline, a quote, an escape — is refused: it
// would break `env` output pasted into a shell and could carry a terminal escape.
const ACCESS_KEY_ID = /^\w{1,128}$/;
const SECRET_ACCESS_KEY = /^[A-Za-z0-9+/=_-]{1,256}$/;
const SESSION_TOKEN = /^[A-Za-z0-9+/=_-]+$/;

/**
 * Why `credentials` are not what AWS issues, naming the field (never its value); undefined when
 * they are well-formed.
 */
export function credentialsProblem(credentials: Credentials): string | undefined {
  if (!ACCESS_KEY_ID.test(credentials.accessKeyId)) {
    return "AccessKeyId is not 1–128 letters, digits or _";
  }
  if (!SECRET_ACCESS_KEY.test(credentials.secretAccessKey)) {
    return "SecretAccessKey is not 1–256 base64 characters";
  }
  if (credentials.sessionToken !== undefined && !SESSION_TOKEN.test(credentials.sessionToken)) {
    return "SessionToken is not base64 text";
  }
  if (Number.isNaN(credentials.expiration.getTime())) return "Expiration is not a date";
  return undefined;
}

/**
 * `credentials` as an STS `action` answered them, when well-formed; otherwise a {@link VegasError}
 * naming the field (a hostile or broken endpoint must not get text into `env` output or the cache).
 */
export function checkedStsCredentials(action: string, credentials: Credentials): Credentials {
  const problem = credentialsProblem(credentials);
  if (problem) throw new VegasError(`STS ${action} answered unusable credentials: ${problem}`);
  return credentials;
}
