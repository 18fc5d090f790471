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
import type { Credentials } from "../credentials.ts";
import { VegasError } from "../errors.ts";

/** What a cache file holds besides the credentials (for `status` and for binding). */
export interface CacheEntryMeta {
  readonly profile: string;
  readonly kind: "role" | "session";
  readonly roleArn?: string;
  readonly mfaSerial?: string;
  /** The duration asked of STS, in seconds: the entry may not claim to last longer. */
  readonly durationSeconds?: number;
  readonly createdAt: string;
}

/** A trusted cache entry. */
export interface CacheEntry extends CacheEntryMeta {
  readonly credentials: Credentials;
}

/** What the reader expects of an entry: the slot it was written for. */
export type CacheBinding = Omit<CacheEntryMeta, "createdAt">;

/** The outcome of a read: an entry, or why there is none. */
export type CacheRead = { entry: CacheEntry; reason?: undefined } | {
  entry?: undefined;
  reason: string;
};

/** Version 2 binds the entry to its file name (format 1 files are misses, then replaced). */
const FORMAT = 2;

/** STS's longest durations, the cap when the reader does not say what it asked for. */
const MAX_SECONDS = { role: 43200, session: 129600 } as const;

/** Clock difference tolerated between STS and this machine when capping an expiry. */
const CLOCK_SKEW_SECONDS = 300;

/** Symbolic links followed while checking one location, at most. */
const MAX_LINKS = 16;

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

/** What is wrong with one directory on the way (see {@link explain}). */
type Problem = "unreadable" | "foreign-link" | "link-loop" | "not-dir" | "owner" | "writable";

type Unsafe = {
  kind: "unsafe";
  path: string;
  problem: Problem;
  info?: Deno.FileInfo;
  last?: boolean;
};
type Location = { kind: "ok" } | { kind: "missing"; path: string } | Unsafe;

const OK: Location = { kind: "ok" };

/**
 * Walks `dir` from `/` down, checking each component (see the module comment); stops at the first
 * one that does not exist. Lean on purpose: it runs on every cache hit, and V8 compiles a function
 * on its first call, so the messages are built elsewhere ({@link explain}).
 */
