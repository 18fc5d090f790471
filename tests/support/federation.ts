/**
 * The AWS console sign-in, emulated for tests: the federation endpoint and a tiny console, served
 * by the STS emulator (tests/support/sts_server.ts delegates to {@link FederationEmulator.handle}).
 *
 * - `GET /federation?Action=getSigninToken&Session=JSON` answers `{"SigninToken": …}` only for a
 *   session whose keys the STS emulator issued by AssumeRole and that has not expired on its clock
 *   (HTTP 400 otherwise, as AWS does); the token lasts 15 minutes.
 * - `GET /federation?Action=login&Issuer=…&Destination=URL&SigninToken=…` with a valid token sets a
 *   console session cookie and redirects (302) to the destination, which must be on this server.
 * - `GET /SERVICE/home?region=R` is the console page: with the session cookie it names the role,
 *   account, service and region; without it, "not signed in" (HTTP 403).
 *
 * Faults queued with {@link FederationEmulator.injectFaults} answer the next `getSigninToken`
 * requests instead (HTTP errors, non-JSON bodies).
 * @module
 */
import type http from "node:http";
import { randomBytes } from "node:crypto";

/** Path of the federation endpoint: `VEGAS_CREDENTIALS_FEDERATION_URL` is `STS_URL + this`. */
export const FEDERATION_PATH = "/federation";

/** What the emulator needs to know about an issued temporary credential. */
export interface IssuedCredential {
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAtMs: number;
  readonly principal: {
    readonly kind: string;
    /** `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`. */
    readonly arn: string;
    readonly account: string;
    readonly roleArn?: string;
  };
}

/** A raw answer to the next `getSigninToken` request. */
export interface FederationFault {
  readonly status: number;
  readonly body?: string;
  readonly contentType?: string;
}

/** One request to the federation endpoint or the console (no secrets recorded). */
export interface FederationCall {
  /** `getSigninToken`, `login` or `console`. */
  readonly action: string;
  readonly ok: boolean;
  readonly status: number;
  /** For `login` and `console`: the page (path and query) asked for. */
  readonly page?: string;
}

