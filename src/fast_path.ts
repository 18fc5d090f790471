/**
 * The cache hit without the CLI, the config reader or the SDK: `assume --profile NAME` — the line
 * every AWS tool runs — is answered from the hit index (src/cache/hit_index.ts) and the entry it
 * names, when nothing the profile was resolved from has changed. Anything else (other arguments,
 * `--verbose`, a miss, any error) returns undefined and the full CLI runs (docs/ARCHITECTURE.md).
 * @module
 */
import { type Env, envFlag, processEnv } from "./env.ts";
import { cacheDir } from "./cache/dir.ts";
import { currentHitIndex } from "./cache/hit_index.ts";
import { entryIn, locationState } from "./cache/read.ts";
import { accountIdOf, advisorySeconds, credentialProcessJson, isFresh } from "./credentials.ts";

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

/** The credential_process line for `args` from a fresh cached entry; else undefined. Never throws. */
export function cachedAssume(args: readonly string[], env: Env = processEnv): string | undefined {
  const name = assumedProfile(args);
  if (name === undefined) return undefined;
  if (envFlag(env, "VERBOSE") || envFlag(env, "VEGAS_CREDENTIALS_VERBOSE")) return undefined;
  try {
    const dir = cacheDir(env);
    if (locationState(dir) !== "ok") return undefined;
    const index = currentHitIndex(dir, name, env);
    if (!index) return undefined;
    const { entry } = entryIn(`${dir}/${index.entry}`, index.binding);
    // Within botocore's advisory window the full path decides: refresh if no prompt is needed.
    return entry && isFresh(entry.credentials, undefined, advisorySeconds())
      ? credentialProcessJson({
        ...entry.credentials,
        accountId: accountIdOf(index.binding.roleArn),
      })
      : undefined;
  } catch {
    return undefined;
  }
}
