/**
 * Are the shared AWS files safe from other local users? `doctor`'s checks of their modes.
 *
 * Whoever can write the config file (or replace it) runs commands as you — `credential_process`
 * and `vegas_mfa_process` are command lines — and can point your profiles at their roles; whoever
 * can read a file holding keys has them. Unix modes only: Windows has none to check.
 * @module
 */
import type { SharedFiles } from "./files.ts";

/** One finding: the file, what is wrong, and the command that fixes it. */
export interface FileWarning {
  readonly file: string;
  readonly message: string;
  readonly fix: string;
}

/** Keys whose values are secrets. */
const SECRET_KEYS = ["aws_secret_access_key", "aws_session_token"];

function modeOf(path: string): { mode: number; sticky: boolean } | undefined {
  try {
    const mode = Deno.statSync(path).mode;
    return mode === null ? undefined : { mode: mode & 0o777, sticky: (mode & 0o1000) !== 0 };
  } catch {
    return undefined; // missing: nothing to protect
  }
}

function holdsKeys(sections: ReadonlyMap<string, ReadonlyMap<string, string>>): boolean {
  for (const values of sections.values()) {
    if (SECRET_KEYS.some((key) => values.has(key))) return true;
  }
  return false;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/**
 * Warnings about the config and credentials files of `files`: a file (or its directory) that
 * group or others can write, and keys in a file that group or others can read. Empty when all is
 * well, and always on Windows.
 */
export function sharedFileWarnings(
  files: Pick<
    SharedFiles,
    "configFile" | "credentialsFile" | "config" | "credentials"
  >,
  os: typeof Deno.build.os = Deno.build.os,
): FileWarning[] {
  if (os === "windows") return [];
  const warnings: FileWarning[] = [];
  const checked = [
    { file: files.configFile, kind: "config file", keys: holdsKeys(files.config) },
    { file: files.credentialsFile, kind: "credentials file", keys: holdsKeys(files.credentials) },
  ];
  for (const { file, kind, keys } of checked) {
    const info = modeOf(file);
    if (!info) continue;
    const octal = info.mode.toString(8);
    if ((info.mode & 0o022) !== 0) {
      warnings.push({
        file,
        message: `${kind} ${file} has mode ${octal}: other users can change it, and through ` +
          "credential_process or vegas_mfa_process run commands as you",
        fix: `chmod go-w ${file}`,
      });
    }
    const dir = parentOf(file);
    const parent = modeOf(dir);
    if (parent && (parent.mode & 0o022) !== 0 && !parent.sticky) {
      warnings.push({
        file,
        message: `directory ${dir} of the ${kind} has mode ${parent.mode.toString(8)}: other ` +
          `users can replace ${file}`,
        fix: `chmod go-w ${dir}`,
      });
    }
    if (keys && (info.mode & 0o044) !== 0) {
      warnings.push({
        file,
        message:
          `${kind} ${file} holds secret keys and has mode ${octal}: other users can read them`,
        fix: `chmod 600 ${file}`,
      });
    }
  }
  return warnings;
}
