/**
 * Replacing a file the user wrote by hand in one step: readers see the old file or the new one,
 * whole, and nothing of the new text lands outside the file's own directory (`config import`,
 * `keys import`, `keys export`).
 * @module
 */
import { VegasError } from "../errors.ts";

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
 * Replaces the file at `path` with `data`, keeping its mode, when it still holds `old` (what the
 * edit was made from); `before` runs after that check, just before the write. A link (dotfile
 * managers) stays one: the file it points to is replaced.
 */
export function replaceUnchanged(
  path: string,
  old: Uint8Array,
  data: Uint8Array,
  before: () => void = () => {},
): void {
  let target = path;
  try {
    target = Deno.realPathSync(path);
  } catch { /* read a moment ago; the write reports any problem */ }
  const current = Deno.readFileSync(target);
  if (current.length !== old.length || current.some((byte, i) => byte !== old[i])) {
    throw new VegasError(`${path} changed while it was being edited; run the command again`);
  }
  const mode = (Deno.statSync(target).mode ?? 0o600) & 0o777;
  before();
  writeAtomically(target, data, mode);
}
