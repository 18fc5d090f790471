/**
 * Differential test of the config reader against the AWS CLI's: every case of a generated corpus
 * (tests/support/ini_corpus.ts) is read by botocore (tests/support/botocore_profiles.py, one Python
 * process for the whole corpus) and resolved in-process by the program, and the two must agree:
 *
 * (a) when the program succeeds, botocore read the files and the program's values are botocore's
 *     values — never another role;
 * (b) when the program fails, it is a ConfigError with one short line, and botocore could not read
 *     the files, or a value the STS call needs is missing, nested or invalid in botocore's view;
 * (c) when botocore reads the profile and every needed value is there and valid, the program
 *     succeeds (no missed profile);
 * (d) when botocore cannot parse a file, the program's line names that file and a line number.
 *
 * Then the JavaScript SDK's loader (@smithy/shared-ini-file-loader, what CDK runs) reads each
 * config: wherever it sees another role for the profile than botocore does, `jsSdkDisagreements`
 * must name a line, because `doctor` has to warn about exactly those files.
 */
import assert from "node:assert/strict";
import { loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";
import { type Env, readSharedFiles } from "../../src/config/files.ts";
import { type ResolvedProfile, resolveProfile } from "../../src/config/resolve.ts";
import { jsSdkDisagreements } from "../../src/config/sdk_dialects.ts";
import {
  externalIdProblem,
  mfaSerialProblem,
  parseSeconds,
  roleArnProblem,
  sessionNameProblem,
} from "../../src/config/validate.ts";
import { ConfigError } from "../../src/errors.ts";
import { type CorpusCase, generateCorpus, HUGE_TAG } from "../support/ini_corpus.ts";

/** Debian's interpreter, where python3-botocore (or awscli's own copy of botocore) lives. */
const PYTHON = "/usr/bin/python3";
const HELPER = new URL("../support/botocore_profiles.py", import.meta.url).pathname;

/** The program's own rules for values validate.ts does not export (src/config/resolve.ts). */
const REGION = /^[a-z0-9-]{2,32}$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** A secret access key never holds white space or control characters. */
// deno-lint-ignore no-control-regex
const NOT_IN_SECRET = /[\s\x00-\x1f]/;
/** Settings the program validates that the corpus never writes; their presence is not judged. */
const UNJUDGED = [
  "vegas_mfa_process",
  "vegas_mfa_timeout",
  "vegas_mfa_inputs",
  "vegas_yubikey_serial",
  "vegas_yubikey_label",
  "vegas_ykman_path",
  "vegas_mfa_session_duration",
  "sts_regional_endpoints",
  "endpoint_url",
  "services",
  "ignore_configured_endpoint_urls",
];
/** Longest acceptable error line (with the corpus directory counted as a short path). */
const MAX_LINE = 300;
const SECRETS = /wJalrXUtnFEMI|je7MtGbClwBF/;

/** A value as botocore has it: a string, or a dict for a nested sub-section. */
type Value = string | Record<string, string>;
type Section = Record<string, Value>;

/** What tests/support/botocore_profiles.py answers for one case. */
interface Botocore {
  readonly error?: string;
  readonly configError: string | null;
  readonly credentialsError: string | null;
  readonly configOnlyTarget: Section | null;
  readonly exists?: boolean;
  readonly target?: Section | null;
  readonly sourceName?: string | null;
  readonly source?: Section | null;
  readonly sourceConfig?: Section | null;
  readonly sourceCredentials?: Section | null;
}

/** What the program must resolve when botocore reads a usable profile. */
interface Expected {
  readonly roleArn: string;
  readonly sourceProfile: string;
  readonly durationSeconds: number;
  readonly region: string;
  readonly externalId?: string;
  readonly roleSessionName?: string;
  readonly mfaSerial: string;
  /** Undefined when neither file has keys: then the program names the OS store instead. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

type Verdict =
  | { readonly kind: "unreadable"; readonly reason: string }
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "usable"; readonly values: Expected; readonly unjudged: string[] };

/** Runs botocore once over the whole corpus. */
async function botocore(cases: readonly CorpusCase[]): Promise<Botocore[]> {
  const child = new Deno.Command(PYTHON, {
    args: [HELPER],
    env: { PYTHONUTF8: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const input = cases.map((c) => ({
    config: c.configFile,
    credentials: c.credentialsFile,
    profile: c.profile,
  }));
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const output = await child.output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `botocore helper failed: ${stderr}`);
  const results: Botocore[] = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.equal(results.length, cases.length);
  return results;
}

const isText = (value: Value | undefined): value is string => typeof value === "string";

/** A value for a failure message: quoted, and cut. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** The source keys botocore's merged profile holds, or why there are none usable. */
function sourceKeys(b: Botocore): Pick<Expected, "accessKeyId" | "secretAccessKey"> | string {
  // A key with an empty value counts as absent, as in the program (src/config/resolve.ts).
  const hasKeys = (section: Section | null | undefined) =>
    !!section && (!!section.aws_access_key_id || !!section.aws_secret_access_key);
  // Keys in neither file: the program expects them in the OS store (read only on a cache miss).
  if (!hasKeys(b.sourceCredentials) && !hasKeys(b.sourceConfig)) return {};
  // A credentials-file section wins over the config file (botocore merges it over the profile).
  const fromCredentials = hasKeys(b.sourceCredentials);
  const section = fromCredentials ? b.sourceCredentials : b.sourceConfig;
  const file = fromCredentials ? "credentials" : "config";
  const id = section?.aws_access_key_id;
  const secret = section?.aws_secret_access_key;
  if (!isText(id) || !isText(secret) || id === "" || secret === "") {
    return `source keys in the ${file} file: id ${show(id)}, secret ${
      isText(secret) ? "…" : show(secret)
    }`;
  }
  if (!ACCESS_KEY_ID.test(id)) return `aws_access_key_id ${show(id)}`;
  if (NOT_IN_SECRET.test(secret)) return "aws_secret_access_key holds white space or a control";
  return { accessKeyId: id, secretAccessKey: secret };
}

/** What the program must do with a case, judged from botocore's reading alone. */
function verdict(profile: string, b: Botocore): Verdict {
  if (b.error !== undefined) return { kind: "unreadable", reason: b.error };
  const invalid = (reason: string): Verdict => ({ kind: "invalid", reason });
  const target = b.target;
  if (!b.exists || !target) return invalid(`botocore has no profile ${show(profile)}`);

  const roleArn = target.vegas_role_arn;
  if (!isText(roleArn) || roleArnProblem(roleArn)) {
    return invalid(`vegas_role_arn ${show(roleArn)}`);
  }
  for (const key of ["role_arn", "source_profile"]) {
    if (key in target) return invalid(`plain ${key} next to vegas_ keys (the prefix rule)`);
  }
  const sourceProfile = b.sourceName;
  if (!sourceProfile) {
    return invalid(`vegas_source_profile ${show(target.vegas_source_profile)}`);
  }
  if (sourceProfile === profile) return invalid("vegas_source_profile names the profile itself");
  const source = b.source;
  if (!source) return invalid(`source profile ${show(sourceProfile)} does not exist`);
  const keys = sourceKeys(b);
  if (typeof keys === "string") return invalid(keys);
  const token = source.aws_session_token;
  if (token !== undefined && !isText(token)) return invalid(`aws_session_token ${show(token)}`);

  const mfaSerial = source.mfa_serial;
  if (!isText(mfaSerial) || mfaSerialProblem(mfaSerial)) {
    return invalid(`mfa_serial ${show(mfaSerial)}`);
  }
  let durationSeconds = 3600;
  const duration = target.duration_seconds;
  if (duration !== undefined) {
    const parsed = isText(duration) ? parseSeconds(duration, 900, 43200) : "nested";
    if (typeof parsed === "string") return invalid(`duration_seconds ${show(duration)}`);
    durationSeconds = parsed;
  }
  const roleSessionName = target.role_session_name;
  if (
    roleSessionName !== undefined &&
    (!isText(roleSessionName) || sessionNameProblem(roleSessionName))
  ) return invalid(`role_session_name ${show(roleSessionName)}`);
  const externalId = target.external_id;
  if (externalId !== undefined && (!isText(externalId) || externalIdProblem(externalId))) {
    return invalid(`external_id ${show(externalId)}`);
  }
  // The program's region order: the target's, else the source's, else the default.
  const regionValue = [target.region, source.region].find((v) => v !== undefined && v !== "");
  if (regionValue !== undefined && (!isText(regionValue) || !REGION.test(regionValue))) {
    return invalid(`region ${show(regionValue)}`);
  }
  return {
    kind: "usable",
    values: {
      roleArn,
      sourceProfile,
      durationSeconds,
      region: regionValue ?? "us-east-1",
      externalId,
      roleSessionName,
      mfaSerial,
      ...keys,
      sessionToken: token || undefined,
    },
    unjudged: UNJUDGED.filter((key) => key in target || key in source),
  };
}

/** Differences between the program's resolution and botocore's values (secrets not shown). */
function differences(p: ResolvedProfile, e: Expected): string[] {
  const pairs: [string, unknown, unknown][] = [
    ["roleArn", p.roleArn, e.roleArn],
    ["sourceProfile", p.sourceProfile, e.sourceProfile],
    ["durationSeconds", p.durationSeconds, e.durationSeconds],
    ["region", p.region, e.region],
    ["externalId", p.externalId, e.externalId],
    ["roleSessionName", p.roleSessionName, e.roleSessionName],
    ["mfaSerial", p.mfaSerial, e.mfaSerial],
  ];
  const keys = "store" in p.source ? undefined : p.source;
  pairs.push(["accessKeyId", keys?.accessKeyId, e.accessKeyId]);
  const out = pairs.filter(([, mine, theirs]) => mine !== theirs).map(([name, mine, theirs]) =>
    `${name}: program ${show(mine)}, botocore ${show(theirs)}`
  );
  if (keys?.secretAccessKey !== e.secretAccessKey) out.push("secretAccessKey differs");
  if (keys?.sessionToken !== e.sessionToken) out.push("sessionToken differs");
  if (!keys && "store" in p.source && p.source.entry !== e.sourceProfile) {
    out.push(`stored keys of ${show(p.source.entry)}, not of the source profile`);
  }
  return out;
}

/** The environment of one case: the two files and a home directory, nothing else. */
function caseEnv(c: CorpusCase, home: string): Env {
  const vars = new Map([
    ["AWS_CONFIG_FILE", c.configFile],
    ["AWS_SHARED_CREDENTIALS_FILE", c.credentialsFile],
    ["HOME", home],
  ]);
  return (name) => vars.get(name);
}

type Outcome = { ok: ResolvedProfile } | { error: unknown };

/** Checks one case against properties (a)-(d); returns the failures. */
function check(c: CorpusCase, b: Botocore, outcome: Outcome, dir: string): string[] {
  const v = verdict(c.profile, b);
  const failures: string[] = [];
  const fail = (text: string) => failures.push(`${c.id} [profile ${show(c.profile)}]: ${text}`);
  if ("ok" in outcome) {
    // (a) Success only where botocore reads usable values, and then exactly those values.
    if (v.kind !== "usable") {
      const role = outcome.ok.roleArn;
      const wrongRole = b.target && role !== b.target.vegas_role_arn ? " — A DIFFERENT ROLE" : "";
      fail(`resolved role ${show(role)}${wrongRole}, but botocore: ${v.kind}: ${v.reason}`);
      return failures;
    }
    const diff = differences(outcome.ok, v.values);
    if (diff.length) {
      const wrongRole = outcome.ok.roleArn !== v.values.roleArn ? "A DIFFERENT ROLE: " : "";
      fail(`${wrongRole}${diff.join("; ")}`);
    }
    return failures;
  }

  // (b) A refusal is one ConfigError line...
  const error = outcome.error;
  if (!(error instanceof ConfigError)) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    fail(`threw ${show(text)} instead of a ConfigError`);
    return failures;
  }
  const message = error.message;
  const shortened = message.replaceAll(dir, "/d");
  if (/[\r\n]/.test(message)) fail(`error is not one line: ${show(message)}`);
  if (shortened.length > MAX_LINE) {
    fail(`error line of ${shortened.length} characters: ${show(shortened)}`);
  }
  if (SECRETS.test(message)) fail("error line shows a secret key");
  // ...for a reason botocore confirms: (c) no missed profile.
  if (v.kind === "usable" && !v.unjudged.length) {
    fail(`missed profile: refused with ${show(shortened)}, but botocore reads usable values`);
  }
  // (d) A file botocore cannot parse is named, with a line number.
  if (v.kind === "unreadable") {
    const broken = [
      ...(b.configError ? [c.configFile] : []),
      ...(b.credentialsError ? [c.credentialsFile] : []),
    ];
    if (!broken.some((path) => message.includes(path))) {
      fail(
        `botocore cannot parse ${broken.join(" / ")}; the error does not name it: ${
          show(shortened)
        }`,
      );
    }
    if (!/\bline \d+/.test(message)) fail(`error has no line number: ${show(shortened)}`);
  }
  return failures;
}

function report(failures: string[]): void {
  if (!failures.length) return;
  const shown = failures.slice(0, 30).join("\n");
  const more = failures.length > 30 ? `\n… and ${failures.length - 30} more` : "";
  assert.fail(`${failures.length} parity failures:\n${shown}${more}`);
}

Deno.test("config parity: the program reads the AWS files exactly as botocore does", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "vc-" });
  try {
    const cases = generateCorpus(dir);
    assert.ok(cases.length >= 300, `corpus of ${cases.length} cases`);
    const reference = await botocore(cases);

    const outcomes: Outcome[] = [];
    const millis: number[] = [];
    for (const c of cases) {
      const env = caseEnv(c, dir);
      const start = performance.now();
      try {
        outcomes.push({ ok: resolveProfile(c.profile, env, readSharedFiles(env)) });
      } catch (error) {
        outcomes.push({ error });
      }
      millis.push(performance.now() - start);
    }

    await t.step("each case: botocore's values, or one line for a reason botocore confirms", () => {
      const failures = cases.flatMap((c, i) => check(c, reference[i], outcomes[i], dir));
      const counts = { succeeded: 0, unreadable: 0, invalid: 0 };
      const botocoreCounts = { usable: 0, unreadable: 0, invalid: 0 };
      cases.forEach((c, i) => {
        const kind = verdict(c.profile, reference[i]).kind;
        botocoreCounts[kind]++;
        if ("ok" in outcomes[i]) counts.succeeded++;
        else if (kind === "unreadable") counts.unreadable++;
        else counts.invalid++;
      });
      console.log(
        `config parity: ${cases.length} cases — the program succeeded on ${counts.succeeded}, ` +
          `refused ${counts.unreadable} that botocore cannot read and ` +
          `${counts.invalid} with a needed value missing, nested or invalid (botocore: ` +
          `${botocoreCounts.usable} usable, ${botocoreCounts.unreadable} unreadable, ` +
          `${botocoreCounts.invalid} not usable)`,
      );
      report(failures);
    });

    await t.step("no case takes 5 s, the 20 MB config included", () => {
      const huge = cases.findIndex((c) => c.id.includes(HUGE_TAG));
      assert.ok(huge >= 0 && cases[huge].config.length >= 20_000_000);
      assert.ok(millis[huge] < 5000, `20 MB config: ${Math.round(millis[huge])} ms`);
      const slow = cases.filter((_, i) => millis[i] >= 5000).map((c) => c.id);
      assert.deepEqual(slow, []);
    });

    await t.step("every config the JavaScript SDK reads differently is flagged", async () => {
      const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
      const failures: string[] = [];
      let compared = 0;
      let differing = 0;
      for (const [i, c] of cases.entries()) {
        const b = reference[i];
        if (b.configError) continue; // botocore cannot read it: the program refuses it anyway
        compared++;
        const sdk = await loadSharedConfigFiles({
          filepath: c.credentialsFile,
          configFilepath: c.configFile,
          ignoreCache: true,
        });
        const jsRole = Object.hasOwn(sdk.configFile, c.profile)
          ? sdk.configFile[c.profile].vegas_role_arn
          : undefined;
        const ours = b.configOnlyTarget?.vegas_role_arn;
        const botoRole = isText(ours) ? ours : undefined;
        if (jsRole === botoRole) continue;
        differing++;
        const found = jsSdkDisagreements(decoder.decode(c.config));
        const where = `${c.id} [profile ${show(c.profile)}]: JS SDK role ${show(jsRole)}, ` +
          `botocore ${show(botoRole)}`;
        if (!found.length) failures.push(`${where}: jsSdkDisagreements names no line`);
        for (const entry of found) {
          if (!Number.isInteger(entry.line) || entry.line < 1 || !entry.message) {
            failures.push(`${where}: malformed entry ${show(entry)}`);
          }
        }
      }
      console.log(
        `config parity: the JavaScript SDK reads another role than botocore in ${differing} of ` +
          `${compared} configs botocore can read`,
      );
      assert.ok(differing > 0, "the corpus has no case where the JavaScript SDK differs");
      report(failures);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
