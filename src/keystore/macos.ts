/**
 * The macOS keychain through `security`. An entry is a generic password: service
 * `vegas-credentials` (keys) or `vegas-credentials-session` (MFA sessions), account = the profile,
 * comment = the masked key id. `security add-generic-password -w SECRET` would put the secret on a
 * command line, so writes go to `security -i`, which reads its commands from stdin; reads, removals
 * and listings carry no secret in their arguments.
 * @module
 */
import type { Env } from "../config/files.ts";
import type { ChildResult } from "../mfa/spawn.ts";
import { runHelper } from "./helper.ts";
import {
  type Entry,
  firstLine,
  type Keystore,
  KeystoreError,
  SERVICE,
  type StoredItem,
} from "./types.ts";

const INSTALL = "it comes with macOS (/usr/bin/security)";

/** `security`'s exit code for errSecItemNotFound. */
const NOT_FOUND = 44;

/** The keychain service of an entry kind. */
export function serviceOf(entry: Pick<Entry, "kind">): string {
  return entry.kind === "keys" ? SERVICE : `${SERVICE}-session`;
}

/**
 * One argument as `security -i` reads it: in double quotes, `\` and `"` escaped. A line break
 * would end the command, so there is none in anything written (profile names cannot hold one).
 */
export function quoted(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error("a line break cannot be passed to security -i");
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The argument vectors and the `security -i` input of each operation (tests check them). */
export const commandLines = {
  read: (
    entry: Entry,
  ) => ["find-generic-password", "-s", serviceOf(entry), "-a", entry.profile, "-w"],
  remove: (
    entry: Entry,
  ) => ["delete-generic-password", "-s", serviceOf(entry), "-a", entry.profile],
  list: () => ["dump-keychain"],
  write: () => ["-i"],
  /** The one command `security -i` reads from stdin: the secret travels here, not in argv. */
  writeInput: (entry: Entry, secret: string, hint: string) =>
    [
      "add-generic-password",
      "-U",
      "-s",
      quoted(serviceOf(entry)),
      "-a",
      quoted(entry.profile),
      "-l",
      quoted(`${serviceOf(entry)} ${entry.profile}`),
      "-j",
      quoted(hint),
      "-w",
      quoted(secret),
    ].join(" ") + "\n",
};

/** What a failed `security` run means; undefined when the item does not exist. */
export function failure(result: ChildResult): KeystoreError | undefined {
  const said = firstLine(result.stderr).replace(/^security: /, "");
  if (result.code === NOT_FOUND || /could not be found/i.test(said)) return undefined;
  if (/interaction is not allowed|user canceled|locked|authorization|auth failed/i.test(said)) {
    return new KeystoreError(
      "keychain",
      "locked",
      `the macOS keychain is locked (${said}): unlock it (security unlock-keychain, or log in ` +
        "to the desktop), then run again",
    );
  }
  return new KeystoreError(
    "keychain",
    "failed",
    `the macOS keychain failed (security exit code ${result.code}${said ? `: ${said}` : ""})`,
  );
}

/** A `dump-keychain` attribute value: `"text"`, `0xHEX  "escaped"` or `<NULL>`. */
function attributeValue(raw: string): string | undefined {
  const hex = /^0x([0-9A-Fa-f]+)/.exec(raw);
  if (hex) {
    const bytes = new Uint8Array(hex[1].match(/../g)!.map((pair) => parseInt(pair, 16)));
    return new TextDecoder().decode(bytes);
  }
  return raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : undefined;
}

/** The generic passwords of our services in `security dump-keychain` output (no secrets in it). */
export function parseDump(stdout: string): StoredItem[] {
  const items: StoredItem[] = [];
  for (const block of stdout.split(/^keychain: /m).slice(1)) {
    if (!/^class: "genp"/m.test(block)) continue;
    const values = new Map<string, string | undefined>();
    for (const match of block.matchAll(/^\s+"(\w{4})"<\w+>=(.*)$/gm)) {
      values.set(match[1], attributeValue(match[2].trim()));
    }
    const service = values.get("svce");
    const profile = values.get("acct");
    if (profile === undefined) continue;
    const kind = service === SERVICE ? "keys" : service === `${SERVICE}-session` ? "session" : "";
    if (kind) items.push({ kind, profile, hint: values.get("icmt") || undefined });
  }
  return items;
}

/** The keychain backend. */
export function keychain(env: Env): Keystore {
  const run = (args: string[], stdin?: string) =>
    runHelper({ store: "keychain", program: "security", args, stdin, install: INSTALL }, env);
  return {
    name: "keychain",
    async read(entry) {
      const result = await run(commandLines.read(entry));
      if (result.code === 0) return result.stdout.replace(/\n$/, "");
      const error = failure(result);
      if (error) throw error;
      return undefined;
    },
    async write(entry, secret, hint) {
      const result = await run(commandLines.write(), commandLines.writeInput(entry, secret, hint));
      if (result.code !== 0) {
        throw failure(result) ??
          new KeystoreError("keychain", "failed", "the macOS keychain did not store the entry");
      }
    },
    async remove(entry) {
      const result = await run(commandLines.remove(entry));
      if (result.code === 0) return true;
      const error = failure(result);
      if (error) throw error;
      return false;
    },
    async list() {
      const result = await run(commandLines.list());
      if (result.code !== 0) {
        throw failure(result) ??
          new KeystoreError("keychain", "failed", "the macOS keychain cannot be listed");
      }
      return parseDump(result.stdout);
    },
  };
}
