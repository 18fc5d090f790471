/**
 * `rotate`: replaces an IAM user's access key with a new one, never leaving the user without a
 * working key stored.
 *
 * 1. credentials with MFA for the user (the MFA session when configured, else GetSessionToken);
 * 2. ListAccessKeys: refused when the user has a key besides the stored one (IAM allows two);
 * 3. CreateAccessKey, then the new key replaces the old one where it lives, in one step;
 * 4. GetCallerIdentity with the new key until STS accepts it (IAM takes a few seconds);
 * 5. DeleteAccessKey of the old key (UpdateAccessKey Inactive with `--deactivate-only`);
 * 6. the cached role credentials and MFA sessions made with the old key are removed.
 *
 * A crash leaves the old key stored (before 3's write) or the new one (after it); a failure after
 * the write puts the old key back and deletes the new one. The new secret goes only to the key's
 * place: never to the output, a message or a command line.
 * @module
 */
import { load } from "../lazy.ts";
import type { Credentials } from "../credentials.ts";
import { type Env, readSharedFiles, type SharedFiles } from "../config/files.ts";
import { inspectProfile, type ResolvedProfile, vegasProfileNames } from "../config/resolve.ts";
import { cacheDir, lockName, roleCacheName, sessionCacheName } from "../cache/key.ts";
import { ensureCacheDir, removeMatching } from "../cache/store.ts";
import { acquireLock } from "../cache/lock.ts";
import { VegasError } from "../errors.ts";
import type { Ui } from "../ui.ts";
import { maskAccessKeyId } from "../commands/common.ts";
import { type AccessKeyPair, type KeyLocation, keyLocation } from "./location.ts";
import { resolveSource } from "./source.ts";
import { deleteCommand, describeAge, extraKeyAdvice } from "./advice.ts";
import type { CreatedKey, IamTarget, KeyListing, ListedKey } from "./aws.ts";
// The assume pipeline (issue 11 moves these modules; the lead fixes the paths).
import { withMfaCode } from "../assume/mfa_retry.ts";
import { dropSession, isRejectedSession, mfaSessionCredentials } from "../assume/mfa_session.ts";

type Aws = typeof import("./aws.ts");

/** How long STS may take to accept a new key (IAM's propagation). */
export const VERIFY_TIMEOUT_MS = 15_000;
/** GetSessionToken for a rotation asks for the shortest session STS gives. */
const ROTATION_SESSION_SECONDS = 900;
/** Time allowed for network calls on top of the MFA timeout when waiting for the MFA lock. */
const NETWORK_ALLOWANCE_MS = 60_000;

/** Options of {@link rotateAccessKey}. */
export interface RotateOptions {
  /** Only say what would be done (after listing the keys). */
  readonly dryRun: boolean;
  /** Make the old key inactive instead of deleting it. */
  readonly deactivateOnly: boolean;
}

/** Credentials with MFA for the source profile's IAM user. */
interface MfaCredentials {
  readonly credentials: Credentials;
  /** They came from the MFA session cache (STS may have stopped accepting them). */
  readonly cached: boolean;
}

/**
 * Credentials with MFA: the MFA session when one is configured (cached, or started with a code),
 * else a short GetSessionToken with one code, signed with `keys` (the stored key). Under the MFA
 * device's lock, as `assume` prompts.
 */
async function mfaCredentials(
  profile: ResolvedProfile,
  keys: AccessKeyPair,
  ui: Ui,
  env: Env,
  dropCached = false,
): Promise<MfaCredentials> {
  let lockPath: string | undefined;
  try {
    const dir = cacheDir(env);
    ensureCacheDir(dir);
    lockPath = `${dir}/${lockName(profile.mfaSerial)}`;
  } catch (error) {
    ui.info(`cache directory unusable, going on without the lock: ${(error as Error).message}`);
  }
  using _lock = lockPath === undefined ? undefined : await acquireLock(
    lockPath,
    profile.mfaTimeoutSeconds * 1000 + NETWORK_ALLOWANCE_MS,
    () => ui.info("Waiting for another vegas-credentials prompt for the same MFA device…"),
  );
  if (profile.mfaSessionDuration !== undefined) {
    if (dropCached) await dropSession(profile, env);
    const session = await mfaSessionCredentials(profile, ui, env);
    return { credentials: session.credentials, cached: !session.created };
  }
  const sts = load<typeof import("../assume/sts.ts")>("../assume/sts.ts", import.meta.url);
  const credentials = await withMfaCode(profile, ui, env, async (code) => {
    ui.debug(`calling STS GetSessionToken for source profile '${profile.sourceProfile}'`);
    return (await sts).getSessionToken(
      profile,
      keys,
      ROTATION_SESSION_SECONDS,
      {
        serialNumber: profile.mfaSerial,
        tokenCode: code,
      },
      (text) => ui.info(text),
    );
  });
  return { credentials, cached: false };
}

