/**
 * A strict local emulator of AWS STS (Query protocol) for tests and the demo.
 *
 * It verifies SigV4 signatures, validates MFA codes (RFC 6238, ±1 step, a code is accepted only
 * once), enforces role trust, external IDs and session duration limits, and answers with the same
 * XML shapes and error codes as the real service. Faults (HTTP errors, delays, connection resets)
 * can be queued to exercise retry logic.
 *
 * Its clock is the real one plus {@link StsEmulator.clockOffsetMs}, so a test moves to the next TOTP
 * window, or past a credential's expiry, without waiting (tests/support/totp.ts passes the same
 * offset to code generators and to the program).
 *
 * Standalone: `deno run -A tests/support/sts_server.ts --config FILE.json [--verbose]` prints
 * `{"url":"http://127.0.0.1:PORT","port":PORT}` on stdout and serves until SIGINT/SIGTERM. The
 * JSON file holds the options of {@link startStsEmulator}. While it runs, these unsigned helper
 * endpoints (outside the STS path `/`) let other processes drive it:
 *
 * - `GET /_emulator/calls` → `StsCall[]` as JSON; `DELETE /_emulator/calls` clears them.
 * - `POST /_emulator/faults` with a JSON array of {@link Fault} → queued like `injectFaults`.
 * - `POST /_emulator/settings` with `{"issueLifetimeSeconds": N | null}`,
 *   `{"roleLifetimeSeconds": N | null}` and/or `{"clockOffsetMs": N}`.
 * - `POST /_emulator/expire` → every issued temporary credential expires now.
 *
 * It also serves the console sign-in (`GET /federation`, console pages): tests/support/federation.ts,
 * and IAM's access key actions (requests signed for `iam`): tests/support/iam.ts.
 *
 * @module
 */

import http from "node:http";
import { Buffer } from "node:buffer";
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { totpSync } from "./totp.ts";
import { createFederationEmulator, type FederationEmulator } from "./federation.ts";
import { createIamEmulator, type IamEmulator, IamError } from "./iam.ts";

/** An IAM user known to the emulator (long-term access key). */
export interface EmulatorUser {
  /** Long-term access key id, conventionally `AKIA…`. */
  accessKeyId: string;
  /** Long-term secret access key. */
  secretAccessKey: string;
  /** User ARN, e.g. `arn:aws:iam::111111111111:user/tester`. */
  arn: string;
  /** The user's MFA device serial (ARN or hardware serial). */
  mfaSerial?: string;
  /** Base32 TOTP secret of that MFA device. */
  totpSecret?: string;
}

/** An IAM role that users may assume. */
export interface EmulatorRole {
  /** Role ARN; may include a path (`arn:aws:iam::111111111111:role/team/app/Name`). */
  arn: string;
  /** MaxSessionDuration of the role in seconds (default 3600). */
  maxSessionDuration?: number;
  /** When set, AssumeRole must pass exactly this `ExternalId`. */
  externalId?: string;
  /**
   * Principal ARNs trusted by the role (user ARNs, role ARNs for chaining, assumed-role session
   * ARNs, or `arn:PARTITION:iam::ACCOUNT:root` for a whole account). Default: every principal.
   */
  trustedPrincipals?: string[];
  /** Whether the trust policy requires MFA (default true). */
  requireMfa?: boolean;
}

/**
 * A fault answered instead of (or before) the normal response:
 * - `{status, code?, message?}`: an STS XML error with that HTTP status and code;
 * - `{status, body, contentType?}`: that raw body;
 * - `{delayMs}`: wait, then answer normally;
 * - `{reset: true}`: destroy the TCP connection without answering.
 */
export type Fault =
  | { status: number; code?: string; message?: string; body?: string; contentType?: string }
  | { delayMs: number }
  | { reset: true };

