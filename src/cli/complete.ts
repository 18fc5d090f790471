/**
 * `vegas-credentials __complete profiles|role-profiles|source-profiles`: the profile names a
 * completion script
 * offers, one a line. Hidden (not in the command table or the help): the shell scripts of
 * `completion` call it on every Tab after `--profile`, so main.ts answers it before the CLI loads,
 * reading only the config file.
 * @module
 */
import { configFilePath, type Env, processEnv, readIniFile } from "../config/files.ts";
import { configProfiles } from "../config/ini.ts";
import { runsVegas } from "../config/resolve.ts";

/** What a completion script asks for. */
export type ProfileKind = "profiles" | "role-profiles" | "source-profiles";

/** The kinds {@link runComplete} answers. */
const KINDS: readonly string[] = ["profiles", "role-profiles", "source-profiles"];

/**
 * Profile names of the config file, in file order: `profiles` are the vegas profiles (the ones
 * `assume`, `env`, `exec`, `doctor`… take), `role-profiles` the AWS CLI role profiles that
 * `config import` converts, `source-profiles` the profiles the vegas profiles name as
 * `vegas_source_profile` (the ones `rotate` and `keys …` take; their keys may live only in the
 * credentials file, so they are found by name rather than by section).
 */
export function profileNames(kind: ProfileKind, env: Env = processEnv): string[] {
  const { profiles } = configProfiles(readIniFile(configFilePath(env)));
  const isVegas = (values: ReadonlyMap<string, string>) =>
    values.has("vegas_role_arn") || runsVegas(values.get("credential_process"));
  if (kind === "source-profiles") {
    const sources = [...profiles.values()].filter(isVegas)
      .map((values) => values.get("vegas_source_profile")?.trim());
    return [...new Set(sources)].filter((name): name is string => !!name);
  }
  return [...profiles].filter(([, values]) =>
    kind === "profiles" ? isVegas(values) : values.has("role_arn") && values.has("source_profile")
  ).map(([name]) => name);
}

/**
 * Runs `__complete KIND`; prints nothing (and exits 0) on any problem: a completion must never
 * write errors into the user's command line.
 */
export function runComplete(args: readonly string[], env: Env = processEnv): number {
  const kind = args[0];
  if (args.length !== 1 || !KINDS.includes(kind)) return 2;
  let names: string[];
  try {
    names = profileNames(kind as ProfileKind, env);
  } catch {
    return 0;
  }
  // A name with a line break could not be told apart from two names.
  const text = names.filter((name) => !/[\r\n]/.test(name)).map((name) => `${name}\n`).join("");
  const data = new TextEncoder().encode(text);
  try {
    for (let offset = 0; offset < data.length;) {
      offset += Deno.stdout.writeSync(data.subarray(offset));
    }
  } catch { /* the shell stopped reading */ }
  return 0;
}
