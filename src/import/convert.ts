/**
 * The conversion `config import` makes: AWS CLI / aws-vault role profiles (`role_arn` +
 * `source_profile`, `mfa_serial` on the role, aws-vault's `mfa_process`) become vegas profiles, as
 * line edits on the config file.
 *
 * The file is read with the project's reader (the AWS CLI's rules, see config/ini.ts), whose line
 * numbers say which lines hold the keys to change; only those lines are touched. The result is read
 * back and compared with what was planned, so a conversion that would read differently than
 * intended is never written.
 * @module
 */
import {
  configProfileName,
  configProfiles,
  type IniSections,
  isPySpace,
  parseIni,
  pyStrip,
} from "../config/ini.ts";
import { sharedFiles } from "../config/files.ts";
import { runsVegas, shown } from "../config/resolve.ts";
import { closestNames } from "../config/validate.ts";
import { applyEdits, type EditResult, joinLines, type LineEdit, splitLines } from "./lines.ts";

/** What to convert, and where. */
export interface ImportInput {
  readonly configFile: string;
  /** The config file's text (decoded). */
  readonly text: string;
  readonly credentialsFile: string;
  /** The credentials file's sections (for source profiles that live only there). */
  readonly credentials: IniSections;
  /** `--profile` names; undefined: every role profile that can be converted. */
  readonly only?: readonly string[];
  /** Absolute path of the program `credential_process` runs. */
  readonly program: string;
  /** Quote the command line for Windows (botocore splits it differently there). */
  readonly windows?: boolean;
}

/** A role profile that stays as it is, and why. */
export interface Skipped {
  readonly profile: string;
  readonly reason: string;
}

/** The outcome of planning. Nothing may be written when `problems` is not empty. */
export interface ImportPlan {
  /** Profiles converted, in file order. */
  readonly converted: readonly string[];
  /** Role profiles left alone (not vegas material): only when no `--profile` was given. */
  readonly skipped: readonly Skipped[];
  /** Profiles named with `--profile` that are vegas profiles already. */
  readonly already: readonly string[];
  /** `mfa_serial` values moved to a source profile. */
  readonly movedMfa: readonly { readonly source: string; readonly serial: string }[];
  /** One line each; the conversion stops on any. */
  readonly problems: readonly string[];
  /** The edit, when something changes and there is no problem. */
  readonly edit?: EditResult;
  /** The converted file's text, with `edit`. */
  readonly text?: string;
}

/** Keys a converted profile must hold in its own section (not inherited from `[DEFAULT]`). */
const OWN_KEYS = ["role_arn", "source_profile", "mfa_serial", "mfa_process", "credential_process"];

