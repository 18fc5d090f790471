/**
 * Credential cache files: trust only what no one else could have put there, write atomically.
 *
 * The location comes first, checked the way OpenSSH's `safe_path` checks key files: the cache
 * directory must be this user's and writable by no one else, every directory above it this user's
 * or root's and not writable by group or others (unless sticky and root's, like /tmp), and a
 * symbolic link on the way must be this user's or root's (its target is checked the same way).
 * Otherwise another local user could swap a file or a directory between our check and our read.
 * An unsafe location means no cache at all: reads miss, writes throw {@link UnsafeCacheLocation}.
 *
 * A file is trusted only when the handle we read from is a regular file owned by this user,
 * readable by no one else and the very file (device and inode) that `lstat` saw — a symlink swapped
 * in after the check is caught — and holds JSON of our shape (the credentials in it passed the
 * checks of every STS answer, src/credential_check.ts), written for this file
 * name (profile and config hash), for the profile, role and device asked for, and not claiming to
 * outlive the duration asked for. Anything else is a miss, with the reason kept for `--verbose`.
 * Writes go to a private temporary file renamed over the old one, so a reader never sees a torn
 * file and a crash loses nothing. Nothing here changes the mode of a directory it did not create,
 * or touches another user's file.
 * @module
 */
import { type CacheEntry, checkLocation, FORMAT, type Unsafe } from "./read.ts";
export * from "./read.ts";
import { VegasError } from "../errors.ts";

/** The cache location cannot be trusted: says which directory, why, and what to do. */
export class UnsafeCacheLocation extends VegasError {
  /** The cache directory that was asked for. */
  readonly dir: string;

  constructor(dir: string, where: Unsafe) {
    const [why, fix] = explain(where);
    super(
      `cache directory ${dir} is not safe to use: ${where.path} ${why}; going on without a cache ` +
        `(fix: ${fix})`,
    );
    this.name = "UnsafeCacheLocation";
    this.dir = dir;
  }
}

const ELSEWHERE = "set VEGAS_CREDENTIALS_CACHE_DIR to a directory only you can write";

/** Why a location is unsafe, and the fix, in words. */
function explain(where: Unsafe): [string, string] {
  const owner = where.info?.uid;
  const octal = ((where.info?.mode ?? 0) & 0o7777).toString(8);
  switch (where.problem) {
    case "unreadable":
      return ["cannot be checked", ELSEWHERE];
    case "foreign-link":
      return [`is a symbolic link owned by uid ${owner}`, ELSEWHERE];
    case "link-loop":
      return ["goes through too many symbolic links", ELSEWHERE];
    case "not-dir":
      return ["is not a directory", ELSEWHERE];
    case "owner":
      return where.last
        ? [
          `is owned by uid ${owner}, not by you`,
          `remove it so that it is created again, or ${ELSEWHERE}`,
        ]
        : [`is owned by uid ${owner}, neither by you nor by root`, ELSEWHERE];
    case "writable":
      return [
        `is writable by other users (mode ${octal})`,
        `chmod go-w ${where.path} if it is yours alone, or ${ELSEWHERE}`,
      ];
  }
}

/** Why `dir` is not a safe cache location, in one sentence (for `doctor`); undefined when it is. */
export function cacheLocationProblem(dir: string): string | undefined {
  if (Deno.build.os === "windows") return undefined;
  const where = checkLocation(dir, Deno.uid()!);
  return where.kind === "unsafe" ? new UnsafeCacheLocation(dir, where).message : undefined;
}

/** JSON with every non-ASCII character escaped, so that {@link decode} takes its fast way. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Makes sure `dir` is a safe cache location, creating what is missing with mode 0700. Never
 * changes a directory it did not create. Throws {@link UnsafeCacheLocation} when the location is
 * not safe, another error when it cannot be created (the caller carries on without a cache).
 */
export function ensureCacheDir(dir: string): void {
  if (Deno.build.os === "windows") {
    Deno.mkdirSync(dir, { recursive: true });
    return;
  }
  const uid = Deno.uid()!;
  for (let attempt = 0; attempt < 64; attempt++) {
    const where = checkLocation(dir, uid);
    if (where.kind === "ok") return;
    if (where.kind === "unsafe") throw new UnsafeCacheLocation(dir, where);
    try {
      Deno.mkdirSync(where.path, { mode: 0o700 });
      Deno.chmodSync(where.path, 0o700); // ours, just made: undo a umask that took our own bits
    } catch (error) {
      // Another process made it first: it is checked like any other on the next round.
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  throw new UnsafeCacheLocation(dir, { kind: "unsafe", path: dir, problem: "unreadable" });
}

/**
 * Writes an entry atomically with mode 0600 (temporary file in the same directory, then rename), and
 * removes this user's files in `dir` whose name starts with `replacesPrefix` (older config hashes
 * of the profile). Throws {@link UnsafeCacheLocation} when `dir` is not safe.
 */
export function writeEntry(dir: string, name: string, entry: CacheEntry, replacesPrefix?: string) {
  const { credentials, ...meta } = entry;
  writeJsonFile(dir, name, {
    format: FORMAT,
    slot: name,
    ...meta,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration.toISOString(),
  });
  if (replacesPrefix) {
    removeMatching(dir, (other) => other.startsWith(replacesPrefix) && other !== name);
  }
}

/**
 * Writes `value` as ASCII JSON to `dir/name` atomically with mode 0600 (a private temporary file in
 * the same directory, then rename). Throws {@link UnsafeCacheLocation} when `dir` is not safe.
 */
export function writeJsonFile(dir: string, name: string, value: unknown): void {
  ensureCacheDir(dir);
  const path = `${dir}/${name}`;
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o600 });
  try {
    file.writeSync(new TextEncoder().encode(asciiJson(value)));
    file.syncSync();
  } finally {
    file.close();
  }
  try {
    Deno.renameSync(temporary, path);
  } catch (error) {
    Deno.removeSync(temporary);
    throw error;
  }
}

/**
 * Removes this user's files (not directories, not links' targets, never another user's file) in
 * `dir` whose names match. Returns the count.
 */
export function removeMatching(dir: string, matches: (name: string) => boolean): number {
  let removed = 0;
  const uid = Deno.build.os === "windows" ? null : Deno.uid();
  try {
    for (const item of Deno.readDirSync(dir)) {
      if (item.isDirectory || !matches(item.name)) continue;
      const path = `${dir}/${item.name}`;
      try {
        const owner = Deno.lstatSync(path).uid;
        if (uid !== null && owner !== null && owner !== uid) continue;
        Deno.removeSync(path);
        removed++;
      } catch { /* already gone: another process cleaned it */ }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}

/** Is the file at `path` this user's? (Always true on Windows, which has no uid.) */
export function isOwnFile(path: string): boolean {
  if (Deno.build.os === "windows") return true;
  try {
    return Deno.lstatSync(path).uid === Deno.uid();
  } catch {
    return false;
  }
}
