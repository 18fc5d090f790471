/**
 * The credential server of `exec --server`: a container-credentials endpoint, the format every AWS
 * SDK and the AWS CLI read through `AWS_CONTAINER_CREDENTIALS_FULL_URI` and refresh from on their
 * own, so a command that outlives the role's hour keeps working.
 *
 * It serves one child: 127.0.0.1 only, a random port and path, `GET` only, a random 256-bit token
 * compared in constant time, and only a `Host` header naming this loopback address (a web page
 * that rebinds its own name to 127.0.0.1 cannot read it). Every refusal is one line of JSON;
 * nothing it says or logs holds a token or a key.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Credentials, formatExpiration, freshness } from "./credentials.ts";
import type { Env, SharedFiles } from "./config/files.ts";
import { ConfigError } from "./errors.ts";
import type { Ui } from "./ui.ts";

/** The variables that point the child's AWS SDKs at the server. */
export const FULL_URI_ENV = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/** See {@link FULL_URI_ENV}. */
export const TOKEN_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/**
 * Variables the child must not inherit in server mode, on top of exec's own list: each would make
 * the SDKs take other credentials before (or instead of) the server's.
 */
export const SERVER_REMOVED_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
] as const;

/**
 * Keys of the `default` profile that the AWS SDKs use before container credentials (the child
 * runs without AWS_PROFILE, so that is the profile they read).
 */
const SHADOWING_KEYS = [
  "aws_access_key_id",
  "credential_process",
  "role_arn",
  "sso_session",
  "sso_start_url",
  "web_identity_token_file",
] as const;

/**
 * Refuses a `default` profile the child's AWS tools would take credentials from before asking the
 * server: the command would silently run as someone else (typically the IAM user whose keys are
 * in `[default]`, the usual source profile).
 */
export function checkDefaultProfile(files: SharedFiles, profile: string): void {
  const values = files.profiles.get("default");
  const key = SHADOWING_KEYS.find((name) => values?.get(name));
  if (!key) return;
  const file = files.credentials.get("default")?.get(key)
    ? files.credentialsFile
    : files.configFile;
  throw new ConfigError(
    `exec --server: profile 'default' in ${file} has ${key}, which AWS tools use before ` +
      `container credentials, so the command would not run as profile '${profile}'; move it ` +
      `to a profile of its own (e.g. [iam], and vegas_source_profile = iam) or run exec ` +
      `without --server`,
  );
}

/**
 * Test-only: a smaller freshness margin for this process, so that the end-to-end tests see role
 * credentials of a few seconds refreshed without waiting (the AWS SDKs run on the real clock, so
 * only credentials that really expire within seconds make them refresh). Read here, by
 * `exec --server` only, never on the cache-hit path; it can only lower the margin.
 */
export const TEST_MARGIN_ENV = "VEGAS_CREDENTIALS_TEST_FRESHNESS_MARGIN_SECONDS";

/** Applies {@link TEST_MARGIN_ENV} when set. */
export function applyTestMargin(env: Env): void {
  const value = env(TEST_MARGIN_ENV) ?? "";
  if (/^\d{1,3}$/.test(value) && Number(value) < freshness.marginSeconds) {
    freshness.marginSeconds = Number(value);
  }
}

/** A refresh slower than this, while the previous credentials last, answers those instead. */
const GRACE_MS = 1_000;
/** …as long as they have at least this much left (the SDKs' own timeouts are seconds). */
const GRACE_MIN_LEFT_MS = 60_000;
/**
 * After a failed refresh, while the previous credentials serve, the next one waits this long: the
 * SDKs ask on every call near expiry, and a cancelled MFA prompt must not come straight back.
 */
const RETRY_AFTER_MS = 60_000;

/**
 * One refresh at a time: concurrent requests share the one in flight. A refresh that waits for an
 * MFA prompt would outlast the callers' timeouts (botocore gives up after 3 × 2 s), so while the
 * last credentials still have a minute left, a request waiting more than a second gets those. A
 * refresh that fails meanwhile is reported (`report`), once until the reason changes or a refresh
 * succeeds, and not tried again for {@link RETRY_AFTER_MS}: the command goes on with the previous
 * credentials, and the user can act before those run out.
 */
export class CredentialSupply {
  #fetch: () => Promise<Credentials>;
  #now: () => number;
  #graceMs: number;
  #report: (reason: string, minutesLeft: number) => void;
  #last: Credentials | undefined;
  #pending: Promise<Credentials> | undefined;
  #reported: string | undefined;
  /** No refresh before this time (after a failed one), while the previous credentials serve. */
  #retryAt = 0;

  constructor(
    fetch: () => Promise<Credentials>,
    options: {
      last?: Credentials;
      now?: () => number;
      graceMs?: number;
      /**
       * Says a failed refresh the command does not see: its reason, and the whole minutes the
       * previous credentials, which serve meanwhile, still last.
       */
      report?: (reason: string, minutesLeft: number) => void;
    } = {},
  ) {
    this.#fetch = fetch;
    this.#last = options.last;
    this.#now = options.now ?? Date.now;
    this.#graceMs = options.graceMs ?? GRACE_MS;
    this.#report = options.report ?? (() => {});
  }