/** The emulated sign-in. */
export interface FederationEmulator {
  /** Every request, in order. */
  readonly calls: FederationCall[];
  /** Queues raw answers (FIFO) for the next `getSigninToken` requests. */
  injectFaults(...faults: FederationFault[]): void;
  /** Answers `req` when it is a sign-in or console request; false when it is not one. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
}

const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const COOKIE = "aws-console-session";

interface SignIn {
  readonly principal: IssuedCredential["principal"];
  readonly expiresAtMs: number;
  readonly issuer?: string;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title>
<style>
  body { margin: 0; font-family: "DejaVu Sans", sans-serif; background: #f2f3f3; color: #16191f; }
  header { background: #232f3e; color: #fff; padding: 14px 24px; font-size: 20px; }
  header small { color: #ff9900; margin-left: 8px; font-size: 14px; }
  main { margin: 24px; padding: 20px 24px; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 3px rgba(0, 0, 0, .2); }
  h1 { font-size: 22px; margin-top: 0; }
  dt { color: #545b64; margin-top: 10px; } dd { margin-left: 0; font-size: 18px; }
</style></head>
<body><header>AWS Management Console<small>emulated by the vegas-credentials tests</small></header>
<main>${body}</main></body></html>
`;
}

/** `arn:aws:sts::222222222222:assumed-role/SingerRole/Frank` → `SingerRole/Frank`. */
function roleSession(arn: string): string {
  return arn.split(":assumed-role/")[1] ?? arn;
}

/** Creates the emulator; `lookup` finds an issued credential by access key id. */
export function createFederationEmulator(options: {
  lookup: (accessKeyId: string) => IssuedCredential | undefined;
  now: () => number;
}): FederationEmulator {
  const tokens = new Map<string, SignIn>();
  const sessions = new Map<string, SignIn>();
  const faults: FederationFault[] = [];
  const calls: FederationCall[] = [];

  function send(
    res: http.ServerResponse,
    status: number,
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      "content-type": contentType,
      "content-length": String(new TextEncoder().encode(body).length),
      "cache-control": "no-store",
      ...headers,
    });
    res.end(body);
  }

  function getSigninToken(params: URLSearchParams, res: http.ServerResponse): void {
    const fault = faults.shift();
    if (fault) {
      calls.push({ action: "getSigninToken", ok: false, status: fault.status });
      return send(res, fault.status, fault.body ?? "", fault.contentType ?? "text/plain");
    }
    let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown } | null;
    try {
      session = JSON.parse(params.get("Session") ?? "");
    } catch {
      session = null;
    }
    const issued = typeof session?.sessionId === "string"
      ? options.lookup(session.sessionId)
      : undefined;
    const valid = issued !== undefined &&
      session?.sessionKey === issued.secretAccessKey &&
      session?.sessionToken === issued.sessionToken &&
      issued.principal.kind === "assumed-role" &&
      options.now() < issued.expiresAtMs;
    if (!valid) {
      calls.push({ action: "getSigninToken", ok: false, status: 400 });
      return send(res, 400, page("Bad Request", "<h1>Bad Request</h1>"), "text/html");
    }
    const token = randomBytes(240).toString("base64url");
    tokens.set(token, {
      principal: issued.principal,
      expiresAtMs: options.now() + TOKEN_LIFETIME_MS,
    });
    calls.push({ action: "getSigninToken", ok: true, status: 200 });
    send(res, 200, JSON.stringify({ SigninToken: token }), "application/json");
  }

  function login(
    params: URLSearchParams,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    const signIn = tokens.get(params.get("SigninToken") ?? "");
    let destination: URL | undefined;
    try {
      destination = new URL(params.get("Destination") ?? "");
    } catch { /* checked below */ }
    const page_ = destination ? destination.pathname + destination.search : undefined;
    if (!signIn || options.now() >= signIn.expiresAtMs) {
      calls.push({ action: "login", ok: false, status: 400, page: page_ });
      return send(
        res,
        400,
        page("Sign-in failed", "<h1>Your sign-in link is not valid</h1>"),
        "text/html",
      );
    }
    if (!destination || destination.host !== req.headers.host) {
      calls.push({ action: "login", ok: false, status: 400, page: page_ });
      return send(
        res,
        400,
        page("Sign-in failed", "<h1>Destination is not a console URL</h1>"),
        "text/html",
      );
    }
    const id = randomBytes(24).toString("base64url");
    sessions.set(id, { ...signIn, issuer: params.get("Issuer") ?? undefined });
    calls.push({ action: "login", ok: true, status: 302, page: page_ });
    send(res, 302, "", "text/plain", {
      location: destination.href,
      "set-cookie": `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`,
    });
  }

  function consolePage(
    service: string,
    params: URLSearchParams,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    const pageName = `/${service}/home?${params}`;
    const cookie = (req.headers.cookie ?? "").split(/;\s*/)
      .find((part) => part.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1);
    const session = cookie ? sessions.get(cookie) : undefined;
    if (!session) {
      calls.push({ action: "console", ok: false, status: 403, page: pageName });
      return send(res, 403, page("Not signed in", "<h1>You are not signed in</h1>"), "text/html");
    }
    calls.push({ action: "console", ok: true, status: 200, page: pageName });
    const who = roleSession(session.principal.arn);
    const account = session.principal.account.replace(/^(\d{4})(\d{4})(\d{4})$/, "$1-$2-$3");
    const body = `<h1>Console Home</h1>
<dl>
  <dt>Signed in as</dt><dd id="identity">${html(who)} @ ${html(account)}</dd>
  <dt>Role</dt><dd id="role">${html(session.principal.roleArn ?? "")}</dd>
  <dt>Service</dt><dd id="service">${html(service)}</dd>
  <dt>Region</dt><dd id="region">${html(params.get("region") ?? "")}</dd>
  <dt>Signed in through</dt><dd id="issuer">${html(session.issuer ?? "")}</dd>
</dl>`;
    send(res, 200, page(`${who} | Console Home`, body), "text/html; charset=utf-8");
  }

  return {
    calls,
    injectFaults: (...more) => void faults.push(...more),
    handle(req, res) {
      const url = new URL(req.url ?? "/", "http://emulator");
      const service = /^\/([a-z0-9-]+)\/home$/.exec(url.pathname)?.[1];
      if (url.pathname !== FEDERATION_PATH && !service) return false;
      if (req.method !== "GET") {
        send(res, 405, "Method Not Allowed", "text/plain", { allow: "GET" });
        return true;
      }
      if (service) consolePage(service, url.searchParams, req, res);
      else if (url.searchParams.get("Action") === "getSigninToken") {
        getSigninToken(url.searchParams, res);
      } else if (url.searchParams.get("Action") === "login") login(url.searchParams, req, res);
      else {
        calls.push({ action: url.searchParams.get("Action") ?? "", ok: false, status: 400 });
        send(res, 400, page("Bad Request", "<h1>Bad Request</h1>"), "text/html");
      }
      return true;
    },
  };
}
