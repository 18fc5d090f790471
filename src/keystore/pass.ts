/**
 * `pass`, the standard Unix password manager (GPG-encrypted files; for headless Linux and WSL).
 * An entry is `vegas-credentials/KIND/PROFILE` (the profile name file-name-safe, `%XX` for other
 * characters). `pass insert -m` reads the secret from stdin, `pass show` prints it.
 * @module
 */
import { type Env, homeDir } from "../config/files.ts";
import { safeName } from "../cache/dir.ts";
import type { ChildResult } from "../mfa/spawn.ts";
import { runHelper } from "./helper.ts";
import {
  type Entry,
  type EntryKind,
  firstLine,
  type Keystore,
  KeystoreError,
  SERVICE,
  type StoredItem,
} from "./types.ts";

const INSTALL = "install it (Debian/Ubuntu: apt install pass; macOS: brew install pass), then " +
  "run pass init YOUR-GPG-KEY-ID";

/** The pass name of `entry`. */
export function passName(entry: Entry): string {
  return `${SERVICE}/${entry.kind}/${safeName(entry.profile)}`;
}

/** The argument vectors of each operation (tests check them: no secret is ever among them). */
export const commandLines = {
  show: (entry: Entry) => ["show", passName(entry)],
  insert: (entry: Entry) => ["insert", "--multiline", "--force", passName(entry)],
  rm: (entry: Entry) => ["rm", "--force", passName(entry)],
};

/** Where pass keeps its files: `$PASSWORD_STORE_DIR`, else `~/.password-store`. */
export function storeDir(env: Env): string {
  return env("PASSWORD_STORE_DIR") || `${homeDir(env)}/.password-store`;
}

/** The line of pass's or gpg's error output that says what went wrong. */
function reason(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return firstLine(lines.find((line) => /error|fail|cannot|denied|not /i.test(line)) ?? "");
}

/** What a failed `pass` run means; undefined when the entry does not exist. */
export function failure(result: ChildResult): KeystoreError | undefined {
  const text = result.stderr;
  if (/is not in the password store/.test(text)) return undefined;
  if (/pass init/.test(text)) {
    return new KeystoreError(
      "pass",
      "unavailable",
      "the pass store is not set up: run pass init YOUR-GPG-KEY-ID, or set PASSWORD_STORE_DIR " +
        "to your store",
    );
  }
  const said = reason(text);
  if (/decryption failed|No secret key|pinentry|Inappropriate ioctl|cancel/i.test(text)) {
    return new KeystoreError(
      "pass",
      "locked",
      `the pass store cannot decrypt the entry (${said}): unlock your GPG key (gpg-agent with ` +
        "a pinentry, or run pass show once in a terminal), then run again",
    );
  }
  return new KeystoreError(
    "pass",
    "failed",
    `the pass store failed (pass exit code ${result.code}${said ? `: ${said}` : ""})`,
  );
}

/** `%XX` escapes back to the profile name (see {@link passName}). */
function profileOf(fileName: string): string | undefined {
  try {
    return decodeURIComponent(fileName.slice(0, -".gpg".length));
  } catch {
    return undefined;
  }
}

/** A store without `.gpg-id` was never `pass init`-ed: pass would call every entry missing. */
function notSetUp(env: Env): KeystoreError | undefined {
  const dir = storeDir(env);
  try {
    Deno.statSync(`${dir}/.gpg-id`);
    return undefined;
  } catch {
    return new KeystoreError(
      "pass",
      "unavailable",
      `the pass store is not set up (no ${dir}/.gpg-id): run pass init YOUR-GPG-KEY-ID, or set ` +
        "PASSWORD_STORE_DIR to your store",
    );
  }
}

/** The `pass` backend. */
export function pass(env: Env): Keystore {
  const run = (args: string[], stdin?: string) => {
    const problem = notSetUp(env);
    if (problem) return Promise.reject(problem);
    return runHelper({ store: "pass", program: "pass", args, stdin, install: INSTALL }, env);
  };
  return {
    name: "pass",
    async read(entry) {
      const result = await run(commandLines.show(entry));
      if (result.code === 0) return result.stdout;
      const error = failure(result);
      if (error) throw error;
      return undefined;
    },
    async write(entry, secret) {
      const result = await run(commandLines.insert(entry), secret);
      if (result.code !== 0) {
        throw failure(result) ??
          new KeystoreError("pass", "failed", `the pass store failed: ${reason(result.stderr)}`);
      }
    },
    async remove(entry) {
      const result = await run(commandLines.rm(entry));
      if (result.code === 0) return true;
      const error = failure(result);
      if (error) throw error;
      return false;
    },
    list() {
      const problem = notSetUp(env);
      if (problem) return Promise.reject(problem);
      // The names are file names: listed without decrypting anything (the key id is inside).
      const items: StoredItem[] = [];
      for (const kind of ["keys", "session"] as EntryKind[]) {
        try {
          for (const file of Deno.readDirSync(`${storeDir(env)}/${SERVICE}/${kind}`)) {
            const profile = file.isFile && file.name.endsWith(".gpg")
              ? profileOf(file.name)
              : undefined;
            if (profile !== undefined) items.push({ kind, profile });
          }
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) {
            return Promise.reject(
              new KeystoreError(
                "pass",
                "failed",
                `the pass store cannot be listed: ${(error as Error).message}`,
              ),
            );
          }
        }
      }
      return Promise.resolve(items);
    },
  };
}
