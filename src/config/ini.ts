/**
 * The shared files read exactly as the AWS CLI reads them: Python's `configparser` (strict) and
 * `shlex` for profile names. The rules: README "How the files are read"; checked against botocore
 * by tests/unit/config_parity_test.ts. On the hot path: keep lean.
 * @module
 */

/** Sections of one INI file: section name (as written between the brackets) → key → value. */
export type IniSections = Map<string, Map<string, string>>;

/** A file the AWS CLI cannot read, with the (1-based) line that makes it so. */
export class IniSyntaxError extends SyntaxError {
  /**
   * @param line 1-based line number (Python's universal-newline counting).
   * @param problem What is wrong on that line, one sentence without the line number.
   */
  constructor(readonly line: number, readonly problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = "IniSyntaxError";
  }
}

/** Python's `str.isspace()`: what `str.strip()` removes and regex `\s` matches (not JavaScript's). */
export function isPySpace(code: number): boolean {
  return code <= 0x20
    ? (code >= 0x09 && code <= 0x0d) || code >= 0x1c
    : code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
      code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** Python's `str.splitlines()` separators (used by botocore for nested values). */
// deno-lint-ignore no-control-regex
const PY_LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
/** The characters where JavaScript's `trim()` and Python's `strip()` disagree. */
// deno-lint-ignore no-control-regex
const PYTHON_ONLY_SPACE = /[\x1c-\x1f\x85\ufeff]/;
const DELIMITER = /[=:]/;
/** configparser's default section: its keys are inherited, it is not a section itself. */
const DEFAULT_SECTION = "DEFAULT";

/** Index of the first character that is not Python white space (the length when there is none). */
function firstNonSpace(text: string): number {
  let start = 0;
  while (start < text.length && isPySpace(text.charCodeAt(start))) start++;
  return start;
}

/** Python's `str.rstrip()`. */
function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPySpace(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Python's `str.strip()`. */
export function pyStrip(text: string): string {
  return pyRstrip(text.slice(firstNonSpace(text)));
}

/** Cuts `text` for a message: at most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Decodes a file's bytes as strict UTF-8 (a byte-order mark is kept as a character, as Python keeps
 * it); throws {@link IniSyntaxError} naming the first line that is not UTF-8.
 */
export function decodeIni(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    const strict = new TextDecoder("utf-8", { fatal: true });
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a || bytes[i] === 0x0d) {
        try {
          strict.decode(bytes.subarray(start, i));
        } catch {
          break;
        }
        if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i++;
        line++;
        start = i + 1;
      }
    }
    throw new IniSyntaxError(line, "is not valid UTF-8 text");
  }
}

interface OpenKey {
  readonly parts: string[];
  readonly line: number;
}

/** The keys each section of a {@link parseIni} result has only through `[DEFAULT]`. */
const fromDefault = new WeakMap<ReadonlyMap<string, string>, ReadonlySet<string>>();

/**
 * Whether `key` of `values` (a section {@link parseIni} returned) comes from the file's
 * `[DEFAULT]` section, not from the section itself (for messages saying where a value is set).
 */
export function inheritedFromDefault(values: ReadonlyMap<string, string>, key: string): boolean {
  return fromDefault.get(values)?.has(key) ?? false;
}

/**
 * Parses INI text into sections (names as written between the brackets, `[DEFAULT]` keys merged into
 * every other section). Throws {@link IniSyntaxError} where botocore raises `ConfigParseError`.
 * With `lines`, records where each section (`NAME`) and key (`NAME\0KEY`) starts, for messages.
 */
