/**
 * The hit index: for one profile, the cache entry it resolved to and everything the resolution read
 * (the shared files' identities, every environment variable). While none of that has changed, the
 * fast path answers from the entry without reading the config. Written by pipeline.ts. Hot path.
 * @module
 */
import type { Env } from "../env.ts";
import { safeName } from "./dir.ts";
import { type CacheBinding, readTrustedJson } from "./read.ts";

/** What a hit index file holds. */
export interface HitIndex {
  readonly format: 1;
  readonly profile: string;
  /** File name of the role entry in the same directory. */
  readonly entry: string;
  readonly binding: CacheBinding;
  /** Every environment variable the resolution read, and its value (null: unset). */
  readonly env: Record<string, string | null>;
  /** The shared files and their {@link fileStamp}s when the resolution started. */
  readonly files: [string, string | null][];
}

/** The index file name of a profile. */
export function hitIndexName(profile: string): string {
  return `hit.${safeName(profile)}.json`;
}

/** A file's identity (device, inode, size, change and modification times); null when missing. */
export function fileStamp(path: string): string | null {
  try {
    const info = Deno.statSync(path);
    return `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
  } catch {
    return null;
  }
}

/** The index of `profile` in `dir` when it still holds for `env` and the files; else undefined. */
export function currentHitIndex(dir: string, profile: string, env: Env): HitIndex | undefined {
  const read = readTrustedJson(`${dir}/${hitIndexName(profile)}`);
  const index = (read.reason === undefined ? read.data : undefined) as HitIndex | undefined;
  if (
    index?.format !== 1 || index.profile !== profile || typeof index.entry !== "string" ||
    typeof index.env !== "object" || !Array.isArray(index.files)
  ) return undefined;
  for (const name in index.env) if ((env(name) ?? null) !== index.env[name]) return undefined;
  for (const [path, stamp] of index.files) if (fileStamp(path) !== stamp) return undefined;
  return index;
}
