/**
 * Finding programs on `PATH` without spawning `which` (dialogs, ykman, the doctor's checks).
 * @module
 */
import type { Env } from "./config/files.ts";

/** Is `path` a file this user can run? (On Windows any file: there is no execute bit.) */
export function isExecutable(path: string, os: typeof Deno.build.os = Deno.build.os): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && (os === "windows" || info.mode === null || (info.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/**
 * Does `dir` name the same directory wherever we run? A relative `PATH` entry names whatever
 * directory the caller is in. (Windows: `C:\x`, `\\server\x`, or `\x` on the current drive;
 * not `x` or `C:x`.)
 */
function isAbsoluteDir(dir: string, windows: boolean): boolean {
  return windows ? /^([A-Za-z]:[\\/]|[\\/])/.test(dir) : dir.startsWith("/");
}

/**
 * Full path of `name` on `PATH` (with `PATHEXT` on Windows), or undefined. A name with a slash is
 * checked as is. Relative `PATH` entries (`.`, `bin`, an empty entry) are skipped: they would run a
 * program planted in whatever directory the AWS tool that started us happens to be in.
 */
export function findOnPath(
  name: string,
  env: Env,
  os: typeof Deno.build.os = Deno.build.os,
): string | undefined {
  const windows = os === "windows";
  if (name.includes("/") || (windows && name.includes("\\"))) {
    return isExecutable(name, os) ? name : undefined;
  }
  const extensions = windows && !/\.[a-z0-9]+$/i.test(name)
    ? (env("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)
    : [""];
  for (const dir of (env("PATH") ?? "").split(windows ? ";" : ":")) {
    if (!isAbsoluteDir(dir, windows)) continue;
    for (const extension of extensions) {
      // Windows takes either separator; keep the one the PATH entry uses.
      const separator = windows && dir.includes("\\") ? "\\" : "/";
      const path = `${dir.replace(/[\\/]$/, "")}${separator}${name}${extension}`;
      if (isExecutable(path, os)) return path;
    }
  }
  return undefined;
}
