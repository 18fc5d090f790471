/**
 * The default role session name, as the original tool chose it: the OS user's full name, else the
 * user name, else the host name, reduced to the characters STS accepts.
 * @module
 */
import { type Env, processEnv } from "./config/files.ts";

/** Keeps the characters STS allows in a session name (`[\w+=,.@-]`) and cuts to 64. */
export function sanitiseSessionName(name: string): string {
  return name.replace(/[^\w+=,.@-]/g, "").slice(0, 64);
}

/** The full name in the GECOS field of /etc/passwd for the current user (Linux and BSDs). */
export function passwdFullName(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split("\n")) {
    const fields = line.split(":");
    if (fields.length >= 5 && Number(fields[2]) === uid) {
      return fields[4].split(",")[0] || undefined;
    }
  }
  return undefined;
}

async function fullName(): Promise<string | undefined> {
  try {
    if (Deno.build.os === "darwin") {
      const out = await new Deno.Command("id", { args: ["-F"], stderr: "null" }).output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
    }
    if (Deno.build.os === "windows") return undefined;
    return passwdFullName(await Deno.readTextFile("/etc/passwd"), Deno.uid() ?? -1);
  } catch {
    return undefined;
  }
}

/** Picks the first candidate that is a valid session name once sanitised. */
export function firstValidName(candidates: readonly (string | undefined)[]): string {
  for (const candidate of candidates) {
    const name = candidate ? sanitiseSessionName(candidate) : "";
    if (name.length >= 2) return name;
  }
  return "vegas-credentials";
}

/** The default session name for this machine and user. */
export async function defaultSessionName(env: Env = processEnv): Promise<string> {
  let hostname: string | undefined;
  try {
    hostname = Deno.hostname();
  } catch { /* not permitted or unavailable */ }
  return firstValidName([
    await fullName(),
    env("USER") ?? env("USERNAME") ?? env("LOGNAME"),
    hostname,
  ]);
}
