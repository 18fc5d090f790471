/**
 * IAM access keys, emulated for tests: the keys of the STS emulator's users and the IAM actions
 * `ListAccessKeys`, `CreateAccessKey`, `UpdateAccessKey` and `DeleteAccessKey` (Query protocol,
 * version 2010-05-08), served by tests/support/sts_server.ts behind the same SigV4 check (requests
 * signed for the `iam` service are handed to {@link IamEmulator.call}).
 *
 * As IAM does: at most two keys per user (`LimitExceeded`); a deleted or inactive key is refused
 * (`InvalidClientTokenId`); a new key signs requests only after {@link IamEmulator.propagationMs} on
 * the emulator's clock (so a test moves the clock instead of waiting); IAM calls made with session
 * credentials need a session created with MFA, and role sessions cannot manage a user's keys.
 *
 * {@link IamEmulator.hold} holds a chosen request (any action, STS's too) before or after it takes
 * effect, so that a test can kill the program at that exact step.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { EmulatorUser } from "./sts_server.ts";

const XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/";
const API_VERSION = "2010-05-08";
const DAY_MS = 86_400_000;

/** An IAM error answer (sts_server.ts sends it as it sends its own errors). */
export class IamError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** One access key of a user. */
export interface AccessKey {
  readonly userArn: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  status: "Active" | "Inactive";
  /** Creation time on the emulator's clock (epoch ms). */
  createdMs: number;
  /** From this time on (emulator clock) the key signs requests. */
  usableAtMs: number;
}

/** Who signed an IAM request (the STS emulator's principal, the parts IAM looks at). */
export interface IamCaller {
  readonly kind: "user" | "session" | "assumed-role";
  readonly user: EmulatorUser;
  readonly arn: string;
  readonly mfa: boolean;
}

/** A held request: `arrived` resolves when it comes in. */
export interface Hold {
  readonly arrived: Promise<void>;
  /** Lets it go on: it takes effect (if held before) and is answered. */
  release(): void;
  /** Ends it: the connection is closed, without effect (if held before) and unanswered. */
  drop(): void;
}

/** Options of {@link createIamEmulator}. */
export interface IamOptions {
  readonly users: readonly EmulatorUser[];
  /** Now on the emulator's clock. */
  readonly now: () => number;
  /** Initial {@link IamEmulator.propagationMs} (default 2000). */
  readonly propagationMs?: number;
  /** Age in days of the users' initial keys (default 10). */
  readonly initialKeyAgeDays?: number;
}