/** A word a POSIX shell (and Python's `shlex`, which botocore uses) reads back unchanged. */
function quotePosix(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** A word as Windows command lines quote it (botocore's Windows splitter reads it back). */
function quoteWindows(word: string): string {
  return /^[^\s"]+$/.test(word) ? word : `"${word.replaceAll('"', '\\"')}"`;
}

/** The `credential_process` line's value for `profile`. */
export function credentialProcessLine(program: string, profile: string, windows = false): string {
  const quote = windows ? quoteWindows : quotePosix;
  return `${quote(program)} assume ${quote(`--profile=${profile}`)}`;
}

/** The section header text for a new profile section that botocore reads as `profile`. */
function sectionFor(profile: string): string | undefined {
  const name = profile === "default"
    ? "default"
    : /^[\w@%+=:,./-]+$/.test(profile)
    ? `profile ${profile}`
    : `profile "${profile.replace(/[\\"]/g, "\\$&")}"`;
  return configProfileName(name) === profile && !/[\r\n]/.test(profile) ? name : undefined;
}

function indentOf(text: string): string {
  let end = 0;
  while (end < text.length && isPySpace(text.charCodeAt(end))) end++;
  return text.slice(0, end);
}

/** `line` with its key (as written, any case) renamed to `key`; value and spacing unchanged. */
export function renameKey(line: string, key: string): string {
  const start = indentOf(line).length;
  let delimiter = start;
  while (delimiter < line.length && line[delimiter] !== "=" && line[delimiter] !== ":") {
    delimiter++;
  }
  let end = delimiter;
  while (end > start && isPySpace(line.charCodeAt(end - 1))) end--;
  return line.slice(0, start) + key + line.slice(end);
}

/** Plans the conversion; never throws for a problem of the file (those are `problems`). */
export function planImport(input: ImportInput): ImportPlan {
  const lineOf = new Map<string, number>();
  const sections = parseIni(input.text, lineOf);
  const lines = splitLines(input.text);
  const { profiles } = configProfiles(sections);
  const files = sharedFiles(input.configFile, sections, input.credentialsFile, input.credentials);
  /** The section botocore takes each profile from (the last of the same name). */
  const sectionOf = new Map<string, string>();
  for (const name of sections.keys()) {
    const profile = configProfileName(name);
    if (profile !== undefined) sectionOf.set(profile, name);
  }
  const own = (profile: string, key: string) => lineOf.get(`${sectionOf.get(profile)}\0${key}`);
  const label = (profile: string) => `profile ${shown(profile)} in ${input.configFile}`;

  const problems: string[] = [];
  const skipped: Skipped[] = [];
  const already: string[] = [];
  const explicit = input.only !== undefined;

  /** Why `profile` cannot be converted: a problem (fix the file) or a reason to leave it. */
  const check = (profile: string): { problem?: string; skip?: string } => {
    const values = profiles.get(profile)!;
    if (!values.has("source_profile")) {
      const how = ["credential_source", "web_identity_token_file"].find((key) => values.has(key));
      return {
        skip: `it assumes its role with ${how ?? "no source_profile"}, not with a source ` +
          "profile's keys and MFA",
      };
    }
    for (const key of OWN_KEYS) {
      if (values.has(key) && own(profile, key) === undefined) {
        return {
          problem: `${label(profile)}: ${key} comes from [DEFAULT]; write it in the profile's ` +
            "own section to convert this profile",
        };
      }
      if (values.get(key)?.includes("\n")) {
        return { problem: `${label(profile)}: ${key} spans several lines; write it on one line` };
      }
    }
    for (const key of ["role_arn", "source_profile"]) {
      const vegas = values.get(`vegas_${key}`);
      if (vegas !== undefined && vegas !== values.get(key)) {
        return {
          problem: `${label(profile)}: ${key} ${shown(values.get(key)!)} and vegas_${key} ` +
            `${shown(vegas)} differ; remove the one you do not mean`,
        };
      }
    }
    const process = values.get("credential_process");
    if (process !== undefined && !runsVegas(process)) {
      return {
        problem: `${label(profile)}: it has both role_arn and a credential_process of another ` +
          "program (the AWS CLI ignores credential_process while role_arn is set); remove " +
          "one of them first",
      };
    }
    const source = values.get("source_profile")!;
    if (source === profile) {
      // Valid for the AWS CLI (the profile's own keys assume the role), but vegas-credentials
      // reads the keys from a separate source profile, and the keys in this profile's
      // credentials section would make the AWS tools skip credential_process.
      return {
        skip: "its source_profile is the profile itself; move its keys to a profile of their " +
          "own (e.g. [NAME-user] in the credentials file), name that as source_profile, and " +
          "import again",
      };
    }
    const sourceValues = files.profiles.get(source);
    if (!sourceValues) {
      return {
        problem: `${label(profile)}: source_profile ${shown(source)} is not a profile in ` +
          `${input.configFile} or ${input.credentialsFile}`,
      };
    }
    if (["role_arn", "vegas_role_arn", "credential_process"].some((k) => sourceValues.has(k))) {
      return {
        skip: `its source profile ${shown(source)} is itself a role (role chaining); ` +
          "vegas-credentials needs a source profile with your IAM user's keys",
      };
    }
    if (!values.has("mfa_serial") && !sourceValues.has("mfa_serial")) {
      return {
        skip: `it uses no MFA (no mfa_serial on it or on its source profile ${shown(source)}); ` +
          "vegas-credentials is for roles assumed with MFA, the AWS CLI handles this one as it is",
      };
    }
    return {};
  };

  const isRole = (values: ReadonlyMap<string, string>) => values.has("role_arn");
  const selected: string[] = [];
  if (explicit) {
    for (const name of new Set(input.only)) {
      const values = profiles.get(name);
      if (!values) {
        const close = closestNames(name, profiles.keys());
        problems.push(
          `profile ${shown(name)} is not in ${input.configFile}` +
            (close.length ? ` (did you mean ${close.map(shown).join(" or ")}?)` : ""),
        );
      } else if (!isRole(values) && values.has("vegas_role_arn")) {
        already.push(name);
      } else if (!isRole(values)) {
        problems.push(`${label(name)} has no role_arn: it is not a role profile`);
      } else {
        const { problem, skip } = check(name);
        if (problem ?? skip) problems.push(problem ?? `${label(name)} stays as it is: ${skip}`);
        else selected.push(name);
      }
    }
  } else {
    for (const [name, values] of profiles) {
      if (!isRole(values)) continue;
      const { problem, skip } = check(name);
      if (problem) problems.push(problem);
      else if (skip) skipped.push({ profile: name, reason: skip });
      else selected.push(name);
    }
  }

  // mfa_serial moves to the source profile when every role of that source names the same device.
  const sources = new Set(selected.map((name) => profiles.get(name)!.get("source_profile")!));
  const movedMfa: { source: string; serial: string }[] = [];
  for (const source of sources) {
    const named = new Map<string, string[]>();
    const name = (serial: string, who: string) =>
      named.set(serial, [...(named.get(serial) ?? []), who]);
    const sourceSerial = files.profiles.get(source)!.get("mfa_serial");
    if (sourceSerial !== undefined) name(sourceSerial, `source profile ${shown(source)}`);
    for (const [profile, values] of profiles) {
      if (isRole(values) && values.get("source_profile") === source && values.has("mfa_serial")) {
        name(values.get("mfa_serial")!, `profile ${shown(profile)}`);
      }
    }
    if (named.size > 1) {
      problems.push(
        `the roles of source profile ${shown(source)} name different MFA devices: ` +
          [...named].map(([serial, who]) => `${shown(serial)} (${who.join(", ")})`).join(", ") +
          `; vegas-credentials reads mfa_serial from the source profile, so make them agree ` +
          `or give these roles different source profiles (${input.configFile})`,
      );
    } else if (sourceSerial === undefined && named.size === 1) {
      movedMfa.push({ source, serial: [...named.keys()][0] });
    }
  }

  const converted = selected;
  const plan = { converted, skipped, already, movedMfa, problems };
  if (problems.length || !converted.length) return plan;

  const edits: LineEdit[] = [];
  for (const profile of converted) {
    const values = profiles.get(profile)!;
    const text = (line: number) => lines[line - 1].text;
    if (!values.has("credential_process")) {
      // Above the first converted key, indented as it is.
      const first = Math.min(own(profile, "role_arn")!, own(profile, "source_profile")!);
      const command = credentialProcessLine(input.program, profile, input.windows);
      edits.push({
        kind: "insert",
        before: first,
        lines: [`${indentOf(text(first))}credential_process = ${command}`],
      });
    }
    for (const key of ["role_arn", "source_profile"]) {
      const line = own(profile, key)!;
      edits.push(
        values.has(`vegas_${key}`)
          ? { kind: "delete", line }
          : { kind: "replace", line, text: renameKey(text(line), `vegas_${key}`) },
      );
    }
    if (values.has("mfa_serial")) edits.push({ kind: "delete", line: own(profile, "mfa_serial")! });
    if (values.has("mfa_process") && !values.has("vegas_mfa_process")) {
      const line = own(profile, "mfa_process")!;
      edits.push({ kind: "replace", line, text: renameKey(text(line), "vegas_mfa_process") });
    }
  }
  for (const { source, serial } of movedMfa) {
    const section = sectionOf.get(source);
    const entry = `mfa_serial = ${serial}`;
    if (section !== undefined) {
      const [after, indent] = endOfSection(section, lineOf, lines.map((line) => line.text));
      edits.push({ kind: "insert", before: after + 1, lines: [indent + entry] });
      continue;
    }
    const header = sectionFor(source);
    if (header === undefined) {
      problems.push(
        `cannot write a section for source profile ${shown(source)} in ${input.configFile}; ` +
          `add [profile ${source}] with mfa_serial = ${serial} yourself`,
      );
      continue;
    }
    const blank = lines.length > 0 && pyStrip(lines[lines.length - 1].text) !== "";
    edits.push({
      kind: "insert",
      before: lines.length + 1,
      lines: [...(blank ? [""] : []), `[${header}]`, entry],
    });
  }
  if (problems.length) return plan;

  const edit = applyEdits(lines, edits);
  const text = joinLines(edit.lines);
  checkReadBack(sections, text, input, plan);
  return { ...plan, edit, text };
}

/**
 * The line after which a key can be added to `section` (its last line that is not blank or a
 * comment: the end of its last value), and the indentation of its key lines.
 */
function endOfSection(
  section: string,
  lineOf: ReadonlyMap<string, number>,
  texts: readonly string[],
): [number, string] {
  const header = lineOf.get(section)!;
  let next = texts.length + 1;
  let lastKey: number | undefined;
  for (const [name, line] of lineOf) {
    if (!name.includes("\0") && line > header && line < next) next = line;
  }
  for (const [name, line] of lineOf) {
    if (name.startsWith(`${section}\0`) && line < next) lastKey = Math.max(lastKey ?? 0, line);
  }
  let end = next - 1;
  while (end > header) {
    const text = pyStrip(texts[end - 1]);
    if (text !== "" && !text.startsWith("#") && !text.startsWith(";")) break;
    end--;
  }
  return [end, lastKey === undefined ? "" : indentOf(texts[lastKey - 1])];
}

/**
 * Reads the converted text back with the AWS CLI's rules and checks that exactly the planned
 * values changed: every other section and key reads as before. A mismatch is a bug here, and
 * nothing is written.
 */
function checkReadBack(
  before: IniSections,
  text: string,
  input: ImportInput,
  plan: Pick<ImportPlan, "converted" | "movedMfa">,
): void {
  const after = parseIni(text);
  const expected = new Map([...before].map(([name, values]) => [name, new Map(values)]));
  const sectionOf = new Map<string, string>();
  for (const name of before.keys()) {
    const profile = configProfileName(name);
    if (profile !== undefined) sectionOf.set(profile, name);
  }
  for (const profile of plan.converted) {
    const values = expected.get(sectionOf.get(profile)!)!;
    for (const key of ["role_arn", "source_profile"]) {
      values.set(`vegas_${key}`, values.get(key)!);
      values.delete(key);
    }
    values.delete("mfa_serial");
    if (values.has("mfa_process") && !values.has("vegas_mfa_process")) {
      values.set("vegas_mfa_process", values.get("mfa_process")!);
      values.delete("mfa_process");
    }
    if (!values.has("credential_process")) {
      values.set(
        "credential_process",
        credentialProcessLine(input.program, profile, input.windows),
      );
    }
  }
  for (const { source, serial } of plan.movedMfa) {
    const section = sectionOf.get(source);
    if (section !== undefined) expected.get(section)!.set("mfa_serial", serial);
  }
  const same = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) =>
    a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
  for (const [name, values] of expected) {
    if (!after.has(name) || !same(values, after.get(name)!)) {
      throw new Error(`config import: the converted file does not read back as planned [${name}]`);
    }
  }
  for (const { source, serial } of plan.movedMfa) {
    if (configProfiles(after).profiles.get(source)?.get("mfa_serial") !== serial) {
      throw new Error(`config import: mfa_serial of ${source} does not read back as planned`);
    }
  }
}
