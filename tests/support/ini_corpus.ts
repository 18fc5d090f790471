/**
 * A deterministic corpus of AWS shared config/credentials file pairs for the config parity tests:
 * realistic configs (a role profile, a second role profile right below it, a source profile with
 * `mfa_serial` and keys) put through the damage real files see — edits gone wrong, other editors'
 * line endings, byte flips, headers with comments, names in any script, configparser's corners.
 *
 * Same seed, same corpus: a failing case keeps its id from run to run.
 * @module
 */

/** The role of the first role profile (the target in most cases). */
const SINGER_ROLE = "arn:aws:iam::222222222222:role/SingerRole";
/** The role of the profile right below it: a parser that misses a header hands out this one. */
const DANCER_ROLE = "arn:aws:iam::222222222222:role/stage/crew/DancerRole";
/** A role some mutations inject (e.g. through a `[DEFAULT]` section). */
const DRUMMER_ROLE = "arn:aws:iam::333333333333:role/DrummerRole";
const MFA_SERIAL = "arn:aws:iam::111111111111:mfa/FrankSinatra";
/** The keys of the source profile (the AWS documentation's example keys). */
const SOURCE_KEYS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
} as const;
const OTHER_KEYS = {
  accessKeyId: "AKIAI44QH8DHBEXAMPLE",
  secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
} as const;

/** One generated case: two files on disk and the profile to resolve. */
export interface CorpusCase {
  /** Stable id: number and what was done to the base, e.g. `c0123 standard +crlf +flip`. */
  readonly id: string;
  /** The profile to resolve, as botocore names it (the argument of `--profile`). */
  readonly profile: string;
  readonly configFile: string;
  readonly credentialsFile: string;
  /** The config file's bytes, as written. */
  readonly config: Uint8Array;
  /** The credentials file's bytes; undefined when the case has no credentials file. */
  readonly credentials: Uint8Array | undefined;
}

/** mulberry32: tiny, fast and plenty for picking mutations. */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A number in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A profile header as written, and the name botocore gives it. */
interface Header {
  /** Between the brackets. */
  readonly inside: string;
  /** botocore's profile name. */
  readonly name: string;
  /** Whether `vegas_source_profile = NAME` reaches it (botocore strips the value). */
  readonly referable: boolean;
}

const header = (inside: string, name: string, referable = true): Header => ({
  inside,
  name,
  referable,
});

/** Profile headers people write; botocore splits `profile NAME` with shlex. */
const NAMED_HEADERS: readonly Header[] = [
  header("profile café", "café"),
  header("profile フランク", "フランク"),
  header("profile café\u00a0", "café\u00a0", false),
  header("profile a#b", "a#b"),
  header("profile #hash", "#hash"),
  header("profile a;b", "a;b"),
  header("profile ;semi", ";semi"),
  header("profile [x", "[x"),
  header("profile x]y", "x]y"),
  header("profile  two-spaces", "two-spaces"),
  header('profile "quoted name"', "quoted name"),
  header("profile 'single'", "single"),
  header("profile\ttabbed", "tabbed"),
  header("profile trailing ", "trailing"),
  header("profile frank@concerts", "frank@concerts"),
  header("profile dev.eu-west-1", "dev.eu-west-1"),
  header("profile a=b", "a=b"),
  header("profile a:b", "a:b"),
  header("profile Ümlaut-Ärger", "Ümlaut-Ärger"),
  header("profile 🎤", "🎤"),
  header("profile 123", "123"),
  header("profile a\\ b", "a b"),
  header('profile a"b"c', "abc"),
];

/** Text after a header's closing bracket; botocore ignores it (the name runs to the last `]`). */
const AFTER_HEADER = [
  "# the dancers' account",
  " ; x",
  "; x",
  " (dancers)",
  "x",
  "\t# note",
  "]",
  " # [profile other]",
];

/** A case before it is encoded: lines of both files. */
interface Draft {
  config: string[];
  credentials: string[] | undefined;
  profile: string;
  tags: string[];
}

interface Names {
  target: Header;
  second: Header;
  /** Source profile: `default` (as `[default]`) or a named one. */
  source: Header;
}

const DEFAULT_SOURCE = header("default", "default");

function sectionLines(h: Header): string {
  return `[${h.inside}]`;
}