export function parseIni(text: string, lines?: Map<string, number>): IniSections {
  const sections = new Map<string, Map<string, OpenKey>>();
  const defaults = new Map<string, OpenKey>();
  let section: Map<string, OpenKey> | undefined;
  let sectionName = "";
  let key: OpenKey | undefined;
  let indentLevel = 0;
  // configparser reports a line that is neither header nor key only after the whole file.
  let firstBadLine: IniSyntaxError | undefined;
  // Almost every file has none of the characters where JavaScript's white space differs from
  // Python's; then the native trims give Python's answers, faster than a loop on the hot path.
  const native = !PYTHON_ONLY_SPACE.test(text);
  const strip = native ? (line: string) => line.trim() : pyStrip;
  const rstrip = native ? (line: string) => line.trimEnd() : pyRstrip;
  const indentOf = native ? (line: string) => line.length - line.trimStart().length : firstNonSpace;
  const textLines = text.split(/\r\n|\r|\n/);
  if (textLines.at(-1) === "") textLines.pop();
  for (let index = 0; index < textLines.length; index++) {
    const raw = textLines[index];
    const lineNumber = index + 1;
    const value = strip(raw);
    const isComment = value.startsWith("#") || value.startsWith(";");
    if (value === "" || isComment) {
      // A blank line (not a comment) belongs to the value being continued, if any.
      if (!isComment && key) key.parts.push("");
      continue;
    }
    const indent = indentOf(raw);
    if (section && key && indent > indentLevel) {
      key.parts.push(value);
      continue;
    }
    indentLevel = indent;
    if (value.startsWith("[")) {
      const close = value.lastIndexOf("]");
      if (close > 1) {
        const name = value.slice(1, close);
        key = undefined;
        if (name === DEFAULT_SECTION) {
          section = defaults;
        } else {
          if (sections.has(name)) {
            throw new IniSyntaxError(lineNumber, `section [${clip(name)}] appears a second time`);
          }
          section = new Map();
          sections.set(name, section);
        }
        sectionName = name;
        lines?.set(name, lineNumber);
        continue;
      }
    }
    if (!section) {
      throw new IniSyntaxError(
        lineNumber,
        lineNumber === 1 && raw.startsWith("\ufeff")
          ? "the file starts with a byte-order mark (BOM), which the AWS CLI cannot read: save it " +
            "as UTF-8 without one"
          : "text before the first [section] header",
      );
    }
    // configparser's OPTCRE: the key runs to the first `=` or `:`.
    const found = value.search(DELIMITER);
    const delimiter = found < 0 ? value.length : found;
    const name = rstrip(value.slice(0, delimiter)).toLowerCase();
    if (delimiter === value.length || name === "") {
      firstBadLine ??= new IniSyntaxError(
        lineNumber,
        delimiter < value.length
          ? "a value without a key name"
          : "neither a [section] header nor key = value",
      );
      if (delimiter === value.length) continue;
    }
    if (section.has(name)) {
      throw new IniSyntaxError(
        lineNumber,
        `key '${clip(name)}' appears a second time in section [${clip(sectionName)}]`,
      );
    }
    key = { parts: [strip(value.slice(delimiter + 1))], line: lineNumber };
    section.set(name, key);
    lines?.set(`${sectionName}\0${name}`, lineNumber);
  }
  if (firstBadLine) throw firstBadLine;

  const joined = (open: OpenKey) =>
    open.parts.length === 1 ? open.parts[0] : pyRstrip(open.parts.join("\n"));
  const inherited = new Map([...defaults].map(([name, open]) => [name, joined(open)]));
  const result: IniSections = new Map();
  for (const [name, keys] of sections) {
    const values = new Map(inherited);
    for (const [keyName, open] of keys) values.set(keyName, joined(open));
    const onlyInherited = [...defaults.keys()].filter((keyName) => !keys.has(keyName));
    if (onlyInherited.length) fromDefault.set(values, new Set(onlyInherited));
    for (const [keyName, value] of values) {
      if (value.startsWith("\n") && nestedValues(value) === undefined) {
        const line = keys.get(keyName)?.line ?? defaults.get(keyName)!.line;
        throw new IniSyntaxError(
          line,
          `the indented lines under '${clip(keyName)}' must each be key = value`,
        );
      }
    }
    result.set(name, values);
  }
  return result;
}