/** Everything known once the keys are listed. */
interface Situation {
  readonly profile: ResolvedProfile;
  readonly place: KeyLocation;
  readonly old: AccessKeyPair;
  readonly current: ListedKey;
  readonly userName: string;
  readonly target: IamTarget;
  readonly aws: Aws;
}

/** Steps 1 and 2: MFA credentials, the key list, and the refusal when there is an extra key. */
async function survey(source: string, files: SharedFiles, ui: Ui, env: Env): Promise<Situation> {
  const profile = resolveSource(source, env, files);
  const place = keyLocation(source, files, env);
  const old = await place.read();
  const loading = load<typeof import("./aws.ts")>("./aws.ts", import.meta.url); // the SDK loads during the prompt
  let mfa = await mfaCredentials(profile, old, ui, env);
  const aws = await loading;
  let target: IamTarget = { profile, credentials: mfa.credentials, env };
  ui.debug(`calling IAM ListAccessKeys at ${aws.iamEndpoint(profile, env)}`);
  let listing: KeyListing;
  try {
    listing = await aws.listAccessKeys(target);
  } catch (error) {
    if (!mfa.cached || !isRejectedSession(error)) throw error;
    ui.info(
      `STS no longer accepts the cached MFA session of source profile '${source}'; starting a ` +
        "new one",
    );
    mfa = await mfaCredentials(profile, old, ui, env, true);
    target = { ...target, credentials: mfa.credentials };
    listing = await aws.listAccessKeys(target);
  }
  const current = listing.keys.find((key) => key.id === old.accessKeyId);
  if (!current) {
    throw new VegasError(
      `IAM user ${listing.userName || "(unknown)"} has no access key ` +
        `${maskAccessKeyId(old.accessKeyId)}, the one stored in ${place.description}`,
    );
  }
  const other = listing.keys.find((key) => key.id !== old.accessKeyId);
  if (other) {
    throw new VegasError(
      extraKeyAdvice(other, current, listing.userName, source, place.description),
    );
  }
  return { profile, place, old, current, userName: listing.userName, target, aws };
}

/**
 * The cache files made with `oldId`: role credentials and MFA sessions of every profile using it
 * (for a key in the OS store: every profile whose source is the same store entry).
 */
function derivedCacheNames(
  source: ResolvedProfile,
  files: SharedFiles,
  oldId: string,
  env: Env,
): Set<string> {
  const names = new Set([sessionCacheName(source)]);
  for (const name of vegasProfileNames(files)) {
    const { resolved } = inspectProfile(name, env, files);
    if (resolved?.sourceProfile !== source.sourceProfile) continue;
    const sameKey = "store" in resolved.source
      ? "store" in source.source && resolved.source.store === source.source.store &&
        resolved.source.entry === source.source.entry
      : resolved.source.accessKeyId === oldId;
    if (!sameKey) continue;
    names.add(roleCacheName(resolved));
    names.add(sessionCacheName(resolved));
  }
  return names;
}

/** The dry run's report: the user, the key, and the steps a rotation would take. */
function plan(s: Situation, options: RotateOptions, cached: number): string {
  const old = maskAccessKeyId(s.old.accessKeyId);
  const retire = options.deactivateOnly
    ? `make ${old} inactive (IAM UpdateAccessKey; delete it yourself later)`
    : `delete ${old} (IAM DeleteAccessKey)`;
  return [
    `IAM user:   ${s.userName}`,
    `access key: ${old} in ${s.place.description}, ${describeAge(s.current)}`,
    "rotate would:",
    "  1. create a new access key (IAM CreateAccessKey)",
    `  2. write it in place of ${old} in ${s.place.description}, in one step`,
    `  3. check that STS accepts it (GetCallerIdentity, up to ${VERIFY_TIMEOUT_MS / 1000} s)`,
    `  4. ${retire}`,
    `  5. remove the ${cached} cached credential file(s) and MFA session(s) made with ${old}`,
    "(dry run: nothing was changed)",
    "",
  ].join("\n");
}

/** Why STS refused a key that IAM may not have made known yet. */
function notKnownYet(error: unknown): boolean {
  const name = (error as { cause?: { name?: string } }).cause?.name ?? "";
  return ["InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure"].includes(name);
}

/** Step 4: STS accepts the new key as the same IAM user, within {@link VERIFY_TIMEOUT_MS}. */
async function verify(s: Situation, key: AccessKeyPair, ui: Ui): Promise<void> {
  const deadline = Date.now() + VERIFY_TIMEOUT_MS;
  let pause = 500;
  for (let attempt = 1;; attempt++) {
    let arn: string;
    try {
      arn = await s.aws.callerArn(s.profile, key);
    } catch (error) {
      if (!notKnownYet(error) || Date.now() + pause > deadline) {
        throw new VegasError(
          `STS does not accept the new access key ${maskAccessKeyId(key.accessKeyId)}` +
            `${attempt > 1 ? ` after ${VERIFY_TIMEOUT_MS / 1000} s` : ""} (${
              (error as Error).message
            })`,
          { cause: error },
        );
      }
      if (attempt === 1) ui.info("Waiting for STS to accept the new access key…");
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = 1000;
      continue;
    }
    if (!/^arn:[\w-]+:iam::\d+:user\//.test(arn) || !arn.endsWith(`/${s.userName}`)) {
      throw new VegasError(`STS says the new access key belongs to ${arn}, not to ${s.userName}`);
    }
    return;
  }
}

