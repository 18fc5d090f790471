/**
 * `assume`: credentials for a role profile, from the cache when fresh (the hot path: no AWS SDK,
 * no MFA code is loaded there), else from STS after an MFA prompt.
 * @module
 */
import { load } from "../lazy.ts";
import { configFilePath, credentialsFilePath, type Env, processEnv } from "../config/files.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { cacheDir } from "../cache/key.ts";
import { lockName, profilePrefix, roleBinding, roleCacheName } from "../cache/key.ts";
import { ensureCacheDir, UnsafeCacheLocation } from "../cache/store.ts";
import { cachedCredentials, type CacheSlot, readFresh } from "../providers/cached.ts";
import { credentialProcessJson, type Credentials } from "../credentials.ts";
import type { Ui } from "../ui.ts";
import type { CommandContext } from "../cli/commands.ts";
import { UsageError } from "../errors.ts";

/** Time allowed for network calls on top of the MFA timeout when waiting for the lock. */
const NETWORK_ALLOWANCE_MS = 60_000;

/** The cache slot of a profile's role credentials. */
export function roleSlot(profile: ResolvedProfile, env: Env = processEnv): CacheSlot {
  return {
    dir: cacheDir(env),
    name: roleCacheName(profile),
    replacesPrefix: profilePrefix("role", profile.profile),
    meta: roleBinding(profile),
  };
}

/** Credentials for `profileName`: cached when fresh, else fetched with MFA and cached. */
export async function assumeProfile(
  profileName: string,
  ui: Ui,
  env: Env = processEnv,
): Promise<Credentials> {
  const profile = resolveProfile(profileName, env);
  const slot = roleSlot(profile, env);
  const hit = readFresh(slot, ui);
  if (hit) return hit;

  let lockPath: string | undefined;
  try {
    ensureCacheDir(slot.dir);
    lockPath = `${slot.dir}/${lockName(profile.mfaSerial)}`;
  } catch (error) {
    // The one warning about an unsafe location: its reads miss and its writes are skipped quietly.
    ui.info(
      error instanceof UnsafeCacheLocation
        ? error.message
        : `cache directory ${slot.dir} unusable: ${(error as Error).message}`,
    );
  }
  const { fetchRoleCredentials } = await load<typeof import("../fresh.ts")>(
    "../fresh.ts",
    import.meta.url,
  );
  return cachedCredentials({
    slot,
    ui,
    lockPath,
    lockTimeoutMs: profile.mfaTimeoutSeconds * 1000 + NETWORK_ALLOWANCE_MS,
    fetchFresh: () => fetchRoleCredentials(profile, ui, env),
  });
}

/** Runs `assume --profile NAME`: one line of credential_process JSON on stdout. */
export async function runAssume(context: CommandContext): Promise<number> {
  const profile = context.values.profile;
  if (typeof profile !== "string" || profile === "") {
    throw new UsageError("assume needs --profile=NAME (the role profile in ~/.aws/config)");
  }
  if (context.positionals.length) {
    throw new UsageError(`unexpected argument '${context.positionals[0]}' (use --profile=NAME)`);
  }
  if (context.ui.options.verbose) {
    // Tools on the JavaScript SDK may run another credential_process than the AWS CLI shows.
    const { sharedFileDisagreements } = await load<typeof import("../config/sdk_dialects.ts")>(
      "../config/sdk_dialects.ts",
      import.meta.url,
    );
    const env = context.env;
    for (const line of sharedFileDisagreements(configFilePath(env), credentialsFilePath(env))) {
      context.ui.debug(line);
    }
  }
  const credentials = await assumeProfile(profile, context.ui, context.env);
  context.print(credentialProcessJson(credentials) + "\n");
  return 0;
}
