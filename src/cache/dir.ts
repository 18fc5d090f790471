/**
 * Where the cache lives, and the file-name form of a profile name. On the hot path.
 * @module
 */
import { type Env, homeDir, processEnv } from "../env.ts";
import { ConfigError } from "../errors.ts";

/** File-name-safe, reversible form of a profile name: other characters become `%XX`. */
export function safeName(name: string): string {
  return name.replace(
    /[^A-Za-z0-9@_-]/g,
    (char) =>
      Array.from(new TextEncoder().encode(char), (byte) => `%${byte.toString(16)}`).join(""),
  );
}

/** Name of the environment variable that overrides the cache directory. */
export const CACHE_DIR_ENV = "VEGAS_CREDENTIALS_CACHE_DIR";

/** Is `path` absolute (`/…`; on Windows `C:\…` or `\\server\…`)? */
function isAbsolute(path: string, os: typeof Deno.build.os): boolean {
  return os === "windows" ? /^([A-Za-z]:[\\/]|[\\/]{2})/.test(path) : path.startsWith("/");
}

/**
 * `$VEGAS_CREDENTIALS_CACHE_DIR`, else the platform's cache folder + `vegas-credentials`:
 * `$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows.
 * A relative override is refused: it would put the cache wherever the caller happens to run.
 */
export function cacheDir(env: Env = processEnv, os: typeof Deno.build.os = Deno.build.os): string {
  const override = env(CACHE_DIR_ENV);
  if (override) {
    if (!isAbsolute(override, os)) {
      throw new ConfigError(
        `${CACHE_DIR_ENV} '${override}' is not an absolute path: set it to a full path, or ` +
          "unset it to use the default cache directory",
      );
    }
    return override;
  }
  if (os === "darwin") return `${homeDir(env)}/Library/Caches/vegas-credentials`;
  if (os === "windows") {
    const local = env("LOCALAPPDATA") ?? `${homeDir(env)}\\AppData\\Local`;
    return `${local}\\vegas-credentials`;
  }
  const xdg = env("XDG_CACHE_HOME");
  return `${xdg && xdg.startsWith("/") ? xdg : `${homeDir(env)}/.cache`}/vegas-credentials`;
}
