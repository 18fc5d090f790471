/**
 * The AWS shared config/credentials INI dialect, as the AWS SDKs read it.
 *
 * Same rules as `@smithy/shared-ini-file-loader` (the JavaScript SDK's loader): `#` and `;` start a
 * comment at the start of a line or after white space; `[profile NAME]`, `[sso-session NAME]` and
 * `[services NAME]` are prefixed sections; a key with an empty value opens a sub-section whose
 * indented lines become `parent.child` keys. Keys are lower-cased, as botocore does. We keep our own
 * ~60 lines instead of importing the SDK's loader because this runs on the cache-hit path, where the
 * npm package costs more than the whole time budget (see BENCHMARKS.md);
 * `tests/unit/ini_test.ts` checks that both agree.
 * @module
 */

/** Sections of one INI file: section name → key → value. */
export type IniSections = Map<string, Map<string, string>>;

const PREFIXED_SECTION = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
const SECTION_PREFIXES = new Set(["profile", "sso-session", "services"]);

/** The line without its comment: `#`/`;` at the start or after white space (the SDKs' rule). */
function withoutComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if ((char === "#" || char === ";") && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/**
 * Parses INI text into sections. Prefixed section names are joined with a dot
 * (`[profile dev]` → `profile.dev`), other names are kept as written.
 */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let section: Map<string, string> | undefined;
  let subSection: string | undefined;
  for (const rawLine of text.split("\n")) {
    const line = withoutComment(rawLine).trim();
    if (line.startsWith("[") && line.endsWith("]")) {
      subSection = undefined;
      const name = sectionName(line.slice(1, -1));
      if (name === "__proto__" || name === "profile.__proto__") {
        throw new SyntaxError(`invalid section name "${name}"`);
      }
      section = name === undefined ? undefined : (sections.get(name) ?? new Map());
      if (name !== undefined && section) sections.set(name, section);
      continue;
    }
    if (!section) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (value === "") {
      subSection = key;
      continue;
    }
    // A non-indented key ends the sub-section it would otherwise belong to.
    if (subSection && rawLine.trimStart() === rawLine) subSection = undefined;
    section.set(subSection ? `${subSection}.${key}` : key, value);
  }
  return sections;
}

function sectionName(inside: string): string | undefined {
  const match = PREFIXED_SECTION.exec(inside);
  if (!match) return inside;
  return SECTION_PREFIXES.has(match[1]) ? `${match[1]}.${match[3]}` : undefined;
}

/**
 * Profiles of a config file: `[profile NAME]` → NAME, plus `[default]`. Other unprefixed sections are
 * ignored, as the SDKs ignore them; `[profile default]` wins over `[default]`.
 */
export function configProfiles(sections: IniSections): Map<string, Map<string, string>> {
  const profiles = new Map<string, Map<string, string>>();
  const plainDefault = sections.get("default");
  if (plainDefault) profiles.set("default", plainDefault);
  for (const [name, values] of sections) {
    if (name.startsWith("profile.")) profiles.set(name.slice("profile.".length), values);
  }
  return profiles;
}