function checkLocation(dir: string, uid: number, links = 0): Location {
  const parts = dir.split("/").filter(Boolean);
  let path = "/";
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) path = `${path === "/" ? "" : path}/${parts[i - 1]}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { kind: "missing", path };
      return { kind: "unsafe", path, problem: "unreadable" };
    }
    if (info.isSymlink) return followLink(path, info, parts.slice(i).join("/"), uid, links);
    const problem = directoryProblem(info, uid, i === parts.length);
    if (problem) return { kind: "unsafe", path, problem, info, last: i === parts.length };
  }
  return OK;
}

/** The cache directory itself must be ours; a directory above it ours or root's. */
function directoryProblem(info: Deno.FileInfo, uid: number, last: boolean): Problem | undefined {
  if (!info.isDirectory) return "not-dir";
  const owner = info.uid ?? uid;
  const mode = info.mode ?? 0;
  if (owner !== uid && (last || owner !== 0)) return "owner";
  const stickyRoot = !last && (mode & 0o1000) !== 0 && owner === 0;
  return (mode & 0o022) !== 0 && !stickyRoot ? "writable" : undefined;
}

/** A symbolic link on the way: ours or root's, then its target is checked from the top. */
function followLink(
  path: string,
  info: Deno.FileInfo,
  rest: string,
  uid: number,
  links: number,
): Location {
  const owner = info.uid ?? uid;
  if (owner !== uid && owner !== 0) return { kind: "unsafe", path, problem: "foreign-link", info };
  if (links >= MAX_LINKS) return { kind: "unsafe", path, problem: "link-loop" };
  let target: string;
  try {
    target = Deno.realPathSync(path);
  } catch {
    return { kind: "missing", path }; // a dangling link: nothing cached behind it
  }
  return checkLocation(rest ? `${target}/${rest}` : target, uid, links + 1);
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

/** Is this directory entry one to open at all? Returns the reason when it is not. */
function untrusted(info: Deno.FileInfo, uid: number | null): string | undefined {
  if (info.isSymlink) return "it is a symbolic link";
  if (!info.isFile) return "it is not a regular file";
  if (uid === null) return undefined; // Windows: no owner or mode to check
  if (info.uid !== null && info.uid !== uid) return `it is owned by uid ${info.uid}`;
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    return `its mode ${(info.mode & 0o777).toString(8)} lets others read it`;
  }
  return undefined;
}

/**
 * Reads the file's `size` bytes (from its fstat) from the handle. The file cannot change under us:
 * writers rename a new file over it rather than write into it.
 */
function readAll(file: Deno.FsFile, size: number): string {
  const buffer = new Uint8Array(size);
  let length = 0;
  while (length < size) {
    const read = file.readSync(buffer.subarray(length));
    if (!read) break;
    length += read;
  }
  return decode(buffer.subarray(0, length));
}

/**
 * The file's bytes as text. Our files are ASCII (see {@link asciiJson}), which this decodes without
 * the first-call cost of TextDecoder (0.1 ms, a noticeable share of a cache hit). Any other byte can
 * only come from a file we did not write; it decodes as Latin-1 and fails the checks that follow.
 */
function decode(bytes: Uint8Array): string {
  let text = "";
  for (let at = 0; at < bytes.length; at += 8192) {
    text += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
  }
  return text;
}

/** JSON with every non-ASCII character escaped, so that {@link decode} takes its fast way. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Reads and checks one cache file; `binding` is the slot the caller expects (see the module
 * comment). Never throws.
 */
export function readEntry(path: string, binding?: CacheBinding): CacheRead {
  const slash = path.lastIndexOf("/");
  const uid = Deno.build.os === "windows" ? null : Deno.uid();
  if (uid !== null) {
    const dir = path.slice(0, slash) || "/";
    const where = checkLocation(dir, uid);
    if (where.kind === "missing") return { reason: "no cached credentials" };
    if (where.kind === "unsafe") return { reason: new UnsafeCacheLocation(dir, where).message };
  }
  // A file renamed over this one (another process caching new credentials) between our lstat and
  // our open shows as "replaced": look again, a few times, before calling it a miss.
  let reason = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const read = readOnce(path, path.slice(slash + 1), uid, binding);
    if (read !== REPLACED) return read;
    reason = `ignored cache file ${path}: it was replaced while being read`;
  }
  return { reason };
}

const REPLACED = Symbol("replaced");

function readOnce(
  path: string,
  name: string,
  uid: number | null,
  binding?: CacheBinding,
): CacheRead | typeof REPLACED {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    return {
      reason: error instanceof Deno.errors.NotFound ? "no cached credentials" : String(error),
    };
  }
  const problem = untrusted(info, uid);
  if (problem) return { reason: `ignored cache file ${path}: ${problem}` };
  try {
    let text: string;
    const file = Deno.openSync(path, { read: true });
    try {
      const opened = file.statSync();
      if (opened.dev !== info.dev || opened.ino !== info.ino) return REPLACED;
      const changed = untrusted(opened, uid);
      if (changed) return { reason: `ignored cache file ${path}: ${changed}` };
      text = readAll(file, opened.size);
    } finally {
      file.close();
    }
    const entry = toEntry(JSON.parse(text), name, binding);
    if (typeof entry !== "string") return { entry };
    return { reason: `ignored cache file ${path}: ${entry}` };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { reason: "no cached credentials" };
    const why = error instanceof SyntaxError ? "corrupt JSON" : String(error);
    return { reason: `ignored cache file ${path}: ${why}` };
  }
}

/** The entry in `data`, or why it is not one to use for `name` and `binding`. */
function toEntry(data: unknown, name: string, binding?: CacheBinding): CacheEntry | string {
  const format = "not in the expected format";
  if (typeof data !== "object" || data === null) return format;
  const d = data as Record<string, unknown>;
  const text = (key: string) => typeof d[key] === "string" && d[key] !== "";
  const optional = (key: string) => d[key] === undefined || text(key);
  if (d.format !== FORMAT || !text("accessKeyId") || !text("secretAccessKey")) return format;
  if (!text("expiration") || !text("profile") || (d.kind !== "role" && d.kind !== "session")) {
    return format;
  }
  if (!optional("sessionToken") || !optional("roleArn") || !optional("mfaSerial")) return format;
  if (d.durationSeconds !== undefined && typeof d.durationSeconds !== "number") return format;
  const credentials: Credentials = {
    accessKeyId: d.accessKeyId as string,
    secretAccessKey: d.secretAccessKey as string,
    sessionToken: d.sessionToken as string | undefined,
    expiration: new Date(d.expiration as string),
  };
  if (Number.isNaN(credentials.expiration.getTime())) return format;
  const entry: CacheEntry = {
    profile: d.profile as string,
    kind: d.kind,
    roleArn: d.roleArn as string | undefined,
    mfaSerial: d.mfaSerial as string | undefined,
    durationSeconds: d.durationSeconds as number | undefined,
    createdAt: typeof d.createdAt === "string" ? d.createdAt : "",
    credentials,
  };
  if (d.slot !== name) return "it was written for another file name";
  if (
    binding && (binding.profile !== entry.profile || binding.kind !== entry.kind ||
      binding.roleArn !== entry.roleArn || binding.mfaSerial !== entry.mfaSerial ||
      binding.durationSeconds !== entry.durationSeconds)
  ) return "it was written for another profile, role, MFA device or duration";
  const maxSeconds = binding?.durationSeconds ?? MAX_SECONDS[entry.kind];
  const claimed = (credentials.expiration.getTime() - Date.now()) / 1000;
  if (claimed > maxSeconds + CLOCK_SKEW_SECONDS) {
    return `it claims to last ${Math.round(claimed)} s, more than the ${maxSeconds} s asked for`;
  }
  return entry;
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
  ensureCacheDir(dir);
  const path = `${dir}/${name}`;
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const { credentials, ...meta } = entry;
  const body = asciiJson({
    format: FORMAT,
    slot: name,
    ...meta,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration.toISOString(),
  });
  const file = Deno.openSync(temporary, { write: true, createNew: true, mode: 0o600 });
  try {
    file.writeSync(new TextEncoder().encode(body));
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
  if (replacesPrefix) {
    removeMatching(dir, (other) => other.startsWith(replacesPrefix) && other !== name);
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