/** One request received by the emulator. */
export interface StsCall {
  /** The `Action` parameter (empty when absent). */
  action: string;
  /** The access key id from the Authorization header, if any. */
  accessKeyId?: string;
  /** Whether the request was answered with a success response. */
  ok: boolean;
  /** The error code answered (`ConnectionReset` for a reset fault, `HTTP<status>` for raw ones). */
  errorCode?: string;
  /** HTTP status answered (0 for a reset). */
  status: number;
  /** Form and query parameters; `TokenCode` is replaced by `"******"`. */
  params: Record<string, string>;
  /** When the request was answered, on the emulator's clock (ISO 8601). */
  time: string;
}

/** Options of {@link startStsEmulator}. */
export interface StsEmulatorOptions {
  /** IAM users (long-term keys). */
  users: EmulatorUser[];
  /** Assumable roles. */
  roles: EmulatorRole[];
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; default `127.0.0.1`. */
  hostname?: string;
  /** Initial value of {@link StsEmulator.issueLifetimeSeconds}. */
  issueLifetimeSeconds?: number;
  /** Initial value of {@link StsEmulator.roleLifetimeSeconds}. */
  roleLifetimeSeconds?: number;
  /** Initial value of {@link StsEmulator.clockOffsetMs} (default 0). */
  clockOffsetMs?: number;
  /** Called for every recorded call (e.g. to log it). */
  onCall?: (call: StsCall) => void;
  /** Initial {@link IamEmulator.propagationMs}: how long a new access key takes to work. */
  iamPropagationMs?: number;
}

/** A running emulator. */
export interface StsEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (use it as the STS endpoint). */
  url: string;
  /** The port listened on. */
  port: number;
  /** Every STS request received, in order. */
  calls: StsCall[];
  /** Number of calls of `action` (only successful ones when `okOnly`). */
  count(action: string, okOnly?: boolean): number;
  /** Queues faults (FIFO); each following STS request consumes one. */
  injectFaults(...faults: Fault[]): void;
  /** When set, the lifetime in seconds of issued credentials, regardless of DurationSeconds. */
  issueLifetimeSeconds?: number;
  /**
   * When set, the lifetime in seconds of AssumeRole credentials only (before
   * {@link issueLifetimeSeconds}): short-lived roles under a long MFA session.
   */
  roleLifetimeSeconds?: number;
  /**
   * Milliseconds the emulator's clock is ahead of the real one. It dates everything: TOTP windows,
   * issued and expired credentials, the signature time check and {@link StsCall.time}. Only move it
   * forward (a code is single-use only while its window is within reach of the clock).
   */
  clockOffsetMs: number;
  /** Now on the emulator's clock (epoch milliseconds). */
  now(): number;
  /** Makes every temporary credential issued so far expired. */
  expireIssuedCredentials(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** The console sign-in (`/federation` and the console pages): tests/support/federation.ts. */
  federation: FederationEmulator;
  /** IAM access keys (every user's key lives there) and held requests: tests/support/iam.ts. */
  iam: IamEmulator;
}

const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
const API_VERSION = "2011-06-15";
const MAX_SKEW_MS = 15 * 60 * 1000;
const MSG_MFA_SERIAL = "MultiFactorAuthentication failed, unable to validate MFA code. " +
  "Please verify your MFA serial number is valid and associated with this user.";
const MSG_MFA_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
const MSG_BAD_TOKEN = "The security token included in the request is invalid.";
const MSG_BAD_SIGNATURE = "The request signature we calculated does not match the signature " +
  "you provided. Check your AWS Secret Access Key and signing method. Consult the service " +
  "documentation for details.";

class StsError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Who signed a request. */
interface Principal {
  kind: "user" | "session" | "assumed-role";
  /** The IAM user at the origin of the chain. */
  user: EmulatorUser;
  arn: string;
  userId: string;
  account: string;
  mfa: boolean;
  temporary: boolean;
  roleArn?: string;
}

interface TempCredential {
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
  principal: Principal;
}

/** Escapes text for XML element content. */
function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