  /** Current credentials: the fetch's (fresh from the cache, else refreshed), or see above. */
  async get(): Promise<Credentials> {
    if (!this.#pending && this.#now() < this.#retryAt && this.#serves(this.#last)) {
      return this.#last;
    }
    const pending = this.#pending ??= this.#fetch()
      .then((credentials) => {
        this.#reported = undefined;
        this.#retryAt = 0;
        return this.#last = credentials;
      }, (error) => {
        this.#failed(error);
        throw error;
      })
      .finally(() => this.#pending = undefined);
    const last = this.#last;
    if (!this.#serves(last)) return await pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#graceMs);
    });
    try {
      return await Promise.race([pending.catch(() => undefined), grace]) ?? last;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether `last` may answer in place of a refresh: it has at least a minute left. */
  #serves(last: Credentials | undefined): last is Credentials {
    return last !== undefined && last.expiration.getTime() - this.#now() >= GRACE_MIN_LEFT_MS;
  }

  /** Reports a failed refresh when the previous credentials serve on (else the request fails). */
  #failed(error: unknown): void {
    const leftMs = (this.#last?.expiration.getTime() ?? 0) - this.#now();
    if (leftMs < GRACE_MIN_LEFT_MS) return;
    this.#retryAt = this.#now() + RETRY_AFTER_MS;
    const reason = error instanceof Error ? error.message : String(error);
    if (reason === this.#reported) return;
    this.#reported = reason;
    this.#report(reason, Math.floor(leftMs / 60_000));
  }
}

/** The JSON a container-credentials endpoint answers. */
export function containerCredentialsJson(credentials: Credentials, roleArn: string): string {
  return JSON.stringify({
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken,
    Expiration: formatExpiration(credentials.expiration),
    AccountId: roleArn.split(":")[4],
    RoleArn: roleArn,
  });
}

/** A running server; dispose (or `close`) it to stop listening and drop every connection. */
export interface CredentialServer extends AsyncDisposable {
  /** The value of `AWS_CONTAINER_CREDENTIALS_FULL_URI`: `http://127.0.0.1:PORT/PATH`. */
  readonly url: string;
  /** The value of `AWS_CONTAINER_AUTHORIZATION_TOKEN`. */
  readonly token: string;
  close(): Promise<void>;
}

/** What the server needs. */
export interface ServerOptions {
  /** Credentials per request: {@link CredentialSupply.get}. */
  readonly credentials: () => Promise<Credentials>;
  readonly roleArn: string;
  readonly ui: Ui;
}

function randomText(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...data)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Equal strings, in time that does not depend on where they differ (or on their lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function refusal(status: number, code: string, message: string, headers = {}): Response {
  return new Response(JSON.stringify({ code, message }) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

/** Starts the server on 127.0.0.1 and a random port. */
export async function startCredentialServer(options: ServerOptions): Promise<CredentialServer> {
  const path = `/${randomText(18)}`;
  const token = randomText(32);
  const { ui } = options;
  let hosts: string[] = [];
  let closed: Promise<void> | undefined;
  const refuse = (status: number, code: string, why: string, headers = {}) => {
    ui.debug(`credential server: refused a request (${why})`);
    return refusal(status, code, why, headers);
  };
  const handler = async (request: Request): Promise<Response> => {
    // The Host check comes first: a rebinding page learns nothing, not even 404 from 405.
    if (!hosts.includes(request.headers.get("host")?.toLowerCase() ?? "")) {
      return refuse(400, "BadHost", "the Host header must name this loopback server");
    }
    const url = new URL(request.url);
    if (url.pathname !== path || url.search !== "") return refuse(404, "NotFound", "no such path");
    if (request.method !== "GET") {
      return refuse(405, "MethodNotAllowed", "only GET is served", { allow: "GET" });
    }
    if (!sameSecret(request.headers.get("authorization") ?? "", token)) {
      return refuse(403, "Forbidden", "wrong or missing authorization token");
    }
    try {
      const credentials = await Promise.race([options.credentials(), closing.promise]);
      ui.debug(
        `credential server: answered credentials expiring at ` +
          formatExpiration(credentials.expiration),
      );
      return new Response(containerCredentialsJson(credentials, options.roleArn) + "\n", {
        headers: { "content-type": "application/json", "cache-control": "no-store" },
      });
    } catch (error) {
      if (closed) return refusal(503, "Closing", "the command has ended");
      const message = error instanceof Error ? error.message : String(error);
      ui.info(`credential server: no credentials for the command: ${message}`);
      return refusal(500, "RefreshFailed", message);
    }
  };
  // Closing answers the requests still waiting (on an MFA prompt) at once: the command is gone.
  const closing = Promise.withResolvers<never>();
  closing.promise.catch(() => {});
  const listening = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => listening.resolve(port),
    onError: () => refusal(500, "InternalError", "the credential server failed"),
  }, handler);
  const port = await listening.promise;
  hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const close = () => {
    closing.reject(new Error("the command has ended"));
    return closed ??= server.shutdown().catch(() => {});
  };
  return {
    url: `http://127.0.0.1:${port}${path}`,
    token,
    close,
    [Symbol.asyncDispose]: close,
  };
}