function roleProfile(
  r: Random,
  h: Header,
  role: string,
  source: string,
  full: boolean,
): string[] {
  const lines = [
    sectionLines(h),
    `credential_process = vegas-credentials assume --profile='${h.name}'`,
    `vegas_role_arn = ${role}`,
    `vegas_source_profile = ${source}`,
  ];
  if (full || r.chance(0.5)) lines.push(`region = ${r.pick(["us-west-2", "eu-north-1"])}`);
  if (full || r.chance(0.4)) lines.push(`duration_seconds = ${r.pick(["4383", "900", "43200"])}`);
  if (full || r.chance(0.3)) lines.push("role_session_name = SinatraAtTheSands");
  if (full || r.chance(0.3)) lines.push("external_id = 0093624694724");
  return lines;
}

function sourceProfile(h: Header, withKeys: boolean, r: Random): string[] {
  const lines = [sectionLines(h), `mfa_serial = ${MFA_SERIAL}`];
  if (r.chance(0.5)) lines.push("region = eu-west-1");
  if (withKeys) {
    lines.push(
      `aws_access_key_id = ${SOURCE_KEYS.accessKeyId}`,
      `aws_secret_access_key = ${SOURCE_KEYS.secretAccessKey}`,
    );
  }
  return lines;
}

function keysSection(name: string, keys: { accessKeyId: string; secretAccessKey: string }) {
  return [
    `[${name}]`,
    `aws_access_key_id = ${keys.accessKeyId}`,
    `aws_secret_access_key = ${keys.secretAccessKey}`,
  ];
}

const BASES = [
  "standard",
  "named-source",
  "keys-in-config",
  "decorated",
  "named",
  "reordered",
  "credentials-override",
  "default-section",
] as const;
type Base = typeof BASES[number];

function baseDraft(r: Random, base: Base, second: boolean): Draft {
  const names: Names = {
    target: header("profile singer", "singer"),
    second: header("profile dancer", "dancer"),
    source: DEFAULT_SOURCE,
  };
  if (base === "named-source" || base === "keys-in-config") {
    names.source = header("profile frank", "frank");
  }
  if (base === "named") {
    names.target = r.pick(NAMED_HEADERS);
    names.second = r.pick(NAMED_HEADERS.filter((h) => h.name !== names.target.name));
    if (r.chance(0.5)) {
      names.source = r.pick(
        NAMED_HEADERS.filter((h) =>
          h.referable && h.name !== names.target.name && h.name !== names.second.name
        ),
      );
    }
  }
  const keysInConfig = base === "keys-in-config";
  const source = sourceProfile(names.source, keysInConfig, r);
  const singer = roleProfile(r, names.target, SINGER_ROLE, names.source.name, !second);
  const dancer = roleProfile(r, names.second, DANCER_ROLE, names.source.name, second);
  let config: string[];
  if (base === "reordered") config = [...dancer, "", ...singer, "", ...source];
  else config = [...source, "", ...singer, ...(r.chance(0.5) ? [""] : []), ...dancer];
  if (base === "decorated") {
    config = [
      "# AWS config of the stage crew",
      "; managed by hand",
      "",
      ...config.slice(0, 2),
      "output = json",
      "cli_pager =",
      ...config.slice(2),
      "s3 =",
      "    max_concurrent_requests = 10",
      "    addressing_style = path",
      "",
      "[sso-session corp]",
      "sso_region = us-east-1",
      "sso_start_url = https://corp.awsapps.com/start",
      "",
      "[services local]",
      "sts =",
      "  endpoint_url = http://127.0.0.1:1",
      "",
      "[plugins]",
      "cli_legacy_plugin_path = /usr/lib/python3/dist-packages",
    ];
  }
  let credentials: string[] | undefined = keysSection(names.source.name, SOURCE_KEYS);
  if (base === "named-source") {
    credentials = [...keysSection("default", OTHER_KEYS), "", ...credentials];
  }
  if (keysInConfig) {
    credentials = r.chance(0.5) ? undefined : keysSection("other", OTHER_KEYS);
  }
  const profile = second ? names.second.name : names.target.name;
  if (base === "credentials-override") {
    // botocore merges a credentials-file section into the profile of the same name.
    credentials = [
      ...(credentials ?? []),
      "",
      `[${profile}]`,
      r.pick(["region = ap-northeast-1", "duration_seconds = 7200", "external_id = ovr-1234"]),
    ];
  }
  if (base === "default-section") {
    // configparser copies [DEFAULT]'s keys into every section of the same file.
    const into = r.chance(0.7) ? config : credentials ?? config;
    const keys = r.pick([
      ["region = ap-south-1"],
      ["duration_seconds = 900"],
      [`vegas_role_arn = ${DRUMMER_ROLE}`],
      [`aws_access_key_id = ${OTHER_KEYS.accessKeyId}`],
      [`vegas_source_profile = ${names.source.name}`, "role_session_name = crew"],
    ]);
    const block = ["[DEFAULT]", ...keys, ""];
    if (r.chance(0.5)) into.unshift(...block);
    else into.push("", ...block);
  }
  return { config, credentials, profile, tags: [base + (second ? "/second" : "")] };
}

