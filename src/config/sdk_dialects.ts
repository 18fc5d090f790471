/**
 * Where other AWS tools read the shared files differently from the AWS CLI.
 *
 * vegas-credentials reads the files as the AWS CLI (botocore) does, and the Go SDK (Terraform)
 * agrees with it. The JavaScript SDK v3 (`@smithy/shared-ini-file-loader`, used by the CDK) does
 * not: it strips ` # comments` from values, takes a header with text after its `]` for a key line,
 * accepts only simple profile names, keeps key case, ignores `key: value` and `[DEFAULT]`, and merges
 * duplicate sections. Such a tool may then run a different `credential_process` (or none) than the
 * user sees in `aws configure`, so `doctor` and `--verbose` name each such line.
 *
 * Not on the cache-hit path.
 * @module
 */
import { configProfileName, IniSyntaxError, nestedValues, parseIni } from "./ini.ts";

/** One line that the JavaScript SDK reads differently from the AWS CLI. */
export interface Disagreement {
  /** 1-based line number. */
  readonly line: number;
  /** What differs (never a value: values may be secrets). */
  readonly message: string;
}

const JS_SDK = "the AWS SDK for JavaScript v3 (CDK, SAM)";
const PREFIXED_SECTION = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
const SECTION_TYPES = new Set(["profile", "sso-session", "services"]);

interface Reading {
  /** Profile → key → value. */
  readonly profiles: Map<string, Map<string, string>>;
  /** Profile → line of its header; `profile\0key` → line of the key. */
  readonly lines: Map<string, number>;
}

/**
 * The profiles of `text` as `@smithy/shared-ini-file-loader` reads them (its `parseIni` plus, for a
 * config file, `getConfigData`), with the line of every header and key.
 */
export function readLikeJsSdk(text: string, kind: "config" | "credentials"): Reading {
  const profiles = new Map<string, Map<string, string>>();
  const lines = new Map<string, number>();
  let section: string | undefined;
  let subSection: string | undefined;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.split(/(?:^|\s)[;#]/)[0].trim();
    if (line.startsWith("[") && line.endsWith("]")) {
      subSection = undefined;
      const name = line.slice(1, -1);
      const match = PREFIXED_SECTION.exec(name);
      section = match
        ? (SECTION_TYPES.has(match[1]) ? `${match[1]}.${match[3]}` : undefined)
        : name;
      if (kind === "config" && section !== undefined) {
        section = section === "default"
          ? "default"
          : section.startsWith("profile.")
          ? section.slice("profile.".length)
          : undefined;
      }
      if (section !== undefined && !lines.has(section)) lines.set(section, index + 1);
      return;
    }
    if (section === undefined) return;
    const eq = line.indexOf("=");
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === "") {
      subSection = key;
      return;
    }
    if (subSection && rawLine.trimStart() === rawLine) subSection = undefined;
    const values = profiles.get(section) ?? new Map<string, string>();
    profiles.set(section, values);
    const fullKey = subSection ? `${subSection}.${key}` : key;
    values.set(fullKey, value);
    lines.set(`${section}\0${fullKey}`, index + 1);
  });
  return { profiles, lines };
}

/** The profiles of `text` as the AWS CLI reads them; nested values flattened to `parent.child`. */
function readLikeAwsCli(text: string, kind: "config" | "credentials"): Reading {
  const sectionLines = new Map<string, number>();
  const sections = parseIni(text, sectionLines);
  const profiles = new Map<string, Map<string, string>>();
  const lines = new Map<string, number>();
  for (const [section, values] of sections) {
    const profile = kind === "config" ? configProfileName(section) : section;
    if (profile === undefined) continue;
    const flat = new Map<string, string>();
    for (const [key, value] of values) {
      const nested = nestedValues(value);
      const keyLine = sectionLines.get(`${section}\0${key}`) ?? sectionLines.get(section)!;
      for (const [child, childValue] of nested ?? [["", value]]) {
        const fullKey = nested ? `${key}.${child}` : key;
        flat.set(fullKey, childValue);
        lines.set(`${profile}\0${fullKey}`, keyLine);
      }
    }
    profiles.set(profile, flat);
    lines.set(profile, sectionLines.get(section)!);
  }
  return { profiles, lines };
}

/**
 * Every place where the JavaScript SDK v3 reads `text` (a config or credentials file) differently
 * from the AWS CLI: a profile one of them does not see, or a key it reads with another value or
 * not at all. Sorted by line.
 *
 * @example
 * ```ts
 * import { jsSdkDisagreements } from "./sdk_dialects.ts";
 * const found = jsSdkDisagreements("[profile a]\nregion = x\n[profile b]# note\nregion = y\n");
 * console.log(found.map((d) => `line ${d.line}: ${d.message}`).join("\n"));
 * ```
 */
export function jsSdkDisagreements(
  text: string,
  kind: "config" | "credentials" = "config",
): Disagreement[] {
  let cli: Reading;
  try {
    cli = readLikeAwsCli(text, kind);
  } catch (error) {
    if (!(error instanceof IniSyntaxError)) throw error;
    return [{
      line: error.line,
      message: `${error.problem}: the AWS CLI cannot read this file, while ${JS_SDK} ignores it`,
    }];
  }
  const js = readLikeJsSdk(text, kind);
  const found = new Map<string, Disagreement>();
  const add = (line: number, message: string) =>
    found.set(`${line}\0${message}`, { line, message });
  for (const [profile, cliValues] of cli.profiles) {
    const jsValues = js.profiles.get(profile);
    if (!jsValues) {
      add(cli.lines.get(profile)!, `${JS_SDK} does not see profile '${profile}'`);
      continue;
    }
    for (const [key, value] of cliValues) {
      if (jsValues.get(key) === value) continue;
      add(
        js.lines.get(`${profile}\0${key}`) ?? cli.lines.get(`${profile}\0${key}`)!,
        jsValues.has(key)
          ? `${JS_SDK} reads another value for ${key} in profile '${profile}'`
          : `${JS_SDK} does not see ${key} in profile '${profile}'`,
      );
    }
    for (const key of jsValues.keys()) {
      if (!cliValues.has(key)) {
        add(
          js.lines.get(`${profile}\0${key}`)!,
          `${JS_SDK} reads ${key} into profile '${profile}', where the AWS CLI does not`,
        );
      }
    }
  }
  for (const profile of js.profiles.keys()) {
    if (!cli.profiles.has(profile)) {
      add(js.lines.get(profile)!, `${JS_SDK} sees a profile '${profile}' the AWS CLI does not`);
    }
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

/**
 * {@link jsSdkDisagreements} of both shared files, as `PATH line N: what differs` lines (files that
 * cannot be read are skipped: reading them is reported elsewhere).
 *
 * @example
 * ```ts
 * import { sharedFileDisagreements } from "./sdk_dialects.ts";
 * for (const line of sharedFileDisagreements("/home/u/.aws/config", "/home/u/.aws/credentials")) {
 *   console.error(line);
 * }
 * ```
 */
export function sharedFileDisagreements(configFile: string, credentialsFile: string): string[] {
  const lines: string[] = [];
  for (const [path, kind] of [[configFile, "config"], [credentialsFile, "credentials"]] as const) {
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch {
      continue;
    }
    for (const found of jsSdkDisagreements(text, kind)) {
      lines.push(`${path} line ${found.line}: ${found.message}`);
    }
  }
  return lines;
}