/** The emulated IAM access keys. */
export interface IamEmulator {
  /** Every access key of every user; tests may change a key's status or dates. */
  readonly keys: AccessKey[];
  /** Milliseconds (emulator clock) before a new key signs requests. */
  propagationMs: number;
  /** The user and secret of a key that may sign a request now; undefined otherwise. */
  lookup(accessKeyId: string): { user: EmulatorUser; secretAccessKey: string } | undefined;
  /** Answers an IAM action (the whole XML body); throws {@link IamError}. */
  call(
    action: string,
    params: Record<string, string>,
    caller: IamCaller,
    requestId: string,
  ): string;
  /**
   * Holds the next request of `action` (`before` it takes effect, or `after` it took effect and
   * before it is answered) until {@link Hold.release}, {@link Hold.drop} or the emulator closes.
   */
  hold(action: string, when: "before" | "after"): Hold;
  /** Where sts_server.ts waits for a held request: false when the request is to be dropped. */
  gate(action: string, when: "before" | "after"): Promise<boolean>;
  /** Lets every held request go (when the emulator closes). */
  releaseAll(): void;
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function userName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

function response(action: string, result: string | undefined, requestId: string): string {
  const body = result === undefined ? "" : `  <${action}Result>\n${result}  </${action}Result>\n`;
  return `<${action}Response xmlns="${XMLNS}">\n${body}` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</${action}Response>\n`;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Creates the IAM part of an emulator. */
export function createIamEmulator(options: IamOptions): IamEmulator {
  const users = new Map(options.users.map((user) => [user.arn, user]));
  // Not the emulator's clock, which does not run yet; days apart, the two agree.
  const start = Date.now();
  const keys: AccessKey[] = options.users.map((user) => ({
    userArn: user.arn,
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    status: "Active",
    createdMs: start - (options.initialKeyAgeDays ?? 10) * DAY_MS,
    usableAtMs: 0,
  }));
  const holds: {
    action: string;
    when: string;
    taken: boolean;
    arrive(): void;
    release(go: boolean): void;
    released: Promise<boolean>;
  }[] = [];

  const emu: IamEmulator = {
    keys,
    propagationMs: options.propagationMs ?? 2000,
    lookup(accessKeyId) {
      const key = keys.find((k) => k.accessKeyId === accessKeyId);
      if (!key || key.status !== "Active" || options.now() < key.usableAtMs) return undefined;
      return { user: users.get(key.userArn)!, secretAccessKey: key.secretAccessKey };
    },
    call(action, params, caller, requestId) {
      const version = params.Version ?? API_VERSION;
      if (version !== API_VERSION) {
        throw new IamError(
          400,
          "InvalidAction",
          `Could not find operation ${action} for version ${version}`,
        );
      }
      const user = authorize(action, params, caller);
      const own = keys.filter((k) => k.userArn === user.arn);
      const find = () => {
        const key = own.find((k) => k.accessKeyId === params.AccessKeyId);
        if (!key) {
          throw new IamError(
            404,
            "NoSuchEntity",
            `The Access Key with id ${params.AccessKeyId ?? ""} cannot be found.`,
          );
        }
        return key;
      };
      const name = xmlEscape(userName(user.arn));
      if (action === "ListAccessKeys") {
        const members = own.map((k) =>
          `      <member>\n        <UserName>${name}</UserName>\n` +
          `        <AccessKeyId>${k.accessKeyId}</AccessKeyId>\n` +
          `        <Status>${k.status}</Status>\n` +
          `        <CreateDate>${isoSeconds(k.createdMs)}</CreateDate>\n      </member>\n`
        ).join("");
        return response(
          action,
          `    <AccessKeyMetadata>\n${members}` +
            `    </AccessKeyMetadata>\n    <IsTruncated>false</IsTruncated>\n`,
          requestId,
        );
      }
      if (action === "CreateAccessKey") {
        if (own.length >= 2) {
          throw new IamError(409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2");
        }
        const now = options.now();
        const key: AccessKey = {
          userArn: user.arn,
          accessKeyId: `AKIA${Array.from(randomBytes(16), (b) => ALPHABET[b & 31]).join("")}`,
          secretAccessKey: randomBytes(30).toString("base64"),
          status: "Active",
          createdMs: now,
          usableAtMs: now + emu.propagationMs,
        };
        keys.push(key);
        return response(
          action,
          `    <AccessKey>\n      <UserName>${name}</UserName>\n` +
            `      <AccessKeyId>${key.accessKeyId}</AccessKeyId>\n      <Status>Active</Status>\n` +
            `      <SecretAccessKey>${xmlEscape(key.secretAccessKey)}</SecretAccessKey>\n` +
            `      <CreateDate>${isoSeconds(key.createdMs)}</CreateDate>\n    </AccessKey>\n`,
          requestId,
        );
      }
      if (action === "UpdateAccessKey") {
        if (params.Status !== "Active" && params.Status !== "Inactive") {
          throw new IamError(
            400,
            "ValidationError",
            `1 validation error detected: Value '${params.Status ?? "null"}' at 'status' failed ` +
              "to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
          );
        }
        find().status = params.Status;
        return response(action, undefined, requestId);
      }
      if (action === "DeleteAccessKey") {
        keys.splice(keys.indexOf(find()), 1);
        return response(action, undefined, requestId);
      }
      throw new IamError(
        400,
        "InvalidAction",
        `Could not find operation ${action} for version ${version}`,
      );
    },
    hold(action, when) {
      let arrive = () => {};
      let release = (_go: boolean) => {};
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<boolean>((resolve) => (release = resolve));
      holds.push({ action, when, taken: false, arrive, release, released });
      return { arrived, release: () => release(true), drop: () => release(false) };
    },
    gate(action, when) {
      const held = holds.find((h) => !h.taken && h.action === action && h.when === when);
      if (!held) return Promise.resolve(true);
      held.taken = true;
      held.arrive();
      return held.released;
    },
    releaseAll() {
      for (const held of holds.splice(0)) held.release(false);
    },
  };

  /** The user whose keys `caller` may manage with this request; IamError otherwise. */
  function authorize(action: string, params: Record<string, string>, caller: IamCaller) {
    const denied = (why: string) =>
      new IamError(
        403,
        "AccessDenied",
        `User: ${caller.arn} is not authorized to perform: iam:${action} on resource: user ` +
          `${params.UserName ?? userName(caller.user.arn)} ${why}`,
      );
    if (caller.kind === "assumed-role") {
      throw new IamError(
        400,
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
      );
    }
    // The usual "manage your own keys only with MFA" policy, for session credentials.
    if (caller.kind === "session" && !caller.mfa) {
      throw denied("with an explicit deny in an identity-based policy");
    }
    if (params.UserName !== undefined && params.UserName !== userName(caller.user.arn)) {
      throw denied("because no identity-based policy allows the action");
    }
    return caller.user;
  }

  return emu;
}