/** Puts the old key back and deletes the new one, after a failure past the store write. */
async function rollBack(s: Situation, created: CreatedKey, why: string): Promise<never> {
  const oldShown = maskAccessKeyId(s.old.accessKeyId);
  try {
    await s.place.replace(created.accessKeyId, s.old);
  } catch (error) {
    throw new VegasError(
      `${why}; the new key stays stored in ${s.place.description} (putting ${oldShown} back ` +
        `failed: ${(error as Error).message}) and ${oldShown} still works: run rotate again later`,
    );
  }
  try {
    await s.aws.deleteAccessKey(s.target, created.accessKeyId);
  } catch (error) {
    throw new VegasError(
      `${why}; ${oldShown} is stored again, but the new key ${created.accessKeyId} could not be ` +
        `deleted (${(error as Error).message}): delete it with ` +
        deleteCommand(s.userName, created.accessKeyId, s.profile.sourceProfile),
    );
  }
  throw new VegasError(
    `${why}; ${oldShown} is stored again in ${s.place.description} and the new key was ` +
      "deleted: nothing changed",
  );
}

/**
 * Rotates the access key of source profile `source`; returns what to print on stdout (a dry run's
 * plan, or one line saying what was done).
 */
export async function rotateAccessKey(
  source: string,
  options: RotateOptions,
  ui: Ui,
  env: Env,
): Promise<string> {
  const files = readSharedFiles(env);
  const s = await survey(source, files, ui, env);
  const cached = derivedCacheNames(s.profile, files, s.old.accessKeyId, env);
  const dir = cacheDir(env);
  if (options.dryRun) {
    return plan(s, options, count(dir, cached));
  }
  const oldShown = maskAccessKeyId(s.old.accessKeyId);

  ui.info(`Creating a new access key for IAM user ${s.userName}…`);
  let created: CreatedKey;
  try {
    created = await s.aws.createAccessKey(s.target);
  } catch (error) {
    throw new VegasError(
      `${(error as Error).message}; ${oldShown} stays stored and in use (if IAM made a key ` +
        "anyway, the next rotate or doctor names it)",
      { cause: error },
    );
  }
  const newShown = maskAccessKeyId(created.accessKeyId);
  const pair = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };

  try {
    await s.place.replace(s.old.accessKeyId, pair);
  } catch (error) {
    const why = (error as Error).message;
    try {
      await s.aws.deleteAccessKey(s.target, created.accessKeyId);
    } catch (deleteError) {
      throw new VegasError(
        `${why}; ${oldShown} stays stored, but the new key ${created.accessKeyId} could not be ` +
          `deleted again (${(deleteError as Error).message}): delete it with ` +
          deleteCommand(s.userName, created.accessKeyId, source),
      );
    }
    throw new VegasError(`${why}; the new key was deleted again: ${oldShown} stays in use`);
  }
  ui.info(`Stored the new access key ${newShown} in ${s.place.description}`);

  try {
    await verify(s, pair, ui);
  } catch (error) {
    await rollBack(s, created, (error as Error).message);
  }

  const retired = options.deactivateOnly ? "made inactive" : "deleted";
  try {
    if (options.deactivateOnly) {
      await s.aws.deactivateAccessKey(s.target, s.old.accessKeyId);
    } else await s.aws.deleteAccessKey(s.target, s.old.accessKeyId);
  } catch (error) {
    throw new VegasError(
      `the new access key ${newShown} is stored in ${s.place.description} and works, but ` +
        `${(error as Error).message}: delete ${s.old.accessKeyId} with ` +
        deleteCommand(s.userName, s.old.accessKeyId, source),
    );
  }
  const removed = removeMatching(dir, (name) => cached.has(name));
  ui.debug(`removed ${removed} cache file(s) made with ${oldShown}`);
  if ("store" in s.profile.source) {
    // Its MFA session lives in the store, not in a cache file.
    try {
      await dropSession(s.profile, env);
    } catch (error) {
      ui.info(
        `the MFA session made with ${oldShown} stays in the store: ${(error as Error).message}`,
      );
    }
  }
  return `Rotated the access key of IAM user ${s.userName} in ${s.place.description}: ` +
    `${newShown} replaces ${oldShown}, which was ${retired}\n`;
}

/** How many of `names` are in `dir`. */
function count(dir: string, names: Set<string>): number {
  let found = 0;
  for (const name of names) {
    try {
      Deno.lstatSync(`${dir}/${name}`);
      found++;
    } catch { /* not cached */ }
  }
  return found;
}
