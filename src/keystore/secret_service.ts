/**
 * Linux Secret Service (GNOME Keyring, KWallet through its Secret Service API, KeePassXC) through
 * libsecret's `secret-tool`. An entry is the item with attributes `service = vegas-credentials`,
 * `kind`, `profile`; its label carries the masked key id. `secret-tool store` reads the secret
 * from stdin, `lookup` prints it on stdout.
 * @module
 */
import type { Env } from "../config/files.ts";
import type { ChildResult } from "../mfa/spawn.ts";
import { type HelperCall, runHelper } from "./helper.ts";
import {
  type Entry,
  firstLine,
  type Keystore,
  KeystoreError,
  SERVICE,
  type StoredItem,
} from "./types.ts";

const PROGRAM = "secret-tool";
const INSTALL = "install it (Debian/Ubuntu: apt install libsecret-tools; Fedora: dnf install " +
  "libsecret)";

/** The attribute pairs that name `entry` (after `--`: a profile may start with `-`). */
export function attributes(entry: Entry): string[] {
  return ["service", SERVICE, "kind", entry.kind, "profile", entry.profile];
}

/** The item's label: shown by keyring managers, and where the masked key id is kept. */
export function label(entry: Entry, hint: string): string {
  return entry.kind === "keys"
    ? `${SERVICE} keys of profile ${entry.profile} (${hint})`
    : `${SERVICE} MFA session of profile ${entry.profile}`;
}

/** The argument vectors of each operation (tests check them: no secret is ever among them). */
export const commandLines = {
  lookup: (entry: Entry) => ["lookup", "--", ...attributes(entry)],
  search: (entry: Entry) => ["search", "--", ...attributes(entry)],
  store: (entry: Entry, hint: string) => [
    "store",
    `--label=${label(entry, hint)}`,
    "--",
    ...attributes(entry),
  ],
  clear: (entry: Entry) => ["clear", "--", ...attributes(entry)],
  list: () => ["search", "--all", "--", "service", SERVICE],
};

/**
 * The items of `secret-tool search` output: label and attributes (secret lines skipped).
 * secret-tool prints each item's label on stdout and its attributes on stderr (other versions on
 * stdout): items are matched up by their order in each stream.
 */
export function parseSearch(stdout: string, stderr = ""): Map<string, string>[] {
  const items: Map<string, string>[] = [];
  for (const line of stdout.split("\n")) {
    if (/^\[.*\]$/.test(line)) items.push(new Map());
    const at = line.indexOf(" = ");
    const key = line.slice(0, at);
    if (items.length && at > 0 && (key === "label" || key.startsWith("attribute."))) {
      items.at(-1)!.set(key, line.slice(at + 3));
    }
  }
  // Attributes on stderr: an item's group ends where an attribute name comes again.
  let index = -1;
  let seen = new Set<string>();
  for (const line of stderr.split("\n")) {
    const match = /^(attribute\.[^ ]+) = (.*)$/.exec(line);
    if (!match) continue;
    if (index < 0 || seen.has(match[1])) {
      index++;
      seen = new Set();
    }
    seen.add(match[1]);
    items[index]?.set(match[1], match[2]);
  }
  return items;
}

/** secret-tool's own words from its stderr (without the attribute lines of a search). */
function said(stderr: string): string {
  return firstLine(stderr.split("\n").filter((line) => !line.startsWith("attribute.")).join("\n"))
    .replace(/^secret-tool: /, "");
}

/**
 * What a failed `secret-tool` run means. Undefined for exit 1 with nothing said, which `lookup`
 * and `clear` answer when there is no such item (`canBeMissing`).
 */
export function failure(result: ChildResult, canBeMissing = true): KeystoreError | undefined {
  const words = said(result.stderr);
  if (canBeMissing && result.code === 1 && words === "") return undefined;
  if (
    /D-Bus|DBus|Could not connect|not provided by any|ServiceUnknown|No such interface/i.test(words)
  ) {
    return new KeystoreError(
      "secret-service",
      "unavailable",
      `the secret-service store cannot be reached (${words}): log in to a desktop session (or ` +
        "start dbus-run-session and gnome-keyring-daemon), or keep the keys in pass: " +
        "vegas_keystore = pass on the source profile (or VEGAS_CREDENTIALS_KEYSTORE=pass)",
    );
  }
  if (/locked/i.test(words)) return locked(words);
  return new KeystoreError(
    "secret-service",
    "failed",
    `the secret-service store failed (secret-tool exit code ${result.code}` +
      `${words ? `: ${words}` : ""})`,
  );
}

function locked(said: string): KeystoreError {
  return new KeystoreError(
    "secret-service",
    "locked",
    `the secret-service store is locked (${said}): unlock the keyring (log in to the desktop, ` +
      "or open it in your keyring manager), then run again",
  );
}

/** The Secret Service backend. */
export function secretService(env: Env): Keystore {
  const run = (args: string[], stdin?: string) => {
    const call: HelperCall = {
      store: "secret-service",
      program: PROGRAM,
      args,
      stdin,
      install: INSTALL,
    };
    return runHelper(call, env);
  };
  // `lookup` and `clear` say nothing both when there is no item and when its keyring stayed
  // locked (the unlock prompt was dismissed, or cannot show): a search tells them apart.
  const notLocked = async (entry: Entry) => {
    const search = await run(commandLines.search(entry));
    if (parseSearch(search.stdout).length) {
      throw locked(said(search.stderr) || "the unlock prompt was dismissed");
    }
  };
  return {
    name: "secret-service",
    async read(entry) {
      const result = await run(commandLines.lookup(entry));
      if (result.code === 0) return result.stdout;
      const error = failure(result);
      if (error) throw error;
      await notLocked(entry);
      return undefined;
    },
    async write(entry, secret, hint) {
      const result = await run(commandLines.store(entry, hint), secret);
      if (result.code !== 0) throw failure(result, false);
    },
    async remove(entry) {
      const result = await run(commandLines.clear(entry));
      if (result.code === 0) return true;
      const error = failure(result);
      if (error) throw error;
      await notLocked(entry);
      return false;
    },
    async list() {
      const result = await run(commandLines.list());
      if (result.code !== 0) {
        const error = failure(result);
        if (error) throw error;
        return [];
      }
      return parseSearch(result.stdout, result.stderr).flatMap((item): StoredItem[] => {
        const kind = item.get("attribute.kind");
        const profile = item.get("attribute.profile");
        if ((kind !== "keys" && kind !== "session") || profile === undefined) return [];
        const hint = /\(([^()]*)\)$/.exec(item.get("label") ?? "")?.[1];
        return [{ kind, profile, hint }];
      });
    },
  };
}
