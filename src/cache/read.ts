/**
 * Reading the cache: only files no one else could have put there (the hot path; writing is
 * store.ts). The location is checked the way OpenSSH's `safe_path` checks key files; a file only
 * through its open handle: regular, ours, private, the inode `lstat` saw, of our shape and bound to
 * the slot asked for (docs/ARCHITECTURE.md, "Cache").
 * @module
 */
import type { Credentials } from "../credentials.ts";

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
export const FORMAT = 2;

/** STS's longest durations, the cap when the reader does not say what it asked for. */
const MAX_SECONDS = { role: 43200, session: 129600 } as const;

/** Clock difference tolerated between STS and this machine when capping an expiry. */
const CLOCK_SKEW_SECONDS = 300;

/** Symbolic links followed while checking one location, at most. */
const MAX_LINKS = 16;

/** What is wrong with one directory on the way (see {@link explain}). */
export type Problem =
  | "unreadable"
  | "foreign-link"
  | "link-loop"
  | "not-dir"
  | "owner"
  | "writable";

export type Unsafe = {
  kind: "unsafe";
  path: string;
  problem: Problem;
  info?: Deno.FileInfo;
  last?: boolean;
};
export type Location = { kind: "ok" } | { kind: "missing"; path: string } | Unsafe;

const OK: Location = { kind: "ok" };

/**
 * Walks `dir` from `/` down, checking each component (see the module comment); stops at the first
 * one that does not exist. Lean on purpose: it runs on every cache hit, and V8 compiles a function
 * on its first call, so the messages are built elsewhere ({@link explain}).
 */
export function checkLocation(dir: string, uid: number, links = 0): Location {
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

/**
 * Is `dir` a safe cache location? "missing" when it does not exist yet, a reason when unsafe.
 * Always "ok" on Windows (no owners or modes to check).
 */
export function locationState(dir: string): "ok" | "missing" | string {
  if (Deno.build.os === "windows") return "ok";
  const where = checkLocation(dir, Deno.uid()!);
  return where.kind === "unsafe" ? `cache directory ${dir} is not safe to use` : where.kind;
}

/**
 * Reads and checks one cache file; `binding` is the slot the caller expects. Never throws.
 */
export function readEntry(path: string, binding?: CacheBinding): CacheRead {
  const slash = path.lastIndexOf("/");
  const state = locationState(path.slice(0, slash) || "/");
  if (state === "missing") return { reason: "no cached credentials" };
  if (state !== "ok") return { reason: state };
  return entryIn(path, binding);
}

/** {@link readEntry} in a directory whose location was checked already. */
export function entryIn(path: string, binding?: CacheBinding): CacheRead {
  const read = readTrustedJson(path);
  if (read.reason !== undefined) return { reason: read.reason };
  const entry = toEntry(read.data, path.slice(path.lastIndexOf("/") + 1), binding);
  return typeof entry === "string" ? { reason: `ignored cache file ${path}: ${entry}` } : { entry };
}

/**
 * The JSON of a cache file that passes the file checks (see the module comment), or why not.
 * A file renamed over this one between our lstat and our open (another process caching new
 * credentials) is read again, a few times, before it counts as a miss.
 */
export function readTrustedJson(path: string): { data: unknown; reason?: undefined } | {
  reason: string;
} {
  const uid = Deno.build.os === "windows" ? null : Deno.uid();
  for (let attempt = 0; attempt < 3; attempt++) {
    const read = readOnce(path, uid);
    if (read !== REPLACED) return read;
  }
  return { reason: `ignored cache file ${path}: it was replaced while being read` };
}

const REPLACED = Symbol("replaced");

function readOnce(
  path: string,
  uid: number | null,
): { data: unknown; reason?: undefined } | { reason: string } | typeof REPLACED {
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
    return { data: JSON.parse(text) };
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
