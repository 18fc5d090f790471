/**
 * Replacing a file the user owns in one step: readers (and a crash) see the old file or the new one,
 * whole, never a mix. Used by `config import`, `keys import`/`export` and `rotate`.
 * @module
 */
import { VegasError } from "./errors.ts";

/** Writes `data` to `path` through a temporary file and a rename: readers see old or new, whole. */
export function writeAtomically(path: string, data: Uint8Array, mode: number): void {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const temp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${crypto.randomUUID()}.tmp`;
  try {
    const file = Deno.openSync(temp, { write: true, createNew: true, mode });
    try {
      for (let offset = 0; offset < data.length;) offset += file.writeSync(data.subarray(offset));
      file.syncSync();
    } finally {
      file.close();
    }
    if (Deno.build.os !== "windows") Deno.chmodSync(temp, mode); // the umask may have cut it
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch { /* not created */ }
    throw new VegasError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Replaces the file at `path` with `data`, keeping its mode, provided it still holds `expected`
 * (else throws `changed`, writing nothing); `before` runs after that check, just before the write.
 * A file that is a link (dotfile managers) stays one: the file it points to is replaced.
 */
export function replaceFile(
  path: string,
  expected: Uint8Array,
  data: Uint8Array,
  changed = `${path} changed while it was being edited; run the command again`,
  before: () => void = () => {},
): void {
  let target = path;
  try {
    target = Deno.realPathSync(path);
  } catch { /* read a moment ago; the write reports any problem */ }
  const current = Deno.readFileSync(target);
  if (current.length !== expected.length || current.some((byte, i) => byte !== expected[i])) {
    throw new VegasError(changed);
  }
  const mode = (Deno.statSync(target).mode ?? 0o600) & 0o777;
  before();
  writeAtomically(target, data, mode);
}
