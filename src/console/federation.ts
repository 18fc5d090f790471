/**
 * AWS console sign-in through the federation endpoint: the partition table, the console URL for a
 * service and region, the `getSigninToken` request and the `login` URL.
 *
 * The sign-in token, and so the login URL, lets anyone who holds it into the console as the role
 * for 15 minutes: nothing here logs either, and no error message repeats a URL that carries a
 * secret (Deno's own fetch errors quote the URL, so they are rewritten).
 * @module
 */
import type { Credentials } from "../credentials.ts";
import { ConfigError, VegasError } from "../errors.ts";
import { redact } from "./redact.ts";

/** The sign-in and console hosts of one AWS partition. */
export interface Partition {
  /** The `federation` endpoint. */
  readonly federationUrl: string;
  /** The console's base URL (with a trailing slash). */
  readonly consoleUrl: string;
  /** The region the console opens in when neither `--region` nor the profile names one. */
  readonly defaultRegion: string;
}

/** Partitions whose console sign-in is known. Isolated partitions have no public console. */
export const PARTITIONS: Readonly<Record<string, Partition>> = {
  aws: {
    federationUrl: "https://signin.aws.amazon.com/federation",
    consoleUrl: "https://console.aws.amazon.com/",
    defaultRegion: "us-east-1",
  },
  "aws-cn": {
    federationUrl: "https://signin.amazonaws.cn/federation",
    consoleUrl: "https://console.amazonaws.cn/",
    defaultRegion: "cn-north-1",
  },
  "aws-us-gov": {
    federationUrl: "https://signin.amazonaws-us-gov.com/federation",
    consoleUrl: "https://console.amazonaws-us-gov.com/",
    defaultRegion: "us-gov-west-1",
  },
};

/** Environment variable overriding the federation endpoint (the full URL; tests use it). */
export const FEDERATION_URL_ENV = "VEGAS_CREDENTIALS_FEDERATION_URL";

/** The sign-in token lasts this long (AWS's fixed lifetime). */
export const SIGNIN_TOKEN_MINUTES = 15;

/** The name the console shows as the sign-in's issuer. */
export const ISSUER = "vegas-credentials";

/** `arn:aws-cn:iam::…` → `aws-cn`. */
export function partitionOf(arn: string): string {
  return arn.split(":")[1] ?? "";
}

/**
 * The endpoints for `partition`; undefined when it has no known console. `override` (the value of
 * {@link FEDERATION_URL_ENV}) replaces the federation endpoint, and the console base is then the
 * folder that endpoint is in (`http://127.0.0.1:8080/federation` → `http://127.0.0.1:8080/`).
 * Plain `http` is accepted only for loopback hosts: the credentials travel in the query string.
 */
export function partitionEndpoints(
  partition: string,
  override?: string,
): Partition | undefined {
  const known = Object.hasOwn(PARTITIONS, partition) ? PARTITIONS[partition] : undefined;
  if (!known || !override) return known;
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    throw new ConfigError(`${FEDERATION_URL_ENV} '${override}' is not a URL`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(
      `${FEDERATION_URL_ENV} '${override}' must be an https URL (http only for 127.0.0.1, ` +
        "localhost or [::1])",
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      `${FEDERATION_URL_ENV} '${url.origin}${url.pathname}…' must be a plain endpoint URL, ` +
        "without query, fragment or user name",
    );
  }
  return {
    federationUrl: url.href,
    consoleUrl: new URL("./", url).href,
    defaultRegion: known.defaultRegion,
  };
}

/** `--service` values: a console path segment (`ec2`, `cloudwatch`, `s3`…). */
export const SERVICE_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `--region` values: `us-east-1`, `cn-north-1`, `us-gov-west-1`… */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The console page to land on: `BASE/SERVICE/home?region=R`, or the console home
 * (`BASE/console/home?region=R`) without a service.
 */
export function destinationUrl(consoleUrl: string, region: string, service?: string): string {
  const url = new URL(`${service ?? "console"}/home`, consoleUrl);
  url.searchParams.set("region", region);
  return url.href;
}

/** The session document `getSigninToken` takes: the role's temporary credentials. */
export function sessionJson(credentials: Credentials): string {
  if (!credentials.sessionToken) {
    throw new VegasError("console sign-in needs temporary credentials with a session token");
  }
  return JSON.stringify({
    sessionId: credentials.accessKeyId,
    sessionKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  });
}

/** The `getSigninToken` request URL. Holds the credentials: never show it. */
export function signinTokenRequestUrl(federationUrl: string, credentials: Credentials): string {
  const url = new URL(federationUrl);
  url.search = new URLSearchParams({
    Action: "getSigninToken",
    Session: sessionJson(credentials),
  }).toString();
  return url.href;
}

/** The login URL the browser opens. A bearer secret for {@link SIGNIN_TOKEN_MINUTES} minutes. */
export function loginUrl(federationUrl: string, destination: string, signinToken: string): string {
  const url = new URL(federationUrl);
  url.search = new URLSearchParams({
    Action: "login",
    Issuer: ISSUER,
    Destination: destination,
    SigninToken: signinToken,
  }).toString();
  return url.href;
}

/**
 * Asks the federation endpoint for a sign-in token for `credentials`. Every failure is a
 * {@link VegasError} of one line that names the endpoint (without its query) and the profile.
 */
export async function fetchSigninToken(
  federationUrl: string,
  credentials: Credentials,
  profile: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<string> {
  const requestUrl = signinTokenRequestUrl(federationUrl, credentials);
  const secrets = [
    requestUrl,
    credentials.secretAccessKey,
    credentials.sessionToken ?? "",
    sessionJson(credentials),
  ];
  const where = `the AWS sign-in endpoint ${federationUrl}`;
  let response: Response;
  let body: string;
  try {
    response = await (options.fetch ?? fetch)(requestUrl, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    body = await response.text();
  } catch (error) {
    const reason = error instanceof DOMException && error.name === "TimeoutError"
      ? "no answer in time"
      : lastClause(redact(innermostMessage(error), secrets));
    // Not passed on as `cause`: Deno's fetch errors quote the request URL, credentials and all.
    throw new VegasError(`cannot reach ${where} for profile '${profile}': ${reason}`);
  }
  if (response.status !== 200) {
    const refused = response.status >= 400 && response.status < 500;
    throw new VegasError(
      refused
        ? `${where} refused the credentials of profile '${profile}' (HTTP ${response.status}): ` +
          "they may have expired or been revoked; " +
          `'vegas-credentials cache clean --profile ${profile}' makes the next run get new ones`
        : `${where} failed for profile '${profile}' (HTTP ${response.status}); try again later`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(body) as { SigninToken?: unknown } | null)?.SigninToken;
  } catch {
    throw new VegasError(`${where} answered profile '${profile}' with something other than JSON`);
  }
  if (typeof token !== "string" || token === "") {
    throw new VegasError(`${where} answered profile '${profile}' without a SigninToken`);
  }
  return token;
}

/** The message of the deepest `cause` (Deno's fetch says only "fetch failed" on top). */
function innermostMessage(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 10 && current instanceof Error && current.cause; depth++) {
    current = current.cause;
  }
  return current instanceof Error ? current.message : String(current);
}

/**
 * The most specific part of a network error (`… : tcp connect error: Connection refused (os error
 * 111)` → `Connection refused (os error 111)`), on one line.
 */
function lastClause(message: string): string {
  const line = message.split("\n")[0];
  const parts = line.split(": ").map((part) => part.trim()).filter(Boolean);
  return parts.at(-1) ?? "network error";
}
