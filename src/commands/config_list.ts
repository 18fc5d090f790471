/**
 * `config list`: where vegas-credentials looks for things, and which MFA inputs work here.
 * @module
 */
import { load } from "../lazy.ts";
import type { CommandContext } from "./context.ts";
import { configFilePath, credentialsFilePath, type Env, readSharedFiles } from "../config/files.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { cacheDir } from "../cache/key.ts";
import type { MfaRequest } from "../mfa/types.ts";
import type { Ui } from "../ui.ts";
import { alignColumns, noPositionals, vegasProfileNames } from "./common.ts";

/** A profile that names nothing, for asking the drivers whether they can run at all. */
export function placeholderProfile(env: Env): ResolvedProfile {
  return {
    profile: "(none)",
    roleArn: "arn:aws:iam::000000000000:role/none",
    sourceProfile: "(none)",
    durationSeconds: 3600,
    region: "us-east-1",
    useGlobalEndpoint: false,
    mfaSerial: "arn:aws:iam::000000000000:mfa/none",
    mfaTimeoutSeconds: 120,
    yubikeyLabel: "arn:aws:iam::000000000000:mfa/none",
    source: { accessKeyId: "", secretAccessKey: "" },
    configFile: configFilePath(env),
    credentialsFile: credentialsFilePath(env),
    origins: {},
  };
}

/** Each MFA driver and whether it can give a code here: `available` or the reason it cannot. */
export async function detectInputs(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
): Promise<{ name: string; available: boolean; detail: string }[]> {
  const { MFA_DRIVERS } = await load<typeof import("../mfa/registry.ts")>(
    "../mfa/registry.ts",
    import.meta.url,
  );
  const request: MfaRequest = { profile, attempt: 1, ui, env, childEnv: {} };
  return MFA_DRIVERS.map((driver) => {
    try {
      const found = driver.detect(request);
      return typeof found === "string"
        ? { name: driver.name, available: false, detail: found }
        : { name: driver.name, available: true, detail: "available" };
    } catch (error) {
      return { name: driver.name, available: false, detail: (error as Error).message };
    }
  });
}

function describePath(path: string, kind: "file" | "dir"): string {
  try {
    const info = Deno.statSync(path);
    if (kind === "dir" && !info.isDirectory) return `${path} (not a directory)`;
    return path;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return `${path} (${kind === "dir" ? "not created yet" : "missing"})`;
    }
    return `${path} (${(error as Error).message})`;
  }
}

/** Runs `config list [--profile NAME]`. */
export async function runConfigList(context: CommandContext): Promise<number> {
  noPositionals(context);
  const { env, ui } = context;
  const profileName = typeof context.values.profile === "string"
    ? context.values.profile
    : undefined;
  const profile = profileName ? resolveProfile(profileName, env) : placeholderProfile(env);
  let profiles: string;
  try {
    const names = vegasProfileNames(readSharedFiles(env));
    profiles = names.length
      ? names.join(", ")
      : "none (no profile has vegas_role_arn or runs vegas-credentials)";
  } catch (error) {
    profiles = (error as Error).message;
  }
  const { findYkman } = await load<typeof import("../mfa/yubikey_input.ts")>(
    "../mfa/yubikey_input.ts",
    import.meta.url,
  );
  const { guiAvailability } = await load<typeof import("../mfa/gui/gui_input.ts")>(
    "../mfa/gui/gui_input.ts",
    import.meta.url,
  );
  const ykman = findYkman(profile, env);
  const gui = guiAvailability(env, Deno.build.os, { noGui: ui.options.noGui });
  const rows = [
    ["config file:", describePath(configFilePath(env), "file")],
    ["credentials file:", describePath(credentialsFilePath(env), "file")],
    ["cache directory:", describePath(cacheDir(env), "dir")],
    ["vegas profiles:", profiles],
    ["ykman:", ykman.path ? `${ykman.path} (${ykman.origin})` : `none: ${ykman.reason}`],
    ["GUI dialog:", gui.path ? `${gui.driver} (${gui.path})` : `none: ${gui.reason}`],
  ];
  const inputs = await detectInputs(profile, ui, env);
  const title = profileName
    ? `MFA inputs for profile '${profileName}':`
    : "MFA inputs (without a profile's settings; add --profile=NAME to check one):";
  context.print(
    alignColumns(rows) + `${title}\n` +
      alignColumns(inputs.map((input) => [`  ${input.name}`, input.detail])),
  );
  return 0;
}
