/**
 * `cache clean`: removes cached role credentials, MFA sessions and lock files no one holds — only
 * this user's files, even in a directory others can write to.
 * @module
 */
import { load } from "../lazy.ts";
import type { CommandContext } from "./context.ts";
import { cacheDir } from "../cache/key.ts";
import { profilePrefix } from "../cache/key.ts";
import { hitIndexName } from "../cache/hit_index.ts";
import { acquireLock } from "../cache/lock.ts";
import { isOwnFile, removeMatching } from "../cache/store.ts";
import { readSharedFiles, type SharedFiles } from "../config/files.ts";
import { closestNames } from "../config/validate.ts";
import { UsageError, VegasError } from "../errors.ts";
import { noPositionals } from "./common.ts";

/** What `cache clean` removed. */
export interface CleanResult {
  roles: number;
  sessions: number;
  locks: number;
  /** Lock files kept because another process holds them. */
  locksInUse: number;
  /** Leftover temporary files of interrupted writes. */
  temporary: number;
}

/** A temporary file younger than this may belong to a write in progress. */
const TEMPORARY_GRACE_MS = 60_000;

/** Removes lock files that no process holds; returns [removed, in use]. */
export async function removeIdleLocks(dir: string): Promise<[number, number]> {
  let removed = 0;
  let inUse = 0;
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)]
      .filter((item) => item.isFile && /^mfa\.[0-9a-f]+\.lock$/.test(item.name))
      .map((item) => item.name)
      .filter((name) => isOwnFile(`${dir}/${name}`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [0, 0];
    throw error;
  }
  for (const name of names) {
    const path = `${dir}/${name}`;
    let lock: Disposable;
    try {
      lock = await acquireLock(path, 0);
    } catch (error) {
      if (error instanceof VegasError) {
        inUse++;
        continue;
      }
      throw error;
    }
    try {
      // Removed while held, so no process can be between opening and locking this file.
      Deno.removeSync(path);
      removed++;
      lock[Symbol.dispose]();
    } catch {
      lock[Symbol.dispose](); // Windows cannot remove an open file: release first, then remove.
      try {
        Deno.removeSync(path);
        removed++;
      } catch { /* another process took it meanwhile: keep it */ }
    }
  }
  return [removed, inUse];
}

/** Removes temporary files of interrupted writes (older than a minute). */
function removeStaleTemporary(dir: string): number {
  const now = Date.now();
  return removeMatching(dir, (name) => {
    if (!name.endsWith(".tmp")) return false;
    try {
      const modified = Deno.lstatSync(`${dir}/${name}`).mtime?.getTime() ?? 0;
      return now - modified > TEMPORARY_GRACE_MS;
    } catch {
      return false;
    }
  });
}

/**
 * Cleans the cache: everything, or one profile's role credentials (with `sessions`, also the MFA
 * sessions of the profile itself and of its source profile).
 */
export async function cleanCache(
  dir: string,
  options: { profile?: string; sourceProfile?: string; sessions: boolean; roles: boolean },
): Promise<CleanResult> {
  const result: CleanResult = { roles: 0, sessions: 0, locks: 0, locksInUse: 0, temporary: 0 };
  const isRole = (name: string) => name.startsWith("role.") && name.endsWith(".json");
  const isSession = (name: string) => name.startsWith("session.") && name.endsWith(".json");
  if (options.profile !== undefined) {
    const rolePrefix = profilePrefix("role", options.profile);
    if (options.roles) {
      result.roles = removeMatching(dir, (name) => isRole(name) && name.startsWith(rolePrefix));
      // The profile's hit index goes with its entries (it only names them).
      removeMatching(dir, (name) => name === hitIndexName(options.profile!));
    }
    if (options.sessions) {
      const prefixes = [options.profile, options.sourceProfile]
        .filter((name): name is string => name !== undefined)
        .map((name) => profilePrefix("session", name));
      result.sessions = removeMatching(
        dir,
        (name) => isSession(name) && prefixes.some((prefix) => name.startsWith(prefix)),
      );
    }
    return result;
  }
  if (options.roles) {
    result.roles = removeMatching(dir, isRole);
    removeMatching(dir, (name) => name.startsWith("hit.") && name.endsWith(".json"));
  }
  if (options.sessions) result.sessions = removeMatching(dir, isSession);
  if (options.roles && options.sessions) {
    [result.locks, result.locksInUse] = await removeIdleLocks(dir);
    result.temporary = removeStaleTemporary(dir);
  }
  return result;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Runs `cache clean [--profile NAME] [--sessions] [--credential] [--password]`. */
export async function runCacheClean(context: CommandContext): Promise<number> {
  noPositionals(context);
  const { values, ui, env } = context;
  const dir = cacheDir(env);
  const profile = typeof values.profile === "string" ? values.profile : undefined;
  if (values.profile === "") throw new UsageError("--profile needs a profile name");
  if (values.password && !values.credential && profile === undefined && !values.sessions) {
    // The original tool kept a YubiKey OATH password; this one never stores it.
    context.print("Nothing to clean: vegas-credentials stores no YubiKey OATH password.\n");
    return 0;
  }
  let sourceProfile: string | undefined;
  if (profile !== undefined) {
    let files: SharedFiles | undefined;
    try {
      files = readSharedFiles(env);
    } catch (error) {
      ui.debug(`cannot read the config to check the profile: ${(error as Error).message}`);
    }
    if (files && !files.profiles.has(profile)) {
      // A typo would otherwise "remove 0 files" and leave the intended profile's credentials.
      const close = closestNames(profile, files.profiles.keys());
      throw new UsageError(
        `profile '${profile}' is not in ${files.configFile} or ${files.credentialsFile}` +
          (close.length ? ` (did you mean '${close[0]}'?)` : ""),
      );
    }
    if (values.sessions) sourceProfile = files?.profiles.get(profile)?.get("vegas_source_profile");
  }
  const result = await cleanCache(dir, {
    profile,
    sourceProfile,
    // One profile: its role credentials, and sessions only when asked. Everything otherwise.
    roles: true,
    sessions: profile === undefined || values.sessions === true,
  });
  if (profile === undefined || values.sessions) {
    // Issue 12: MFA sessions of keys in the OS store are kept in the store.
    try {
      const files = readSharedFiles(env);
      const sources = profile === undefined
        ? [...files.profiles.values()].flatMap((p) => p.get("vegas_source_profile") ?? [])
        : sourceProfile === undefined
        ? []
        : [sourceProfile];
      const { dropStoredSessions } = await load<typeof import("../keystore/invalidate.ts")>(
        "../keystore/invalidate.ts",
        import.meta.url,
      );
      const stored = await dropStoredSessions(sources, files, env);
      result.sessions += stored.removed;
      for (const problem of stored.problems) ui.info(problem);
    } catch (error) {
      ui.debug(`MFA sessions in the OS store not cleaned: ${(error as Error).message}`);
    }
  }
  const parts = [plural(result.roles, "role credential file")];
  if (profile === undefined || values.sessions) parts.push(plural(result.sessions, "MFA session"));
  if (profile === undefined) {
    parts.push(plural(result.locks, "lock file"));
    if (result.temporary) parts.push(plural(result.temporary, "temporary file"));
  }
  const what = profile === undefined ? "" : ` for profile '${profile}'`;
  let text = `Removed ${parts.join(", ")}${what} from ${dir}\n`;
  if (result.locksInUse) {
    text += `Kept ${plural(result.locksInUse, "lock file")} in use by a running ` +
      `vegas-credentials\n`;
  }
  context.print(text);
  return 0;
}
