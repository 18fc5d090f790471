/**
 * A source profile's key lines in the shared files, found with the INI reader's own line numbers
 * and edited with `config import`'s line editor (src/import/lines.ts): `keys import` deletes exactly
 * those lines (and a section they leave empty), `keys export` adds them back; every other byte of
 * the file stays as it was.
 * @module
 */
import { configFilePath, credentialsFilePath, type Env } from "../config/files.ts";
import {
  configProfileName,
  decodeIni,
  type IniSections,
  IniSyntaxError,
  parseIni,
} from "../config/ini.ts";
import type { SourceKeys } from "../config/types.ts";
import { shown } from "../config/resolve.ts";
import { ConfigError } from "../errors.ts";
import {
  applyEdits,
  type EditResult,
  joinLines,
  type LineEdit,
  splitLines,
} from "../import/lines.ts";
import { keysProblem } from "./payload.ts";

/** The keys a source profile's section may hold, in the order `keys export` writes them. */
export const KEY_NAMES = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"];

/** One shared file as read: its bytes, text and sections with their line numbers. */
export interface SharedFile {
  readonly path: string;
  /** Undefined when the file does not exist. */
  readonly bytes?: Uint8Array;
  readonly text: string;
  readonly sections: IniSections;
  /** `SECTION` and `SECTION\0key` → 1-based line (see `parseIni`). */
  readonly lines: Map<string, number>;
}

/** Reads and parses one shared file; a missing file reads as empty. */
export function readSharedFile(path: string): SharedFile {
  let bytes: Uint8Array | undefined;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }
  const lines = new Map<string, number>();
  try {
    const text = bytes ? decodeIni(bytes) : "";
    return { path, bytes, text, sections: parseIni(text, lines), lines };
  } catch (error) {
    if (!(error instanceof IniSyntaxError)) throw error;
    throw new ConfigError(
      `${path} line ${error.line}: ${error.problem}; the AWS CLI cannot read this file either`,
    );
  }
}

/** A source profile's keys in one file, and the edit that takes them out. */
export interface KeysInFile {
  readonly file: SharedFile;
  /** The section as written between the brackets. */
  readonly section: string;
  readonly keys: SourceKeys;
  /** Deletes the key lines, and the section header when no other key is left in it. */
  readonly removal: EditResult;
  /** True when the section goes too. */
  readonly emptied: boolean;
}

/** The section of `file` that holds `profile`: `[NAME]` in credentials, the config's last. */
function sectionOf(file: SharedFile, profile: string, isConfig: boolean): string | undefined {
  if (!isConfig) return file.sections.has(profile) ? profile : undefined;
  return [...file.sections.keys()].findLast((name) => configProfileName(name) === profile);
}

function keysIn(file: SharedFile, profile: string, isConfig: boolean): KeysInFile | undefined {
  const section = sectionOf(file, profile, isConfig);
  const values = section === undefined ? undefined : file.sections.get(section);
  if (section === undefined || !values) return undefined;
  const present = KEY_NAMES.filter((key) => values.has(key));
  if (!present.includes("aws_access_key_id") && !present.includes("aws_secret_access_key")) {
    return undefined;
  }
  const where = `source profile ${shown(profile)} in ${file.path}`;
  for (const key of ["aws_access_key_id", "aws_secret_access_key"]) {
    if (!values.get(key)) throw new ConfigError(`${where}: ${key} is missing or empty`);
  }
  for (const key of present) {
    if (!file.lines.has(`${section}\0${key}`)) {
      throw new ConfigError(
        `${where}: ${key} comes from the [DEFAULT] section, which every profile shares; move ` +
          `it into [${section}] first`,
      );
    }
  }
  const keys: SourceKeys = {
    accessKeyId: values.get("aws_access_key_id")!,
    secretAccessKey: values.get("aws_secret_access_key")!,
    sessionToken: values.get("aws_session_token") || undefined,
  };
  const problem = keysProblem(keys);
  if (problem) throw new ConfigError(`${where}: ${problem}`);
  const removed = new Set(present.map((key) => file.lines.get(`${section}\0${key}`)!));
  const prefix = `${section}\0`;
  const others = [...file.lines].filter(([name, line]) =>
    name.startsWith(prefix) && !removed.has(line)
  );
  const emptied = others.length === 0;
  const edits: LineEdit[] = [...removed].map((line) => ({ kind: "delete", line }));
  if (emptied) edits.push({ kind: "delete", line: file.lines.get(section)! });
  const removal = applyEdits(splitLines(file.text), edits);
  return { file, section, keys, removal, emptied };
}

/**
 * Where the resolver finds `profile`'s keys: the credentials file, else the config file.
 * Undefined when neither has them; a ConfigError (naming profile, key and file) when they are
 * unusable, or when both files hold keys (taking out one pair would bring the other into use).
 */
export function findKeysInFiles(profile: string, env: Env): KeysInFile | undefined {
  const credentials = keysIn(readSharedFile(credentialsFilePath(env)), profile, false);
  const config = keysIn(readSharedFile(configFilePath(env)), profile, true);
  if (credentials && config) {
    throw new ConfigError(
      `source profile ${shown(profile)} has keys in both ${credentials.file.path} and ` +
        `${config.file.path} (the first are used); delete the pair you do not use, then run ` +
        "this again",
    );
  }
  return credentials ?? config;
}

/** The text of `file` with `keys` added to `profile`'s section (created at the end if needed). */
export function withKeys(file: SharedFile, profile: string, keys: SourceKeys): string {
  const values: Record<string, string | undefined> = {
    aws_access_key_id: keys.accessKeyId,
    aws_secret_access_key: keys.secretAccessKey,
    aws_session_token: keys.sessionToken,
  };
  const added = KEY_NAMES.filter((key) => values[key]).map((key) => `${key} = ${values[key]}`);
  const lines = splitLines(file.text);
  const header = file.lines.get(profile);
  let edit: LineEdit;
  if (header !== undefined) {
    edit = { kind: "insert", before: header + 1, lines: added };
  } else {
    const blank = lines.length > 0 && lines.at(-1)!.text.trim() !== "";
    edit = {
      kind: "insert",
      before: lines.length + 1,
      lines: [...(blank ? [""] : []), `[${profile}]`, ...added],
    };
  }
  return joinLines(applyEdits(lines, [edit]).lines);
}
