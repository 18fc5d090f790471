/**
 * `keys add|import|export|remove|list`: a source profile's long-term keys in the OS secure store
 * (src/keystore/). No command prints a secret; each one that changes the keys drops the cached
 * credentials and MFA sessions made with the old ones.
 * @module
 */
import type { CommandContext } from "./context.ts";
import {
  configFilePath,
  credentialsFilePath,
  type Env,
  readSharedFiles,
  type SharedFiles,
} from "../config/files.ts";
import { keystoreOf, shown } from "../config/resolve.ts";
import type { SourceKeys } from "../config/types.ts";
import { UsageError, VegasError } from "../errors.ts";
import { joinLines, unifiedDiff } from "../import/lines.ts";
import { replaceFile, writeAtomically } from "../atomic_write.ts";
import { openKeystore } from "../keystore/backends.ts";
import { findKeysInFiles, readSharedFile, withKeys } from "../keystore/file_keys.ts";
import { dropDerived } from "../keystore/invalidate.ts";
import { decodeKeys, keysProblem } from "../keystore/payload.ts";
import { KeystoreError, STORE_NAMES, storeLabel, type StoreName } from "../keystore/types.ts";
import { inStore, keysEntry, storedKeys, storeKeys, storeOf } from "../keystore/keys_entry.ts";
import type { Ui } from "../ui.ts";
import { diffLineShown } from "./config_import.ts";
import { alignColumns, maskAccessKeyId, noPositionals } from "./common.ts";

/** The `--profile` of a keys command: the source profile (the one with the keys). */
function sourceProfile(context: CommandContext, command: string): string {
  noPositionals(context);
  const profile = context.values.profile;
  if (typeof profile !== "string" || profile === "") {
    throw new UsageError(
      `keys ${command} needs --profile=NAME (the source profile that holds your IAM user keys)`,
    );
  }
  return profile;
}

/** Refuses when a shared file holds keys for `profile`: they win over the store. */
function noKeysInFiles(profile: string, env: Env, command: string): void {
  const found = findKeysInFiles(profile, env);
  if (!found) return;
  const where = `source profile ${shown(profile)} has keys in ${found.file.path} ` +
    `[${found.section}]`;
  throw new VegasError(
    command === "add"
      ? `${where}, which win over the store: move them there with vegas-credentials keys ` +
        `import --profile ${profile} (or delete them from the file first)`
      : `${where} already: delete them from the file first, or keep them and drop the stored ` +
        `ones with vegas-credentials keys remove --profile ${profile}`,
  );
}

/** Reads the two lines of `keys add`: on the terminal (secret hidden), else from stdin. */
async function readKeys(profile: string, ui: Ui): Promise<SourceKeys> {
  let id: string | undefined;
  let secret: string | undefined;
  if (Deno.stdin.isTerminal()) {
    const console = await ui.openConsole();
    if (!console) throw new VegasError("keys add: the terminal cannot be opened");
    const signal = new AbortController().signal;
    console.write(`AWS access key id for source profile ${shown(profile)}: `);
    id = await console.readLine(signal);
    if (id !== undefined) {
      console.write("AWS secret access key (not shown): ");
      secret = await console.readLine(signal, { hidden: true });
    }
    if (secret === undefined) throw new VegasError("keys add: cancelled, nothing stored");
  } else {
    const lines = (await new Response(Deno.stdin.readable).text()).split(/\r?\n/);
    [id, secret] = lines;
    if (!id || !secret) {
      throw new UsageError(
        "keys add reads the access key id and the secret access key from two lines of " +
          "standard input (or asks for them on a terminal)",
      );
    }
  }
  const keys = { accessKeyId: id!.trim(), secretAccessKey: secret.trim() };
  const problem = keysProblem(keys);
  if (problem) throw new VegasError(`keys add for source profile ${shown(profile)}: ${problem}`);
  return keys;
}

/** A note when `profile` is not in the files yet: it needs mfa_serial there to be of use. */
function profileNote(profile: string, files: SharedFiles, ui: Ui): void {
  if (files.profiles.has(profile)) return;
  ui.info(
    `profile ${shown(profile)} is not in ${files.configFile} yet: give it mfa_serial there, and ` +
      `name it in vegas_source_profile of your role profiles`,
  );
}

/** `keys add --profile NAME`. */
export async function runKeysAdd(context: CommandContext): Promise<number> {
  const profile = sourceProfile(context, "add");
  const { env, ui } = context;
  const files = readSharedFiles(env);
  noKeysInFiles(profile, env, "add");
  const store = await storeOf(profile, files, env);
  const keys = await readKeys(profile, ui);
  await storeKeys(store, profile, keys);
  await inStore(profile, () => dropDerived(profile, files, env, store));
  ui.info(
    `stored the keys of source profile ${shown(profile)} (${maskAccessKeyId(keys.accessKeyId)}) ` +
      `in ${storeLabel(store.name)}`,
  );
  profileNote(profile, files, ui);
  return 0;
}

