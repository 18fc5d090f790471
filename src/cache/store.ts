/**
 * Credential cache files: read only what is safe to trust, write atomically.
 *
 * A file is trusted only when it is a regular file (not a symlink) owned by this user, readable by no
 * one else, and holds well-formed JSON of our own shape. Anything else is a miss, with the reason kept
 * for `--verbose`; the next write replaces it. Writes go to a private temporary file that is renamed
 * over the old one, so a reader never sees a torn file and a crash loses nothing.
 * @module
 */
import type { Credentials } from "../credentials.ts";

/** What a cache file holds besides the credentials (for `status`). */
export interface CacheEntryMeta {
  readonly profile: string;
  readonly kind: "role" | "session";
  readonly roleArn?: string;
  readonly mfaSerial?: string;
  readonly createdAt: string;
}

/** A trusted cache entry. */
export interface CacheEntry extends CacheEntryMeta {
  readonly credentials: Credentials;
}

/** The outcome of a read: an entry, or why there is none. */
export type CacheRead = { entry: CacheEntry; reason?: undefined } | {
  entry?: undefined;
  reason: string;
};

const FORMAT = 1;

/** Is this directory entry safe to trust? Returns the reason when it is not. */
function untrusted(info: Deno.FileInfo): string | undefined {
  if (info.isSymlink) return "it is a symbolic link";
  if (!info.isFile) return "it is not a regular file";
  if (Deno.build.os === "windows") return undefined;
  if (info.uid !== null && info.uid !== Deno.uid()) return `it is owned by uid ${info.uid}`;
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    return `its mode ${(info.mode & 0o777).toString(8)} lets others read it`;
  }
  return undefined;
}

/** Reads and checks one cache file. Never throws. */
export function readEntry(path: string): CacheRead {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    return {
      reason: error instanceof Deno.errors.NotFound ? "no cached credentials" : String(error),
    };
  }
  const problem = untrusted(info);
  if (problem) return { reason: `ignored cache file ${path}: ${problem}` };
  try {
    const data = JSON.parse(Deno.readTextFileSync(path));
    const entry = toEntry(data);
    if (entry) return { entry };
    return { reason: `ignored cache file ${path}: not in the expected format` };
  } catch (error) {
    const why = error instanceof SyntaxError ? "corrupt JSON" : String(error);
    return { reason: `ignored cache file ${path}: ${why}` };
  }
}

function toEntry(data: unknown): CacheEntry | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const text = (key: string) => typeof d[key] === "string" && d[key] !== "";
  if (d.format !== FORMAT || !text("accessKeyId") || !text("secretAccessKey")) return undefined;
  if (!text("expiration") || !text("profile") || (d.kind !== "role" && d.kind !== "session")) {
    return undefined;
  }
  if (d.sessionToken !== undefined && typeof d.sessionToken !== "string") return undefined;
  const expiration = new Date(d.expiration as string);
  if (Number.isNaN(expiration.getTime())) return undefined;
  return {
    profile: d.profile as string,
    kind: d.kind,
    roleArn: typeof d.roleArn === "string" ? d.roleArn : undefined,
    mfaSerial: typeof d.mfaSerial === "string" ? d.mfaSerial : undefined,
    createdAt: typeof d.createdAt === "string" ? d.createdAt : "",
    credentials: {
      accessKeyId: d.accessKeyId as string,
      secretAccessKey: d.secretAccessKey as string,
      sessionToken: d.sessionToken as string | undefined,
      expiration,
    },
  };
}

/**
 * Creates the cache directory with mode 0700, or tightens an existing one of ours.
 * Throws when the directory is unusable (the caller carries on without a cache).
 */
export function ensureCacheDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (Deno.build.os === "windows") return;
  const info = Deno.lstatSync(dir);
  if (!info.isDirectory) throw new Error(`${dir} is not a directory`);
  if (info.uid !== null && info.uid !== Deno.uid()) {
    throw new Error(`${dir} is owned by uid ${info.uid}, not by you`);
  }
  if (info.mode !== null && (info.mode & 0o077) !== 0) Deno.chmodSync(dir, 0o700);
}

/**
 * Writes an entry atomically with mode 0600 (temporary file in the same directory, then rename), and
 * removes files in `dir` whose name starts with `replacesPrefix` (older config hashes of the profile).
 */
export function writeEntry(dir: string, name: string, entry: CacheEntry, replacesPrefix?: string) {
  ensureCacheDir(dir);
  const path = `${dir}/${name}`;
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const { credentials, ...meta } = entry;
  const body = JSON.stringify({
    format: FORMAT,
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

/** Removes cache files (not directories, not links' targets) whose names match. Returns the count. */
export function removeMatching(dir: string, matches: (name: string) => boolean): number {
  let removed = 0;
  try {
    for (const item of Deno.readDirSync(dir)) {
      if (item.isDirectory || !matches(item.name)) continue;
      try {
        Deno.removeSync(`${dir}/${item.name}`);
        removed++;
      } catch { /* already gone: another process cleaned it */ }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed;
}
