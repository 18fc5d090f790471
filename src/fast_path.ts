/**
 * The cache hit without the CLI around it. `assume --profile NAME` — the line every AWS tool runs —
 * is answered from a fresh cache entry with the same resolver and cache code as the full command,
 * and nothing else is loaded: the argument parser, the command table and the output layer cost
 * about 2 ms of start-up that a cache hit does not need (BENCHMARKS.md).
 *
 * Anything else — other arguments, `--verbose`, a miss, any error — returns undefined, and the full
 * CLI runs and does the work (or reports the error) as usual.
 * @module
 */
import { type Env, envFlag, processEnv } from "./config/files.ts";
import { resolveProfile } from "./config/resolve.ts";
import { cacheDir, roleBinding, roleCacheName } from "./cache/key.ts";
import { readEntry } from "./cache/store.ts";
import { credentialProcessJson, isFresh } from "./credentials.ts";

/** Switches that change nothing on a cache hit. */
const HARMLESS = new Set(["--no-color", "--no-emoji", "--no-gui"]);

/** The profile of `assume --profile=NAME`, `--profile NAME` or `-p NAME`; undefined otherwise. */
export function assumedProfile(args: readonly string[]): string | undefined {
  const rest = args.filter((arg) => !HARMLESS.has(arg));
  if (rest[0] !== "assume") return undefined;
  if (rest.length === 2 && rest[1].startsWith("--profile=")) {
    return rest[1].slice("--profile=".length) || undefined;
  }
  if (rest.length === 3 && (rest[1] === "--profile" || rest[1] === "-p")) {
    return rest[2].startsWith("-") ? undefined : rest[2] || undefined;
  }
  return undefined;
}

/**
 * The credential_process line for `args` when they ask for a profile whose cached credentials are
 * fresh; undefined when the full CLI has to run. Never throws.
 */
export function cachedAssume(args: readonly string[], env: Env = processEnv): string | undefined {
  const name = assumedProfile(args);
  if (name === undefined) return undefined;
  if (envFlag(env, "VERBOSE") || envFlag(env, "VEGAS_CREDENTIALS_VERBOSE")) return undefined;
  try {
    const profile = resolveProfile(name, env);
    const path = `${cacheDir(env)}/${roleCacheName(profile)}`;
    const { entry } = readEntry(path, roleBinding(profile));
    return entry && isFresh(entry.credentials)
      ? credentialProcessJson(entry.credentials)
      : undefined;
  } catch {
    return undefined;
  }
}
