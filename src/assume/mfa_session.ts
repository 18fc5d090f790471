/**
 * MFA sessions (`vegas_mfa_session_duration` on a source profile): one GetSessionToken with an MFA
 * code, cached like role credentials, then AssumeRole with the session's keys and no code — so every
 * role profile of that source profile shares one prompt for as long as the session lasts.
 *
 * The caller (the role fetch in `assume`) already holds the per-MFA-device lock, so the session is
 * read and written here without taking it again: a second flock on another descriptor of the same
 * file in the same process would wait for itself.
 * @module
 */
import { load } from "../lazy.ts";
import type { Credentials } from "../credentials.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import { type Env, processEnv } from "../config/files.ts";
import { cacheDir } from "../cache/key.ts";
import { profilePrefix, sessionCacheName } from "../cache/key.ts";
import { removeMatching } from "../cache/store.ts";
import type { Ui } from "../ui.ts";
import { VegasError } from "../errors.ts";
import { cachedCredentials, type CacheSlot } from "./cached.ts";
import { withMfaCode } from "./mfa_retry.ts";
import { defaultSessionName } from "../session_name.ts";
// Issue 12 hooks: keys in the OS store, and their MFA session kept there too.
import { sourceKeysFor } from "../keystore/source_keys.ts";
const storedSessions = () =>
  load<typeof import("../keystore/session.ts")>("../keystore/session.ts", import.meta.url);

/** STS error codes meaning the session's keys are no longer accepted. */
const REJECTED_SESSION = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "RequestExpired",
]);

/** The cache slot of the MFA session of `profile`'s source profile. */
export function sessionSlot(profile: ResolvedProfile, env: Env = processEnv): CacheSlot {
  return {
    dir: cacheDir(env),
    name: sessionCacheName(profile),
    replacesPrefix: profilePrefix("session", profile.sourceProfile),
    meta: {
      profile: profile.sourceProfile,
      kind: "session",
      mfaSerial: profile.mfaSerial,
    },
  };
}

/** Did STS refuse the (session) keys themselves, rather than the request? */
export function isRejectedSession(error: unknown): boolean {
  const cause = (error as { cause?: { name?: string } } | undefined)?.cause;
  if (cause?.name && REJECTED_SESSION.has(cause.name)) return true;
  const message = error instanceof Error ? error.message : "";
  return /: (ExpiredToken|InvalidClientTokenId|RequestExpired)(Exception)?:/.test(message);
}

/** Outcome of {@link mfaSessionCredentials}. */
export interface SessionResult {
  readonly credentials: Credentials;
  /** True when the session was just created (an MFA code was used), false when it came cached. */
  readonly created: boolean;
}

/**
 * The MFA session of `profile`'s source profile: cached when fresh, else GetSessionToken with an MFA
 * code (and cached). Must be called with the per-MFA-device lock held.
 */
export async function mfaSessionCredentials(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
): Promise<SessionResult> {
  const duration = profile.mfaSessionDuration;
  if (duration === undefined) {
    throw new VegasError(`source profile '${profile.sourceProfile}' has no MFA session configured`);
  }
  let created = false;
  const fetchFresh = async () => {
    created = true;
    const sts = load<typeof import("./sts.ts")>("./sts.ts", import.meta.url);
    const keys = await sourceKeysFor(profile, env); // issue 12 hook: before the prompt
    const session = await withMfaCode(profile, ui, env, async (code) => {
      const { getSessionToken } = await sts;
      ui.debug(`calling STS GetSessionToken for source profile '${profile.sourceProfile}'`);
      return getSessionToken(profile, keys, duration, {
        serialNumber: profile.mfaSerial,
        tokenCode: code,
      }, (text) => ui.info(text));
    });
    // Only now: said earlier, it would also appear when no session comes about.
    ui.info(
      `Started an MFA session for source profile '${profile.sourceProfile}' ` +
        `(${formatDuration(duration)}): no further MFA codes until it ends`,
    );
    return session;
  };
  if ("store" in profile.source) {
    // Issue 12 hook: keys in the OS store keep their MFA session there, not in a cache file.
    const credentials = await (await storedSessions()).storedSession(profile, ui, env, fetchFresh);
    return { credentials, created };
  }
  const credentials = await cachedCredentials({
    slot: sessionSlot(profile, env),
    ui,
    lockPath: undefined, // the role fetch holds the lock of this MFA device already
    lockTimeoutMs: 0,
    fetchFresh,
  });
  return { credentials, created };
}

/** Forgets the cached MFA session of `profile`'s source profile. */
export async function dropSession(profile: ResolvedProfile, env: Env = processEnv): Promise<void> {
  // Issue 12 hook: a session kept in the OS store is removed there.
  if ("store" in profile.source) return (await storedSessions()).dropStoredSession(profile, env);
  const slot = sessionSlot(profile, env);
  removeMatching(slot.dir, (name) => name === slot.name);
}

/**
 * Fresh role credentials through the MFA session: AssumeRole with the session's keys and no MFA
 * code. A cached session that STS no longer accepts is dropped and replaced (one MFA prompt).
 */
export async function assumeRoleWithSession(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
): Promise<Credentials> {
  const sts = load<typeof import("./sts.ts")>("./sts.ts", import.meta.url);
  const sessionName = profile.roleSessionName ?? await defaultSessionName(env);
  const assume = async (session: Credentials) => {
    const { assumeRole } = await sts;
    ui.debug(
      `calling STS AssumeRole for ${profile.roleArn} as session ${sessionName} with the MFA ` +
        `session of source profile '${profile.sourceProfile}'`,
    );
    return assumeRole(profile, sessionName, session, undefined, (text) => ui.info(text));
  };
  const first = await mfaSessionCredentials(profile, ui, env);
  try {
    return await assume(first.credentials);
  } catch (error) {
    if (first.created || !isRejectedSession(error)) throw error;
    ui.info(
      `STS no longer accepts the cached MFA session of source profile ` +
        `'${profile.sourceProfile}'; starting a new one`,
    );
    await dropSession(profile, env);
    const second = await mfaSessionCredentials(profile, ui, env);
    return await assume(second.credentials);
  }
}

/** `43200` → `12 h`, `5400` → `1 h 30 min`, `900` → `15 min`. */
export function formatDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours && minutes) return `${hours} h ${minutes} min`;
  if (hours) return `${hours} h`;
  return `${minutes} min`;
}