/** RFC 3986 encoding as SigV4 requires. */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  const normalized = `/${segments.join("/")}${segments.length && rawPath.endsWith("/") ? "/" : ""}`;
  return uriEscape(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return "";
  const pairs = rawQuery.split("&").filter((p) => p !== "").map((p) => {
    const i = p.indexOf("=");
    const k = i < 0 ? p : p.slice(0, i);
    const v = i < 0 ? "" : p.slice(i + 1);
    return [uriEscape(safeDecode(k)), uriEscape(safeDecode(v))] as const;
  }).filter(([k]) => k !== "X-Amz-Signature");
  pairs.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** `20260102T030405Z` → epoch ms (NaN when malformed). */
function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** ISO 8601 UTC with seconds precision. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomId(n: number): string {
  const bytes = randomBytes(n);
  let out = "";
  for (const b of bytes) out += ID_ALPHABET[b & 31];
  return out;
}

/** Stable IAM-style unique id (`AROA…`, `AIDA…`) derived from an ARN. */
function stableId(prefix: string, arn: string): string {
  const digest = createHash("sha256").update(arn).digest();
  let out = prefix;
  for (let i = 0; i < 17; i++) out += ID_ALPHABET[digest[i] & 31];
  return out;
}

interface ParsedArn {
  partition: string;
  account: string;
  name: string;
}

function parseIamArn(arn: string, type: "role" | "user"): ParsedArn | undefined {
  const m = new RegExp(`^arn:([\\w-]+):iam::(\\d{12}):${type}/(?:[^/]+/)*([\\w+=,.@-]+)$`).exec(
    arn,
  );
  return m ? { partition: m[1], account: m[2], name: m[3] } : undefined;
}

function accountOf(arn: string): string {
  return arn.split(":")[4] ?? "";
}

/** Collects AWS-style "N validation error(s) detected" messages. */
class Validator {
  readonly errors: string[] = [];

  check(
    field: string,
    value: string | undefined,
    rules: { required?: boolean; min?: number; max?: number; pattern?: string; mask?: boolean },
  ): void {
    if (value === undefined) {
      if (rules.required) {
        this.errors.push(
          `Value null at '${field}' failed to satisfy constraint: Member must not be null`,
        );
      }
      return;
    }
    const shown = rules.mask ? "******" : value;
    const fail = (c: string) =>
      this.errors.push(`Value '${shown}' at '${field}' failed to satisfy constraint: ${c}`);
    if (rules.min !== undefined && value.length < rules.min) {
      fail(`Member must have length greater than or equal to ${rules.min}`);
    }
    if (rules.max !== undefined && value.length > rules.max) {
      fail(`Member must have length less than or equal to ${rules.max}`);
    }
    if (rules.pattern && !new RegExp(`^${rules.pattern}$`).test(value)) {
      fail(`Member must satisfy regular expression pattern: ${rules.pattern}`);
    }
  }

  duration(value: string | undefined, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) {
      this.errors.push(
        `Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
      );
      return undefined;
    }
    const n = Number(value);
    const prefix = `Value '${value}' at 'durationSeconds' failed to satisfy constraint: `;
    if (n < min) {
      this.errors.push(`${prefix}Member must have value greater than or equal to ${min}`);
    }
    if (n > max) this.errors.push(`${prefix}Member must have value less than or equal to ${max}`);
    return n;
  }

  throwIfAny(): void {
    const n = this.errors.length;
    if (n === 0) return;
    throw new StsError(
      400,
      "ValidationError",
      `${n} validation error${n > 1 ? "s" : ""} detected: ${this.errors.join("; ")}`,
    );
  }
}

function errorXml(code: string, message: string, status: number, requestId: string): string {
  return `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n` +
    `    <Type>${status >= 500 ? "Receiver" : "Sender"}</Type>\n` +
    `    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n` +
    `  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
}

function successXml(action: string, result: string, requestId: string): string {
  return `<${action}Response xmlns="${XMLNS}">\n  <${action}Result>\n${result}  </${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</${action}Response>\n`;
}

function credentialsXml(c: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
}): string {
  return `    <Credentials>\n      <AccessKeyId>${xmlEscape(c.accessKeyId)}</AccessKeyId>\n` +
    `      <SecretAccessKey>${xmlEscape(c.secretAccessKey)}</SecretAccessKey>\n` +
    `      <SessionToken>${xmlEscape(c.sessionToken)}</SessionToken>\n` +
    `      <Expiration>${isoSeconds(c.expiresAtMs)}</Expiration>\n    </Credentials>\n`;
}

function headerValues(req: http.IncomingMessage, name: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === name) values.push(req.rawHeaders[i + 1]);
  }
  return values.length ? values.map((v) => v.trim().replace(/\s+/g, " ")).join(",") : undefined;
}

