/**
 * Where a source profile's long-term access key lives, as `rotate` sees it: something that reads
 * the key and replaces it in one step. The credentials file and the config file are such places
 * (rewriting only the two key lines); the OS secure store is another (its entry written whole).
 * @module
 */
import type { Env, SharedFiles } from "../config/files.ts";
import { configProfileName, decodeIni, IniSyntaxError, parseIni } from "../config/ini.ts";
import { keystoreOf, shown } from "../config/resolve.ts";
import { ConfigError, VegasError } from "../errors.ts";
import { applyEdits, joinLines, splitLines } from "../import/lines.ts";
import { replaceFile } from "../atomic_write.ts";
import { storedKeys, storeKeys, storeOf } from "../keystore/keys_entry.ts";
import { storeLabel } from "../keystore/types.ts";

/** An IAM user's long-term access key. The secret is never printed. */
export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * A place that holds one profile's access key. `rotate` needs only this: each step leaves a
 * working key stored because {@link KeyLocation.replace} switches from the old key to the new one
 * in one step.
 */
export interface KeyLocation {
  /** Where, for messages: `/home/frank/.aws/credentials [default]`. Never a secret. */
  readonly description: string;
  /** The key stored now; a {@link VegasError} naming the place when it cannot be read. */
  read(): Promise<AccessKeyPair>;
  /**
   * Stores `next` in place of the stored key, provided the stored key is still `expectedId`
   * (else a {@link VegasError}, and nothing changes). All or nothing: a crash or a reader at any
   * moment finds the old key or the new one, both halves of the same key.
   */
  replace(expectedId: string, next: AccessKeyPair): Promise<void>;
}

const ID_KEY = "aws_access_key_id";
const SECRET_KEY = "aws_secret_access_key";

/**
 * Where `source`'s key lives, as the resolver finds it: in the files where the AWS CLI reads it
 * from (the credentials-file section, else the config-file profile), else in the OS secure store
 * the profile uses; a ConfigError for temporary keys or a bad `vegas_keystore`.
 */
export function keyLocation(source: string, files: SharedFiles, env: Env): KeyLocation {
  const places = [
    { path: files.credentialsFile, sections: files.credentials, isConfig: false },
    { path: files.configFile, sections: files.config, isConfig: true },
  ];
  for (const { path, sections, isConfig } of places) {
    const values = sections.get(source);
    if (!values?.has(ID_KEY) && !values?.has(SECRET_KEY)) continue;
    if (values.get("aws_session_token")) {
      throw new ConfigError(
        `source profile ${shown(source)} in ${path} holds temporary keys (aws_session_token): ` +
          "rotate replaces an IAM user's long-term access key",
      );
    }
    return new FileKeyLocation(path, source, isConfig);
  }
  const { store, problem } = keystoreOf(source, files, env);
  if (problem) throw new ConfigError(problem);
  return new StoreKeyLocation(source, store, files, env);
}

/**
 * A source profile's keys entry in the OS secure store. The store replaces an entry whole (one
 * item, one file), and `storeKeys` reads it back: the old key or the new one, never half of each.
 */
export class StoreKeyLocation implements KeyLocation {
  readonly description: string;

  constructor(
    readonly profile: string,
    store: string,
    readonly files: SharedFiles,
    readonly env: Env,
  ) {
    this.description = `${storeLabel(store)} [${profile}]`;
  }

  async read(): Promise<AccessKeyPair> {
    const store = await storeOf(this.profile, this.files, this.env);
    const keys = await storedKeys(store, this.profile);
    if (keys.sessionToken) {
      throw new ConfigError(
        `source profile ${shown(this.profile)} in ${this.description} holds temporary keys ` +
          "(a session token): rotate replaces an IAM user's long-term access key",
      );
    }
    return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  }

  async replace(expectedId: string, next: AccessKeyPair): Promise<void> {
    const store = await storeOf(this.profile, this.files, this.env);
    if ((await storedKeys(store, this.profile)).accessKeyId !== expectedId) {
      throw new VegasError(
        `${this.description} no longer holds the access key rotate started from (it changed ` +
          "meanwhile): nothing written",
      );
    }
    await storeKeys(store, this.profile, next);
  }
}

