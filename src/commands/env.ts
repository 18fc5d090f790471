/**
 * `env --profile NAME [--format sh|fish|powershell|json]`: the role's credentials as environment
 * variable assignments for `eval`, after lines that unset `AWS_PROFILE` and `AWS_DEFAULT_PROFILE`
 * (left set, they make JS-SDK tools such as CDK use another profile than the AWS CLI does).
 * Printing credentials is this command's purpose.
 * @module
 */
import type { CommandContext } from "./context.ts";
import type { Env } from "../config/files.ts";
import { type ResolvedProfile, resolveProfile } from "../config/resolve.ts";
import { type Credentials, formatExpiration } from "../credentials.ts";
import { UsageError, VegasError } from "../errors.ts";
import { hasControlCharacter } from "../sanitize.ts";
import type { Ui } from "../ui.ts";
import { assumeProfile } from "../assume/pipeline.ts";
import { noPositionals, requiredProfile } from "./common.ts";

/** Output formats of `env`. */
export const ENV_FORMATS = ["sh", "fish", "powershell", "json"] as const;

/** One of {@link ENV_FORMATS}. */
export type EnvFormat = typeof ENV_FORMATS[number];

/** Names users reach for first: the shell's own name means its format. */
export const FORMAT_ALIASES: Readonly<Record<string, EnvFormat>> = {
  bash: "sh",
  zsh: "sh",
  pwsh: "powershell",
};

/** The variables for `credentials`, in a stable order; the region ones only when `region` is known. */
export function credentialVariables(
  credentials: Credentials,
  region: string | undefined,
): [string, string][] {
  const vars: [string, string][] = [
    ["AWS_ACCESS_KEY_ID", credentials.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey],
  ];
  if (credentials.sessionToken) vars.push(["AWS_SESSION_TOKEN", credentials.sessionToken]);
  vars.push(["AWS_CREDENTIAL_EXPIRATION", formatExpiration(credentials.expiration)]);
  if (region) vars.push(["AWS_REGION", region], ["AWS_DEFAULT_REGION", region]);
  return vars;
}

/** Quotes `value` for POSIX shells: single quotes, a quote inside written `'\''`. */
export function quoteSh(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes `value` for fish: single quotes, backslash and quote escaped with a backslash. */
export function quoteFish(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** Quotes `value` for PowerShell: single quotes (verbatim), a quote inside doubled. */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

/** Variables `env` unsets: they would select another profile in the tools that read them. */
export const UNSET_VARIABLES = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] as const;

/**
 * The unset lines, then the assignments in `format`, one per line (JSON: `null` means unset).
 * Refuses a value with a control character: a newline would end the assignment early in every
 * shell, and `Invoke-Expression` runs PowerShell output line by line.
 */
export function formatVariables(vars: readonly [string, string][], format: EnvFormat): string {
  for (const [name, value] of vars) {
    if (hasControlCharacter(value)) {
      throw new VegasError(`${name} holds a control character; refusing to print it for ${format}`);
    }
  }
  const unset = UNSET_VARIABLES;
  switch (format) {
    case "sh":
      return unset.map((name) => `unset ${name}\n`).join("") +
        vars.map(([name, value]) => `export ${name}=${quoteSh(value)}\n`).join("");
    case "fish":
      // Global scope only: a plain `set -e` would erase a universal variable for every session.
      return unset.map((name) => `set -e -g ${name};\n`).join("") +
        vars.map(([name, value]) => `set -gx ${name} ${quoteFish(value)};\n`).join("");
    case "powershell":
      return unset.map((name) => `$Env:${name} = $null\n`).join("") +
        vars.map(([name, value]) => `$Env:${name} = ${quotePowerShell(value)}\n`).join("");
    case "json":
      return JSON.stringify(
        { ...Object.fromEntries(unset.map((name) => [name, null])), ...Object.fromEntries(vars) },
        null,
        2,
      ) + "\n";
  }
}

/** Credentials of `profileName` (cached or fetched, as `assume`) as environment variables. */
export async function profileVariables(
  profileName: string,
  ui: Ui,
  env: Env,
): Promise<[string, string][]> {
  const profile = resolveProfile(profileName, env);
  const credentials = await assumeProfile(profileName, ui, env);
  return credentialVariables(credentials, configuredRegion(profile));
}

/** The profile's region when one is configured (not the SDK default): for AWS_REGION. */
export function configuredRegion(profile: ResolvedProfile): string | undefined {
  return profile.origins.region === "default" ? undefined : profile.region;
}

/** Runs `env --profile NAME [--format F]`. */
export async function runEnv(context: CommandContext): Promise<number> {
  noPositionals(context);
  const name = requiredProfile(context, "env");
  const given = String(context.values.format ?? "sh");
  const format = FORMAT_ALIASES[given] ?? given;
  if (!ENV_FORMATS.includes(format as EnvFormat)) {
    throw new UsageError(
      `--format must be one of ${ENV_FORMATS.join(", ")} (or bash, zsh, pwsh), not '${given}'`,
    );
  }
  const vars = await profileVariables(name, context.ui, context.env);
  context.print(formatVariables(vars, format as EnvFormat));
  return 0;
}
