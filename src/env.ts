/**
 * The environment, injectable so that tests and the library can pass their own. On the hot path.
 * @module
 */
import { ConfigError } from "./errors.ts";

/** Reads an environment variable. */
export type Env = (name: string) => string | undefined;

/** The process environment. */
export const processEnv: Env = (name) => Deno.env.get(name);

/** Is this flag set? Set unless empty, `false` or `0` (the original tool's rule). */
export function envFlag(env: Env, name: string): boolean {
  const value = env(name);
  return value !== undefined && value !== "" && value.toLowerCase() !== "false" && value !== "0";
}

/** The user's home directory (HOME, else the Windows profile directory). */
export function homeDir(env: Env = processEnv): string {
  const home = env("HOME") ?? env("USERPROFILE") ??
    (env("HOMEDRIVE") && env("HOMEPATH") ? `${env("HOMEDRIVE")}${env("HOMEPATH")}` : undefined);
  if (!home) throw new ConfigError("cannot find your home directory: HOME is not set");
  return home;
}