/**
 * The keys of a nested value (`s3 =` followed by indented `key = value` lines), as botocore reads
 * them (names kept as written). Undefined for a plain value, or for one botocore cannot parse.
 */
export function nestedValues(value: string | undefined): Map<string, string> | undefined {
  if (value === undefined || !value.startsWith("\n")) return undefined;
  const nested = new Map<string, string>();
  for (const raw of value.split(PY_LINE_BREAKS)) {
    const line = pyStrip(raw);
    if (line === "") continue;
    const eq = line.indexOf("=");
    if (eq < 0) return undefined;
    nested.set(pyStrip(line.slice(0, eq)), pyStrip(line.slice(eq + 1)));
  }
  return nested;
}

/** True for a value botocore reads as a nested section rather than as text. */
export function isNested(value: string): boolean {
  return value.startsWith("\n");
}

/**
 * Python's `shlex.split(text)` (POSIX mode, no comments): words split at space, tab, CR and LF,
 * with `'…'`, `"…"` and backslash escapes. Throws on an unclosed quote or a trailing backslash.
 */
export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") quote = "";
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = "";
      else if (char === "\\") {
        if (i + 1 >= text.length) throw new SyntaxError("No escaped character");
        const next = text[++i];
        word += next === "\\" || next === '"' ? next : char + next;
      } else word += char;
    } else if (char === " " || char === "\t" || char === "\r" || char === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      inWord = true;
      if (char === "'" || char === '"') quote = char;
      else if (char === "\\") {
        if (i + 1 >= text.length) throw new SyntaxError("No escaped character");
        word += text[++i];
      } else word += char;
    }
  }
  if (quote) throw new SyntaxError("No closing quotation");
  if (inWord) words.push(word);
  return words;
}

const SIMPLE_PREFIXED = /^[^ \t\r\n'"\\]+[ \t\r\n]+([^ \t\r\n'"\\]+)[ \t\r\n]*$/;

/** botocore's `_parse_section`: `prefix NAME` → NAME (shlex rules), else undefined. */
export function prefixedName(section: string): string | undefined {
  // Nearly every header is `prefix NAME` with no quote or backslash: shlex's answer, without it.
  const simple = SIMPLE_PREFIXED.exec(section);
  if (simple) return simple[1];
  try {
    const parts = shlexSplit(section);
    return parts.length === 2 ? parts[1] : undefined;
  } catch {
    return undefined;
  }
}

/** The profiles and `[services NAME]` sections of a config file, as botocore's `build_profile_map`. */
export interface ConfigProfiles {
  /** `[profile NAME]` → NAME, and `[default]`; a later section of the same name wins. */
  readonly profiles: Map<string, Map<string, string>>;
  /** `[services NAME]` → NAME. */
  readonly services: Map<string, Map<string, string>>;
}

/**
 * Picks the profiles out of a config file's sections exactly as botocore does: any section whose
 * name starts with `profile` and splits (shlex) into two words names the profile of its second word
 * (`[profile  a]` is `a`, `[profile "a b"]` is `a b`); `[default]` is the profile `default`.
 */
export function configProfiles(sections: IniSections): ConfigProfiles {
  const profiles = new Map<string, Map<string, string>>();
  const services = new Map<string, Map<string, string>>();
  for (const [name, values] of sections) {
    const profile = configProfileName(name);
    if (profile !== undefined) profiles.set(profile, values);
    else if (name.startsWith("services") && !name.startsWith("profile")) {
      const service = prefixedName(name);
      if (service !== undefined) services.set(service, values);
    }
  }
  return { profiles, services };
}

/** The profile a config-file section defines (botocore's rules), or undefined for other sections. */
export function configProfileName(section: string): string | undefined {
  if (section.startsWith("profile")) return prefixedName(section);
  return section === "default" ? section : undefined;
}