// ---- mutations ----------------------------------------------------------------------------------

type LineMutation = (lines: string[], r: Random) => string;

const at = (lines: string[], r: Random) => r.int(Math.max(lines.length, 1));
const headerIndexes = (lines: string[]) =>
  lines.flatMap((line, i) => line.trimStart().startsWith("[") ? [i] : []);
const keyIndexes = (lines: string[]) =>
  lines.flatMap((line, i) => /^\s*[\w-]+\s*=/.test(line) ? [i] : []);
const indexOrRandom = (indexes: number[], lines: string[], r: Random) =>
  indexes.length ? r.pick(indexes) : at(lines, r);

const LINE_MUTATIONS: Record<string, LineMutation> = {
  delete(lines, r) {
    lines.splice(at(lines, r), 1);
    return "delete";
  },
  duplicate(lines, r) {
    const i = at(lines, r);
    lines.splice(i, 0, lines[i] ?? "");
    return "duplicate";
  },
  swap(lines, r) {
    const i = at(lines, r);
    const j = r.chance(0.6) ? Math.min(i + 1, lines.length - 1) : at(lines, r);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return "swap";
  },
  afterHeader(lines, r) {
    const i = indexOrRandom(headerIndexes(lines), lines, r);
    lines[i] = (lines[i] ?? "") + r.pick(AFTER_HEADER);
    return "after-header";
  },
  duplicateSection(lines, r) {
    const starts = headerIndexes(lines);
    if (!starts.length) return "duplicate-section(none)";
    const k = r.int(starts.length);
    const block = lines.slice(starts[k], starts[k + 1] ?? lines.length);
    lines.push("", ...block);
    return "duplicate-section";
  },
  duplicateKey(lines, r) {
    const i = indexOrRandom(headerIndexes(lines), lines, r);
    lines.splice(
      i + 1,
      0,
      r.pick([`vegas_role_arn = ${DANCER_ROLE}`, `VEGAS_ROLE_ARN = ${DANCER_ROLE}`, "region = x"]),
    );
    return "duplicate-key";
  },
  keyWithoutValue(lines, r) {
    lines.splice(
      at(lines, r),
      0,
      r.pick(["vegas_role_arn", "mfa_serial", "region =", "duration_seconds =", "external_id ="]),
    );
    return "key-without-value";
  },
  colon(lines, r) {
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    lines[i] = (lines[i] ?? "").replace(/\s*=\s*/, r.pick([": ", ":", " : "]));
    return "colon";
  },
  nested(lines, r) {
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    const line = lines[i] ?? "";
    const key = line.split("=")[0].trim() || "s3";
    const value = line.slice(line.indexOf("=") + 1).trim();
    const block = r.pick([
      [`${key} =`, `  ${key} = ${value}`],
      [`${key} =`, `    max_attempts = 3`, `    mode = standard`],
      ["s3 =", "  addressing_style = path"],
      ["s3 =", "  not a key"],
    ]);
    lines.splice(i, 1, ...block);
    return "nested";
  },
  indent(lines, r) {
    const i = at(lines, r);
    lines[i] = r.pick(["  ", "\t", " "]) + (lines[i] ?? "");
    return "indent";
  },
  defaultSection(lines, r) {
    lines.splice(
      r.chance(0.5) ? 0 : at(lines, r),
      0,
      r.pick(["[DEFAULT]", "[default]"]),
      r.pick([`vegas_role_arn = ${DRUMMER_ROLE}`, "region = ap-south-1", "duration_seconds = 5"]),
    );
    return "default-section";
  },
  emptyProfile(lines, r) {
    lines.splice(
      at(lines, r),
      0,
      r.pick(["[profile ]", "[profile]", "[]", "[ ]", "[profile  ]"]),
      `vegas_role_arn = ${DRUMMER_ROLE}`,
    );
    return "empty-profile";
  },
  inlineComment(lines, r) {
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    lines[i] = (lines[i] ?? "") + r.pick([" # comment", " ; comment", "\t#note", "#x"]);
    return "inline-comment";
  },
  uppercaseKey(lines, r) {
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    lines[i] = (lines[i] ?? "").replace(/^[^=]*/, (key) => key.toUpperCase());
    return "uppercase-key";
  },
  longLine(lines, r) {
    // Up to 300 kB of value; headers stay at 50,000 characters (the size), because
    // botocore's shlex split of a header costs it a second per 300 kB.
    const n = r.pick([5_000, 50_000, 300_000]);
    const fill = "x".repeat(n);
    lines.splice(
      at(lines, r),
      0,
      r.pick([
        `# ${fill}`,
        `note = ${fill}`,
        `[profile ${fill.slice(0, 50_000)}]`,
        `external_id = ${fill}`,
      ]),
    );
    return `long-line(${n})`;
  },
  exoticSpace(lines, r) {
    const i = at(lines, r);
    const space = r.pick([
      "\u00a0",
      "\u3000",
      "\v",
      "\f",
      "\x1c",
      "\x85",
      "\u2028",
      "\ufeff",
      "\t",
    ]);
    const line = lines[i] ?? "";
    lines[i] = r.pick([
      space + line,
      line + space,
      line.replace("=", `${space}=${space}`),
      line.replace("]", `${space}]`),
    ]);
    return "exotic-space";
  },
  nul(lines, r) {
    lines.splice(
      at(lines, r),
      0,
      r.pick(["# saved by a crashing editor \0", "note = a\0b", "\0", "\0\0\0\0", "  \0"]),
    );
    return "nul";
  },
  prefixVariant(lines, r) {
    const i = indexOrRandom(headerIndexes(lines), lines, r);
    lines[i] = (lines[i] ?? "").replace(
      /^\[profile ?/,
      r.pick(["[profiles ", "[Profile ", "[profile\t", "[profile   ", "[ profile ", "[profile '"]),
    );
    return "prefix-variant";
  },
  commentOut(lines, r) {
    const i = indexOrRandom(headerIndexes(lines), lines, r);
    lines[i] = r.pick(["# ", ";", "#"]) + (lines[i] ?? "");
    return "comment-out";
  },
  blankInValue(lines, r) {
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    lines.splice(i + 1, 0, "", "  continued = yes");
    return "blank-in-value";
  },
  moveKey(lines, r) {
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    const [line] = lines.splice(i, 1);
    lines.splice(at(lines, r), 0, line ?? "");
    return "move-key";
  },
  bracketKey(lines, r) {
    // configparser tries the header pattern first: `[x] = y` is the section `x`.
    lines.splice(at(lines, r), 0, r.pick(["[x] = y", "[profile dancer] = y", "[a]b = c"]));
    return "bracket-key";
  },
  commentInValue(lines, r) {
    // A comment line does not end a value: the indented line after it continues the value.
    const i = indexOrRandom(keyIndexes(lines), lines, r);
    lines.splice(i + 1, 0, r.pick(["# note", "  # note", ";"]), "  continued = yes");
    return "comment-in-value";
  },
  emptyKey(lines, r) {
    lines.splice(at(lines, r), 0, r.pick(["= value", " : value", "=", "=="]));
    return "empty-key";
  },
  profileDefault(lines, r) {
    // `[default]` and `[profile default]` are both the default profile: the later one wins.
    lines.splice(
      r.chance(0.5) ? 0 : lines.length,
      0,
      "[profile default]",
      "mfa_serial = arn:aws:iam::111111111111:mfa/OtherDevice",
    );
    return "profile-default";
  },
  crlfLine(lines, r) {
    const i = at(lines, r);
    lines[i] = (lines[i] ?? "") + r.pick(["\r", "\r\r", "\r \r"]);
    return "cr-in-line";
  },
};

type ByteMutation = (bytes: Uint8Array, r: Random) => [Uint8Array, string];

const BYTE_MUTATIONS: Record<string, ByteMutation> = {
  flip(bytes, r) {
    if (!bytes.length) return [bytes, "flip(empty)"];
    const out = bytes.slice();
    const i = r.int(out.length);
    out[i] ^= 1 << r.int(8);
    return [out, "flip"];
  },
  replace(bytes, r) {
    if (!bytes.length) return [bytes, "replace(empty)"];
    const out = bytes.slice();
    out[r.int(out.length)] = r.int(256);
    return [out, "replace"];
  },
  insertNul(bytes, r) {
    const i = r.int(bytes.length + 1);
    return [concat(bytes.subarray(0, i), new Uint8Array([0]), bytes.subarray(i)), "insert-nul"];
  },
  truncate(bytes, r) {
    return [bytes.slice(0, r.int(bytes.length + 1)), "truncate"];
  },
  invalidUtf8(bytes, r) {
    const i = r.int(bytes.length + 1);
    const bad = r.pick([[0xff], [0xc3], [0xe3, 0x81], [0xed, 0xa0, 0x80]]);
    return [concat(bytes.subarray(0, i), new Uint8Array(bad), bytes.subarray(i)), "invalid-utf8"];
  },
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const encoder = new TextEncoder();

/** Joins lines with a line ending chosen at random (mostly `\n`), maybe with a BOM. */
function encode(lines: string[], r: Random, tags: string[], file: string): Uint8Array {
  const ending = r.next();
  let text: string;
  if (ending < 0.75) text = lines.join("\n");
  else if (ending < 0.85) {
    text = lines.join("\r\n");
    tags.push(`${file}crlf`);
  } else if (ending < 0.92) {
    text = lines.join("\r");
    tags.push(`${file}lone-cr`);
  } else {
    text = lines.map((line) => line + r.pick(["\n", "\r\n", "\r"])).join("");
    tags.push(`${file}mixed-endings`);
  }
  if (r.chance(0.9)) text += text.endsWith("\n") || text.endsWith("\r") ? "" : "\n";
  else tags.push(`${file}no-final-newline`);
  if (r.chance(0.03)) {
    text = "\ufeff" + text;
    tags.push(`${file}bom`);
  }
  return encoder.encode(text);
}

/** Mutations that nearly always make a file unreadable to botocore are picked less often. */
const RARE = new Set(["duplicate", "duplicateKey", "duplicateSection", "keyWithoutValue"]);
const LINE_NAMES = Object.keys(LINE_MUTATIONS).flatMap((name) =>
  RARE.has(name) ? [name] : [name, name]
);
const BYTE_NAMES = Object.keys(BYTE_MUTATIONS);

function randomCase(r: Random): { draft: Draft; config: Uint8Array; credentials?: Uint8Array } {
  const draft = baseDraft(r, r.pick(BASES), r.chance(0.2));
  const count = r.pick([0, 1, 1, 1, 2, 2, 3]);
  for (let k = 0; k < count; k++) {
    const inCredentials = draft.credentials !== undefined && r.chance(0.15);
    const lines = inCredentials ? draft.credentials! : draft.config;
    const tag = LINE_MUTATIONS[r.pick(LINE_NAMES)](lines, r);
    draft.tags.push(inCredentials ? `creds:${tag}` : tag);
  }
  let config = encode(draft.config, r, draft.tags, "");
  let credentials = draft.credentials && encode(draft.credentials, r, draft.tags, "creds:");
  if (r.chance(0.2)) {
    const inCredentials = credentials !== undefined && r.chance(0.2);
    const [bytes, tag] = BYTE_MUTATIONS[r.pick(BYTE_NAMES)](
      inCredentials ? credentials! : config,
      r,
    );
    if (inCredentials) credentials = bytes;
    else config = bytes;
    draft.tags.push(inCredentials ? `creds:${tag}` : tag);
  }
  return { draft, config, credentials };
}

/** The cases the issue names, each on its own, before the random ones. */
function namedCases(r: Random): { draft: Draft; config: Uint8Array; credentials?: Uint8Array }[] {
  const out: { draft: Draft; config: Uint8Array; credentials?: Uint8Array }[] = [];
  const plain = (draft: Draft) => {
    out.push({
      draft,
      config: encoder.encode(draft.config.join("\n") + "\n"),
      credentials: draft.credentials && encoder.encode(draft.credentials.join("\n") + "\n"),
    });
  };
  for (const base of BASES) {
    for (const second of [false, true]) plain(baseDraft(r, base, second));
  }
  // Text after the header of the profile below the target, and after the target's own header.
  for (const after of AFTER_HEADER) {
    for (const which of [1, 0]) {
      const draft = baseDraft(r, "standard", false);
      const headers = draft.config.flatMap((line, i) => line.startsWith("[profile") ? [i] : []);
      draft.config[headers[which]] += after;
      draft.tags.push(`after-header(${JSON.stringify(after)})`);
      plain(draft);
    }
  }
  for (const target of NAMED_HEADERS) {
    const draft = baseDraft(r, "standard", false);
    draft.config = draft.config.map((line) =>
      line === "[profile singer]" ? `[${target.inside}]` : line
    );
    draft.profile = target.name;
    draft.tags.push(`name(${JSON.stringify(target.inside)})`);
    plain(draft);
  }
  for (const line of ["# saved by a crashing editor \0", "note = a\0b", "  \0"]) {
    const draft = baseDraft(r, "standard", true);
    const below = draft.config.indexOf("[profile dancer]");
    draft.config.splice(below, 0, line);
    draft.tags.push("nul-before-target");
    plain(draft);
  }
  // An empty value is no value: the target's `region =` leaves the source's region in force.
  plain({
    config: [
      "[default]",
      `mfa_serial = ${MFA_SERIAL}`,
      "region = eu-west-1",
      "",
      "[profile singer]",
      `vegas_role_arn = ${SINGER_ROLE}`,
      "vegas_source_profile = default",
      "region =",
    ],
    credentials: keysSection("default", SOURCE_KEYS),
    profile: "singer",
    tags: ["empty-target-region"],
  });
  for (const empty of ["[profile ]", "[profile]"]) {
    const draft = baseDraft(r, "standard", false);
    draft.config.push("", empty, `vegas_role_arn = ${DRUMMER_ROLE}`);
    draft.tags.push(`empty-profile(${empty})`);
    plain(draft);
  }
  return out;
}

/** The 20 MB config: ten thousand profiles and megabytes of comments before the target. */
function hugeCase(r: Random): { draft: Draft; config: Uint8Array; credentials?: Uint8Array } {
  const draft = baseDraft(r, "standard", false);
  const filler: string[] = [];
  const note = "n".repeat(900);
  for (let i = 0; i < 10_000; i++) {
    filler.push(`[profile filler-${i}]`, "region = us-east-1", `note = ${note}`);
  }
  const comment = `# ${"c".repeat(998)}`;
  for (let i = 0; i < 11_000; i++) filler.push(comment);
  draft.config.splice(draft.config.indexOf("[profile singer]"), 0, ...filler);
  draft.tags.push("20MB");
  return {
    draft,
    config: encoder.encode(draft.config.join("\n") + "\n"),
    credentials: draft.credentials && encoder.encode(draft.credentials.join("\n") + "\n"),
  };
}

/** Id of the 20 MB case (its tag). */
export const HUGE_TAG = "20MB";

/**
 * Generates the corpus into `dir` (one sub-directory per case) and returns its cases: the named
 * cases of issue 8, the 20 MB file, and `randomCount` random mutations of the bases.
 */
export function generateCorpus(
  dir: string,
  options: { seed?: number; randomCount?: number } = {},
): CorpusCase[] {
  const r = new Random(options.seed ?? 0x8e8a5eed);
  const made = [...namedCases(r), hugeCase(r)];
  for (let i = 0; i < (options.randomCount ?? 400); i++) made.push(randomCase(r));
  return made.map(({ draft, config, credentials }, i) => {
    const caseDir = `${dir}/${i}`;
    Deno.mkdirSync(caseDir);
    const configFile = `${caseDir}/config`;
    const credentialsFile = `${caseDir}/credentials`;
    Deno.writeFileSync(configFile, config);
    if (credentials) Deno.writeFileSync(credentialsFile, credentials);
    return {
      id: `c${String(i).padStart(4, "0")} ${draft.tags.join(" +")}`,
      profile: draft.profile,
      configFile,
      credentialsFile,
      config,
      credentials,
    };
  });
}