/** The key lines of one section of a credentials or config file. */
interface KeyLines {
  readonly bytes: Uint8Array;
  readonly text: string;
  readonly pair: AccessKeyPair;
  /** 1-based line numbers of the two keys. */
  readonly idLine: number;
  readonly secretLine: number;
}

/** The two key lines of a profile's section in a shared file, rewritten in place. */
export class FileKeyLocation implements KeyLocation {
  readonly description: string;

  constructor(
    readonly path: string,
    readonly profile: string,
    /** A config file names sections `profile NAME`; a credentials file just `NAME`. */
    readonly isConfig: boolean,
  ) {
    this.description = `${path} [${isConfig && profile !== "default" ? "profile " : ""}${profile}]`;
  }

  read(): Promise<AccessKeyPair> {
    // A promise in every case: a failure is a rejection, as from any other place.
    return Promise.resolve().then(() => this.#lines().pair);
  }

  replace(expectedId: string, next: AccessKeyPair): Promise<void> {
    return Promise.resolve().then(() => this.#replace(expectedId, next));
  }

  #replace(expectedId: string, next: AccessKeyPair): void {
    const found = this.#lines();
    if (found.pair.accessKeyId !== expectedId) {
      throw new VegasError(
        `${this.description} no longer holds the access key rotate started from (it changed ` +
          "meanwhile): nothing written",
      );
    }
    const lines = splitLines(found.text);
    const edit = (line: number, old: string, value: string) => {
      const text = lines[line - 1].text;
      // Only the value changes: the key, its delimiter and the white space around stay as written.
      const delimiter = text.search(/[=:]/);
      const start = text.indexOf(old, delimiter + 1);
      if (
        delimiter < 0 || start < 0 || text.slice(delimiter + 1, start).trim() !== "" ||
        text.slice(start + old.length).trim() !== ""
      ) {
        throw new VegasError(`${this.path} line ${line}: cannot find the value to replace`);
      }
      return {
        kind: "replace" as const,
        line,
        text: text.slice(0, start) + value + text.slice(start + old.length),
      };
    };
    const edited = applyEdits(lines, [
      edit(found.idLine, found.pair.accessKeyId, next.accessKeyId),
      edit(found.secretLine, found.pair.secretAccessKey, next.secretAccessKey),
    ]);
    replaceFile(
      this.path,
      found.bytes,
      new TextEncoder().encode(joinLines(edited.lines)),
      `${this.path} changed while rotate was writing the new key: nothing written`,
    );
  }

  /** Reads the file and finds the key lines of the profile's own section. */
  #lines(): KeyLines {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(this.path);
    } catch (error) {
      throw new VegasError(`cannot read ${this.path}: ${(error as Error).message}`);
    }
    const lines = new Map<string, number>();
    let text: string;
    let sections;
    try {
      text = decodeIni(bytes);
      sections = parseIni(text, lines);
    } catch (error) {
      if (!(error instanceof IniSyntaxError)) throw error;
      throw new ConfigError(
        `${this.path} line ${error.line}: ${error.problem}; the AWS CLI cannot read this file either`,
      );
    }
    // The section the AWS CLI reads the profile from: in a config file, the last one naming it.
    const section = this.isConfig
      ? [...sections.keys()].findLast((name) => configProfileName(name) === this.profile)
      : sections.has(this.profile)
      ? this.profile
      : undefined;
    const values = section === undefined ? undefined : sections.get(section);
    const idLine = lines.get(`${section}\0${ID_KEY}`);
    const secretLine = lines.get(`${section}\0${SECRET_KEY}`);
    const accessKeyId = values?.get(ID_KEY);
    const secretAccessKey = values?.get(SECRET_KEY);
    if (!accessKeyId || !secretAccessKey) {
      throw new ConfigError(
        `${this.description}: ${accessKeyId ? SECRET_KEY : ID_KEY} is missing`,
      );
    }
    if (idLine === undefined || secretLine === undefined) {
      throw new ConfigError(
        `${this.description}: the keys come from the [DEFAULT] section, which every profile of ` +
          `${this.path} shares; move them to [${section}] before rotating`,
      );
    }
    return { bytes, text, pair: { accessKeyId, secretAccessKey }, idLine, secretLine };
  }
}