/** `keys import --profile NAME [--dry-run]`. */
export async function runKeysImport(context: CommandContext): Promise<number> {
  const profile = sourceProfile(context, "import");
  const { env, ui } = context;
  const files = readSharedFiles(env);
  const found = findKeysInFiles(profile, env);
  if (!found) {
    throw new VegasError(
      `source profile ${shown(profile)} has no aws_access_key_id and aws_secret_access_key in ` +
        `${credentialsFilePath(env)} or ${configFilePath(env)}: nothing to import`,
    );
  }
  const store = await storeOf(profile, files, env);
  const masked = maskAccessKeyId(found.keys.accessKeyId);
  const removed = found.removal.script.filter((line) => line.op === "-").length;
  const what = `${removed} line${removed === 1 ? "" : "s"}` +
    (found.emptied ? `, with the section [${found.section}] they leave empty` : "");
  if (context.values["dry-run"]) {
    // The store must be reachable for the real run: find out now, without writing.
    await inStore(profile, () => store.list());
    context.print(unifiedDiff(found.removal.script, found.file.path, { show: diffLineShown }));
    ui.info(
      `would move the keys of source profile ${shown(profile)} (${masked}) from ` +
        `${found.file.path} to ${storeLabel(store.name)} (removing ${what}); run again ` +
        "without --dry-run",
    );
    return 0;
  }
  await storeKeys(store, profile, found.keys);
  replaceFile(
    found.file.path,
    found.file.bytes!,
    new TextEncoder().encode(joinLines(found.removal.lines)),
  );
  await inStore(profile, () => dropDerived(profile, files, env, store));
  ui.info(
    `moved the keys of source profile ${shown(profile)} (${masked}) from ${found.file.path} to ` +
      `${storeLabel(store.name)} (removed ${what})`,
  );
  return 0;
}

/** `keys export --profile NAME`: back into the credentials file, out of the store. */
export async function runKeysExport(context: CommandContext): Promise<number> {
  const profile = sourceProfile(context, "export");
  const { env, ui } = context;
  const files = readSharedFiles(env);
  noKeysInFiles(profile, env, "export");
  const store = await storeOf(profile, files, env);
  const keys = await storedKeys(store, profile);
  const file = readSharedFile(credentialsFilePath(env));
  const data = new TextEncoder().encode(withKeys(file, profile, keys));
  if (file.bytes) replaceFile(file.path, file.bytes, data);
  else {
    const dir = file.path.slice(0, Math.max(file.path.lastIndexOf("/"), 0));
    if (dir) Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomically(file.path, data, 0o600);
  }
  // The file must now give exactly these keys, before the store forgets them.
  const written = findKeysInFiles(profile, env)?.keys;
  if (
    written?.accessKeyId !== keys.accessKeyId || written.secretAccessKey !== keys.secretAccessKey
  ) {
    throw new VegasError(
      `${file.path} does not read back the keys of source profile ${shown(profile)}; they stay ` +
        `in ${storeLabel(store.name)} too`,
    );
  }
  await inStore(profile, () => store.remove(keysEntry(profile)));
  await inStore(profile, () => dropDerived(profile, files, env, store));
  ui.info(
    `moved the keys of source profile ${shown(profile)} (${maskAccessKeyId(keys.accessKeyId)}) ` +
      `from ${storeLabel(store.name)} to ${file.path}`,
  );
  return 0;
}

/** `keys remove --profile NAME`. */
export async function runKeysRemove(context: CommandContext): Promise<number> {
  const profile = sourceProfile(context, "remove");
  const { env, ui } = context;
  const files = readSharedFiles(env);
  const store = await storeOf(profile, files, env);
  if (!await inStore(profile, () => store.remove(keysEntry(profile)))) {
    throw new VegasError(
      `${storeLabel(store.name)} has no keys for source profile ${shown(profile)}`,
    );
  }
  await inStore(profile, () => dropDerived(profile, files, env, store));
  ui.info(`removed the keys of source profile ${shown(profile)} from ${storeLabel(store.name)}`);
  return 0;
}

/**
 * The stores to list: every one a source profile (one a role profile names, or one that sets
 * `vegas_keystore`) or the environment names, and this OS's default, which `keys add` uses for a
 * profile not in the files yet. `named` is false for a default no profile uses: it may be
 * unreachable where it is of no use (pass on a machine without D-Bus).
 */
function storesInUse(files: SharedFiles, env: Env): { name: StoreName; named: boolean }[] {
  const sources = new Set<string>();
  for (const [name, values] of files.profiles) {
    const source = values.get("vegas_source_profile");
    if (source) sources.add(source);
    if (values.has("vegas_keystore")) sources.add(name);
  }
  const named = new Set<string>([...sources].map((name) => keystoreOf(name, files, env).store));
  const preset = env("VEGAS_CREDENTIALS_KEYSTORE");
  if (preset) named.add(preset);
  const fallback = keystoreOf("", files, env).store;
  return STORE_NAMES.filter((name) => named.has(name) || name === fallback)
    .map((name) => ({ name, named: named.has(name) }));
}

/** `keys list`: profile, store and masked key id of every stored key pair. */
export async function runKeysList(context: CommandContext): Promise<number> {
  noPositionals(context);
  const { env, ui } = context;
  const files = readSharedFiles(env);
  const rows: string[][] = [];
  let failed = false;
  for (const { name, named } of storesInUse(files, env)) {
    try {
      const store = await openKeystore(name, env);
      for (const item of await store.list()) {
        if (item.kind !== "keys") continue;
        let hint = item.hint;
        if (hint === undefined) {
          // pass keeps nothing outside the secret: the key id is read from it.
          const keys = decodeKeys((await store.read(item)) ?? "");
          hint = typeof keys === "string" ? "(unreadable)" : maskAccessKeyId(keys.accessKeyId);
        }
        rows.push([item.profile, name, hint]);
      }
    } catch (error) {
      if (!(error instanceof KeystoreError)) throw error;
      if (!named && error.problem === "unavailable") {
        ui.debug(`not listed (no source profile uses it): ${error.message}`);
        continue;
      }
      ui.error(error.message);
      failed = true;
    }
  }
  if (rows.length) context.print(alignColumns([["PROFILE", "STORE", "KEY ID"], ...rows]));
  else if (!failed) ui.info("no keys in the OS store");
  return failed ? 1 : 0;
}
