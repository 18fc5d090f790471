/**
 * The per-user cache directory.
 * @module
 */
import { type Env, homeDir, processEnv } from "../config/files.ts";

/** Name of the environment variable that overrides the cache directory. */
export const CACHE_DIR_ENV = "VEGAS_CREDENTIALS_CACHE_DIR";

/**
 * `$VEGAS_CREDENTIALS_CACHE_DIR`, else the platform's cache folder + `vegas-credentials`:
 * `$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows.
 */
export function cacheDir(env: Env = processEnv, os: typeof Deno.build.os = Deno.build.os): string {
  const override = env(CACHE_DIR_ENV);
  if (override) return override;
  if (os === "darwin") return `${homeDir(env)}/Library/Caches/vegas-credentials`;
  if (os === "windows") {
    const local = env("LOCALAPPDATA") ?? `${homeDir(env)}\\AppData\\Local`;
    return `${local}\\vegas-credentials`;
  }
  const xdg = env("XDG_CACHE_HOME");
  return `${xdg && xdg.startsWith("/") ? xdg : `${homeDir(env)}/.cache`}/vegas-credentials`;
}