function readBody(req: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

/** Starts the emulator; resolves once it is listening. */
export async function startStsEmulator(opts: StsEmulatorOptions): Promise<StsEmulator> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const roles = new Map(opts.roles.map((r) => [r.arn, r]));
  const temp = new Map<string, TempCredential>();
  const usedCodes = new Set<string>();
  const faults: Fault[] = [];
  const calls: StsCall[] = [];
  const pendingDelays = new Set<() => void>();
  let closing = false;
  // Console sign-in: a separate module, sharing only the issued credentials and the clock.
  const federation = createFederationEmulator({
    lookup: (accessKeyId) => temp.get(accessKeyId),
    now: () => emu.now(),
  });
  const iam = createIamEmulator({
    users: opts.users,
    now: () => emu.now(),
    propagationMs: opts.iamPropagationMs,
  });

  const emu: StsEmulator = {
    url: "",
    port: 0,
    calls,
    issueLifetimeSeconds: opts.issueLifetimeSeconds,
    roleLifetimeSeconds: opts.roleLifetimeSeconds,
    clockOffsetMs: opts.clockOffsetMs ?? 0,
    now: () => Date.now() + emu.clockOffsetMs,
    count(action, okOnly = false) {
      return calls.filter((c) => c.action === action && (!okOnly || c.ok)).length;
    },
    injectFaults(...f) {
      faults.push(...f);
    },
    expireIssuedCredentials() {
      const now = emu.now();
      for (const c of temp.values()) c.expiresAtMs = Math.min(c.expiresAtMs, now - 1000);
    },
    close,
    federation,
    iam,
  };

  function record(call: Omit<StsCall, "time">): void {
    const full = { ...call, time: new Date(emu.now()).toISOString() };
    calls.push(full);
    opts.onCall?.(full);
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pendingDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pendingDelays.add(done);
      if (closing) done();
    });
  }

  // ---- authentication -------------------------------------------------------------------------

  function authenticate(req: http.IncomingMessage, body: Uint8Array): Principal {
    const auth = headerValues(req, "authorization");
    if (!auth) {
      throw new StsError(
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
      );
    }
    const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(auth);
    if (!m) {
      throw new StsError(
        400,
        "IncompleteSignature",
        "Unsupported AWS 'algorithm'; expected AWS4-HMAC-SHA256",
      );
    }
    const fields: Record<string, string> = {};
    for (const part of m[1].split(",")) {
      const i = part.indexOf("=");
      if (i > 0) fields[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
    for (const f of ["Credential", "SignedHeaders", "Signature"]) {
      if (!fields[f]) {
        throw new StsError(
          400,
          "IncompleteSignature",
          `Authorization header requires '${f}' parameter.`,
        );
      }
    }
    const scope = fields.Credential.split("/");
    if (scope.length !== 5 || scope[4] !== "aws4_request") {
      throw new StsError(
        400,
        "IncompleteSignature",
        "Credential should be scoped to a valid region, and a terminal 'aws4_request'.",
      );
    }
    const [accessKeyId, scopeDate, region, service] = scope;
    if (service !== "sts" && service !== "iam") {
      throw new StsError(
        403,
        "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: 'sts'. ",
      );
    }
    const amzDate = headerValues(req, "x-amz-date");
    if (!amzDate) {
      throw new StsError(
        400,
        "IncompleteSignature",
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    }
    const reqMs = parseAmzDate(amzDate);
    if (Number.isNaN(reqMs)) {
      throw new StsError(400, "IncompleteSignature", `Invalid X-Amz-Date '${amzDate}'.`);
    }
    const now = emu.now();
    if (reqMs < now - MAX_SKEW_MS) {
      throw new StsError(
        403,
        "SignatureDoesNotMatch",
        `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} ` +
          `(${formatAmzDate(now)} - 15 min.)`,
      );
    }
    if (reqMs > now + MAX_SKEW_MS) {
      throw new StsError(
        403,
        "SignatureDoesNotMatch",
        `Signature not yet current: ${amzDate} is still later than ` +
          `${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
      );
    }
    if (scopeDate !== amzDate.slice(0, 8)) {
      throw new StsError(
        403,
        "SignatureDoesNotMatch",
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
          `'${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      );
    }
    const signedHeaders = fields.SignedHeaders.toLowerCase().split(";");
    if (!signedHeaders.includes("host")) {
      throw new StsError(
        400,
        "IncompleteSignature",
        "'Host' must be a 'SignedHeader' in the AWS Authorization.",
      );
    }

    // Who is it?
    const token = headerValues(req, "x-amz-security-token");
    let secret: string;
    let principal: Principal;
    const key = iam.lookup(accessKeyId);
    const user = key?.user;
    const tmp = temp.get(accessKeyId);
    if (key && user) {
      if (token !== undefined) throw new StsError(403, "InvalidClientTokenId", MSG_BAD_TOKEN);
      secret = key.secretAccessKey;
      principal = {
        kind: "user",
        user,
        arn: user.arn,
        userId: stableId("AIDA", user.arn),
        account: accountOf(user.arn),
        mfa: false,
        temporary: false,
      };
    } else if (tmp) {
      if (token === undefined || token !== tmp.sessionToken) {
        throw new StsError(403, "InvalidClientTokenId", MSG_BAD_TOKEN);
      }
      if (now >= tmp.expiresAtMs) {
        throw new StsError(
          400,
          "ExpiredToken",
          "The security token included in the request is expired",
        );
      }
      secret = tmp.secretAccessKey;
      principal = tmp.principal;
    } else {
      throw new StsError(403, "InvalidClientTokenId", MSG_BAD_TOKEN);
    }

    // Payload hash.
    const actualHash = sha256Hex(body);
    const declared = headerValues(req, "x-amz-content-sha256");
    if (declared !== undefined && declared !== "UNSIGNED-PAYLOAD" && declared !== actualHash) {
      throw new StsError(
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const canonicalRequest = [
      req.method ?? "GET",
      canonicalPath(q < 0 ? rawUrl : rawUrl.slice(0, q)),
      canonicalQuery(q < 0 ? "" : rawUrl.slice(q + 1)),
      signedHeaders.map((h) => `${h}:${headerValues(req, h) ?? ""}\n`).join(""),
      signedHeaders.join(";"),
      declared ?? actualHash,
    ].join("\n");
    const stringToSign = [
      "AWS4-HMAC-SHA256",
      amzDate,
      `${scopeDate}/${region}/${service}/aws4_request`,
      sha256Hex(canonicalRequest),
    ].join("\n");
    const kDate = hmac(`AWS4${secret}`, scopeDate);
    const kSigning = hmac(hmac(hmac(kDate, region), service), "aws4_request");
    const expected = Buffer.from(createHmac("sha256", kSigning).update(stringToSign).digest("hex"));
    const given = Buffer.from(fields.Signature.toLowerCase());
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new StsError(403, "SignatureDoesNotMatch", MSG_BAD_SIGNATURE);
    }
    return principal;
  }

  // ---- MFA ------------------------------------------------------------------------------------

  /** Returns whether MFA was presented (and valid); throws on a failed MFA check. */
  function checkMfa(principal: Principal, serial?: string, code?: string): boolean {
    if (serial === undefined && code === undefined) return false;
    const user = principal.user;
    if (serial === undefined || !user.mfaSerial || serial !== user.mfaSerial) {
      throw new StsError(403, "AccessDenied", MSG_MFA_SERIAL);
    }
    if (code === undefined || !user.totpSecret) {
      throw new StsError(403, "AccessDenied", MSG_MFA_CODE);
    }
    const now = emu.now();
    for (const d of [0, -1, 1]) {
      const t = now + d * 30_000;
      if (totpSync(user.totpSecret, t) !== code) continue;
      const key = `${serial}|${Math.floor(t / 30_000)}`;
      if (usedCodes.has(key)) continue;
      usedCodes.add(key);
      return true;
    }
    throw new StsError(403, "AccessDenied", MSG_MFA_CODE);
  }

  function issue(principal: Principal, durationSeconds: number) {
    const lifetime = (principal.kind === "assumed-role" ? emu.roleLifetimeSeconds : undefined) ??
      emu.issueLifetimeSeconds ?? durationSeconds;
    const accessKeyId = `ASIA${randomId(16)}`;
    const cred: TempCredential = {
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(330).toString("base64")}`,
      expiresAtMs: Math.floor(emu.now() / 1000) * 1000 + lifetime * 1000,
      principal,
    };
    temp.set(accessKeyId, cred);
    return { accessKeyId, ...cred };
  }

  // ---- actions --------------------------------------------------------------------------------

  function assumeRole(p: Record<string, string>, principal: Principal): string {
    const v = new Validator();
    v.check("roleArn", p.RoleArn, { required: true, min: 20, max: 2048 });
    v.check("roleSessionName", p.RoleSessionName, {
      required: true,
      min: 2,
      max: 64,
      pattern: "[\\w+=,.@-]*",
    });
    const requested = v.duration(p.DurationSeconds, 900, 43200);
    v.check("externalId", p.ExternalId, { min: 2, max: 1224, pattern: "[\\w+=,.@:\\/-]*" });
    v.check("serialNumber", p.SerialNumber, { min: 9, max: 256, pattern: "[\\w+=/:,.@-]*" });
    v.check("tokenCode", p.TokenCode, { min: 6, max: 6, pattern: "[\\d]*", mask: true });
    v.throwIfAny();
    const duration = requested ?? 3600;

    const mfa = checkMfa(principal, p.SerialNumber, p.TokenCode) || principal.mfa;
    const role = roles.get(p.RoleArn);
    const parsed = parseIamArn(p.RoleArn, "role");
    const denied = new StsError(
      403,
      "AccessDenied",
      `User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${p.RoleArn}`,
    );
    if (!role || !parsed) throw denied;
    const trusted = role.trustedPrincipals;
    if (
      trusted && !trusted.some((t) =>
        t === principal.arn || t === principal.roleArn ||
        t === `arn:${parsed.partition}:iam::${principal.account}:root`
      )
    ) throw denied;
    if ((role.requireMfa ?? true) && !mfa) throw denied;
    if (role.externalId !== undefined && p.ExternalId !== role.externalId) throw denied;
    if (principal.temporary && duration > 3600) {
      throw new StsError(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role " +
          "chaining.",
      );
    }
    if (duration > (role.maxSessionDuration ?? 3600)) {
      throw new StsError(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }
    const session = p.RoleSessionName;
    const assumedRoleId = `${stableId("AROA", role.arn)}:${session}`;
    const arn =
      `arn:${parsed.partition}:sts::${parsed.account}:assumed-role/${parsed.name}/${session}`;
    const cred = issue({
      kind: "assumed-role",
      user: principal.user,
      arn,
      userId: assumedRoleId,
      account: parsed.account,
      mfa,
      temporary: true,
      roleArn: role.arn,
    }, duration);
    return credentialsXml(cred) +
      `    <AssumedRoleUser>\n      <AssumedRoleId>${xmlEscape(assumedRoleId)}</AssumedRoleId>\n` +
      `      <Arn>${xmlEscape(arn)}</Arn>\n    </AssumedRoleUser>\n`;
  }

  function getSessionToken(p: Record<string, string>, principal: Principal): string {
    const v = new Validator();
    const requested = v.duration(p.DurationSeconds, 900, 129600);
    v.check("serialNumber", p.SerialNumber, { min: 9, max: 256, pattern: "[\\w+=/:,.@-]*" });
    v.check("tokenCode", p.TokenCode, { min: 6, max: 6, pattern: "[\\d]*", mask: true });
    v.throwIfAny();
    if (principal.temporary) {
      throw new StsError(
        403,
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
      );
    }
    const mfa = checkMfa(principal, p.SerialNumber, p.TokenCode);
    const cred = issue({ ...principal, kind: "session", mfa, temporary: true }, requested ?? 43200);
    return credentialsXml(cred);
  }

  function getCallerIdentity(principal: Principal): string {
    return `    <Arn>${xmlEscape(principal.arn)}</Arn>\n` +
      `    <UserId>${xmlEscape(principal.userId)}</UserId>\n` +
      `    <Account>${xmlEscape(principal.account)}</Account>\n`;
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  /** Answers `body`; an empty `requestId` omits `x-amzn-RequestId` (as a proxy's page would). */
  function send(
    res: http.ServerResponse,
    status: number,
    body: string,
    requestId: string,
    contentType = "text/xml",
  ): void {
    const bytes = Buffer.from(body);
    const headers: Record<string, string> = {
      "content-type": contentType,
      "content-length": String(bytes.length),
      // The SDK corrects its clock from this header after a clock skew error.
      date: new Date(emu.now()).toUTCString(),
    };
    if (requestId) headers["x-amzn-requestid"] = requestId;
    res.writeHead(status, headers);
    res.end(bytes);
  }

  /** The unsigned `/_emulator/*` helper endpoints used by other processes. */
  function admin(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    body: Uint8Array,
  ): void {
    const json = (status: number, value: unknown) =>
      send(res, status, JSON.stringify(value), "", "application/json");
    try {
      const input = body.length ? JSON.parse(new TextDecoder().decode(body)) : undefined;
      if (path === "/_emulator/calls" && req.method === "GET") return json(200, calls);
      if (path === "/_emulator/calls" && req.method === "DELETE") {
        calls.length = 0;
        return json(200, {});
      }
      if (path === "/_emulator/faults" && req.method === "POST") {
        emu.injectFaults(...(Array.isArray(input) ? input : [input]));
        return json(200, { queued: faults.length });
      }
      if (path === "/_emulator/settings" && req.method === "POST") {
        if (!input || "issueLifetimeSeconds" in input) {
          emu.issueLifetimeSeconds = input?.issueLifetimeSeconds ?? undefined;
        }
        if (input && "roleLifetimeSeconds" in input) {
          emu.roleLifetimeSeconds = input.roleLifetimeSeconds ?? undefined;
        }
        if (typeof input?.clockOffsetMs === "number") emu.clockOffsetMs = input.clockOffsetMs;
        return json(200, {});
      }
      if (path === "/_emulator/expire" && req.method === "POST") {
        emu.expireIssuedCredentials();
        return json(200, {});
      }
      json(404, { error: "unknown emulator endpoint" });
    } catch (e) {
      json(400, { error: String(e) });
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const rawUrl = req.url ?? "/";
    const path = rawUrl.split("?")[0];
    if (path.startsWith("/_emulator/")) return admin(req, res, path, body);
    if (federation.handle(req, res)) return;

    const params: Record<string, string> = {};
    const q = rawUrl.indexOf("?");
    if (q >= 0) new URLSearchParams(rawUrl.slice(q + 1)).forEach((v, k) => (params[k] = v));
    const contentType = headerValues(req, "content-type") ?? "";
    if (
      req.method === "POST" && (contentType === "" || contentType.includes("x-www-form-urlencoded"))
    ) {
      new URLSearchParams(new TextDecoder().decode(body)).forEach((v, k) => (params[k] = v));
    }
    const masked = { ...params };
    if ("TokenCode" in masked) masked.TokenCode = "******";
    const action = params.Action ?? "";
    const auth = headerValues(req, "authorization") ?? "";
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(auth)?.[1];
    const requestId = randomUUID();
    const base = { action, accessKeyId, params: masked };

    const fault = faults.shift();
    if (fault && "reset" in fault) {
      record({ ...base, ok: false, errorCode: "ConnectionReset", status: 0 });
      req.socket.destroy();
      return;
    }
    if (fault && "status" in fault) {
      if (fault.body !== undefined) {
        record({
          ...base,
          ok: false,
          errorCode: fault.code ?? `HTTP${fault.status}`,
          status: fault.status,
        });
        return send(res, fault.status, fault.body, "", fault.contentType ?? "text/plain");
      }
      const code = fault.code ?? (fault.status >= 500 ? "InternalFailure" : "Throttling");
      const message = fault.message ??
        (code === "Throttling"
          ? "Rate exceeded"
          : "The request processing has failed because of an unknown error, exception or failure.");
      record({ ...base, ok: false, errorCode: code, status: fault.status });
      return send(res, fault.status, errorXml(code, message, fault.status, requestId), requestId);
    }
    if (fault && "delayMs" in fault) await delay(fault.delayMs);

    try {
      const principal = authenticate(req, body);
      if (!action) throw new StsError(400, "MissingAction", "Missing Action");
      if (!await iam.gate(action, "before")) return void req.socket.destroy();
      if (/Credential=[^/]+\/[^/]+\/[^/]+\/iam\//.test(auth)) {
        const answer = iam.call(action, params, principal, requestId);
        if (!await iam.gate(action, "after")) return void req.socket.destroy();
        record({ ...base, ok: true, status: 200 });
        return send(res, 200, answer, requestId);
      }
      const version = params.Version ?? API_VERSION;
      let result: string;
      if (version !== API_VERSION) {
        throw new StsError(
          400,
          "InvalidAction",
          `Could not find operation ${action} for version ${version}`,
        );
      } else if (action === "AssumeRole") result = assumeRole(params, principal);
      else if (action === "GetSessionToken") result = getSessionToken(params, principal);
      else if (action === "GetCallerIdentity") result = getCallerIdentity(principal);
      else {
        throw new StsError(
          400,
          "InvalidAction",
          `Could not find operation ${action} for version ${version}`,
        );
      }
      if (!await iam.gate(action, "after")) return void req.socket.destroy();
      record({ ...base, ok: true, status: 200 });
      send(res, 200, successXml(action, result, requestId), requestId);
    } catch (e) {
      const err = e instanceof StsError || e instanceof IamError
        ? e
        : new StsError(500, "InternalFailure", `emulator bug: ${(e as Error)?.message ?? e}`);
      record({ ...base, ok: false, errorCode: err.code, status: err.status });
      send(res, err.status, errorXml(err.code, err.message, err.status, requestId), requestId);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, hostname, () => resolve());
  });
  const address = server.address();
  emu.port = typeof address === "object" && address ? address.port : 0;
  emu.url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${emu.port}`;

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    for (const done of [...pendingDelays]) done();
    iam.releaseAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  return emu;
}

if (import.meta.main) {
  const args = Deno.args;
  const i = args.indexOf("--config");
  if (i < 0 || !args[i + 1]) {
    console.error("usage: sts_server.ts --config FILE.json [--verbose]");
    Deno.exit(2);
  }
  const options = JSON.parse(Deno.readTextFileSync(args[i + 1])) as StsEmulatorOptions;
  if (args.includes("--verbose")) {
    options.onCall = (c) => console.error(`sts-emulator: ${JSON.stringify(c)}`);
  }
  const emu = await startStsEmulator(options);
  console.log(JSON.stringify({ url: emu.url, port: emu.port }));
  const stop = async () => {
    await emu.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
