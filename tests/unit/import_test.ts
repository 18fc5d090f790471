/**
 * Unit tests of `config import`'s parts: line edits and their diff, key renaming, quoting, the
 * diff's masking, and the conversion plan's decisions.
 */
import assert from "node:assert/strict";
import {
  applyEdits,
  joinLines,
  type LineEdit,
  splitLines,
  unifiedDiff,
} from "../../src/import/lines.ts";
import { credentialProcessLine, planImport, renameKey } from "../../src/import/convert.ts";
import { diffLineShown } from "../../src/commands/config_import.ts";
import { configProfiles, parseIni, shlexSplit } from "../../src/config/ini.ts";

Deno.test("lines: split keeps every line ending; join gives the bytes back", () => {
  const text = "a\r\nb\nc\rd";
  const lines = splitLines(text);
  assert.deepEqual(lines.map((l) => l.eol), ["\r\n", "\n", "\r", ""]);
  assert.equal(joinLines(lines), text);
  assert.deepEqual(splitLines(""), []);
  assert.equal(splitLines("x\n").length, 1, "numbered as parseIni numbers lines");
});

Deno.test("lines: edits keep untouched lines and endings; the last line gets an ending when needed", () => {
  const lines = splitLines("one\r\ntwo\r\nthree");
  const edits: LineEdit[] = [
    { kind: "replace", line: 1, text: "ONE" },
    { kind: "delete", line: 2 },
    { kind: "insert", before: 4, lines: ["four"] },
  ];
  const { lines: result, script } = applyEdits(lines, edits);
  assert.equal(joinLines(result), "ONE\r\nthree\r\nfour\r\n");
  assert.deepEqual(script.map((entry) => entry.op + entry.line.text), [
    "-one",
    "+ONE",
    "-two",
    "-three",
    "+three",
    "+four",
  ]);
  // A replaced last line without ending, then an insert after it: one + entry for that line.
  const replaced = applyEdits(splitLines("a\nb"), [
    { kind: "replace", line: 2, text: "B" },
    { kind: "insert", before: 3, lines: ["c"] },
  ]);
  assert.equal(joinLines(replaced.lines), "a\nB\nc\n");
  assert.deepEqual(replaced.script.map((e) => e.op + e.line.text + e.line.eol), [
    " a\n",
    "-b",
    "+B\n",
    "+c\n",
  ]);
  assert.throws(
    () => applyEdits(lines, [{ kind: "delete", line: 1 }, { kind: "delete", line: 1 }]),
    /edited twice/,
  );
});

Deno.test("lines: unified diff format, hunks, a missing final newline", () => {
  const old = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n");
  const { script } = applyEdits(splitLines(old), [
    { kind: "replace", line: 2, text: "LINE 2" },
    { kind: "insert", before: 21, lines: ["line 21"] },
  ]);
  assert.equal(
    unifiedDiff(script, "f"),
    [
      "--- f",
      "+++ f",
      "@@ -1,5 +1,5 @@",
      " line 1",
      "-line 2",
      "+LINE 2",
      " line 3",
      " line 4",
      " line 5",
      "@@ -17,4 +17,5 @@",
      " line 17",
      " line 18",
      " line 19",
      "-line 20",
      "\\ No newline at end of file",
      "+line 20",
      "+line 21",
      "",
    ].join("\n"),
  );
  assert.equal(unifiedDiff(applyEdits(splitLines(old), []).script, "f"), "");
  const shown = unifiedDiff(script, "f", { show: (text) => text.toUpperCase(), context: 0 });
  assert.match(shown, /^@@ -2 \+2 @@\n-LINE 2\n\+LINE 2\n@@ -20 \+20,2 @@/m);
});

Deno.test("convert: a key is renamed as written, its value and spacing untouched", () => {
  assert.equal(renameKey("role_arn = x", "vegas_role_arn"), "vegas_role_arn = x");
  assert.equal(renameKey("\tROLE_ARN:x=y", "vegas_role_arn"), "\tvegas_role_arn:x=y");
  assert.equal(renameKey("  source_profile \t= a b ", "vegas_x"), "  vegas_x \t= a b ");
});

Deno.test("convert: credential_process words read back as written (botocore splits with shlex)", () => {
  for (const profile of ["singer", "frank@concerts", "quoted name", "it's", "café", 'a"b']) {
    const line = credentialProcessLine("/opt/my tools/vegas-credentials", profile);
    assert.deepEqual(shlexSplit(line), [
      "/opt/my tools/vegas-credentials",
      "assume",
      `--profile=${profile}`,
    ]);
  }
  assert.equal(credentialProcessLine("/usr/bin/vc", "a"), "/usr/bin/vc assume --profile=a");
  assert.equal(
    credentialProcessLine("C:\\Program Files\\vc.exe", "a b", true),
    '"C:\\Program Files\\vc.exe" assume "--profile=a b"',
  );
});

Deno.test("convert: the diff masks secrets and command lines, keeps everything else", () => {
  assert.equal(
    diffLineShown("aws_secret_access_key = abc/def"),
    "aws_secret_access_key = (not shown)",
  );
  assert.equal(diffLineShown("# aws_session_token=abc"), "# aws_session_token=(not shown)");
  assert.equal(
    diffLineShown("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
    "aws_access_key_id = AKIA…MPLE",
  );
  assert.equal(diffLineShown("mfa_process = oathtool -b SEED"), "mfa_process = oathtool …");
  assert.equal(diffLineShown("credential_process = op read x"), "credential_process = op …");
  const ours = "credential_process = /bin/vegas-credentials assume --profile=a";
  assert.equal(diffLineShown(ours), ours);
  assert.equal(
    diffLineShown("credential_process = /opt/vc assume --profile=a", "/opt/vc"),
    "credential_process = /opt/vc assume --profile=a",
  );
  for (const line of ["region = eu-west-1", "[profile a]", "# note", "", "  nested = 1"]) {
    assert.equal(diffLineShown(line), line);
  }
});

function plan(config: string, options: { only?: string[]; credentials?: string } = {}) {
  return planImport({
    configFile: "/h/.aws/config",
    text: config,
    credentialsFile: "/h/.aws/credentials",
    credentials: parseIni(options.credentials ?? "[me]\naws_access_key_id = A\n"),
    only: options.only,
    program: "/bin/vegas-credentials",
  });
}

const ROLE = "arn:aws:iam::222222222222:role/R";
const MFA = "arn:aws:iam::111111111111:mfa/me";

Deno.test("convert: what stops a conversion, and what only leaves a profile alone", () => {
  const inherited = plan(`[DEFAULT]\nrole_arn = ${ROLE}\n[profile r]\nsource_profile = me\n`);
  assert.match(
    inherited.problems[0],
    /profile 'r' in \/h\/\.aws\/config: role_arn comes from \[DEFAULT\]/,
  );
  const both = plan(
    `[profile r]\nrole_arn = ${ROLE}\nvegas_role_arn = ${ROLE}x\nsource_profile = me\nmfa_serial = ${MFA}\n`,
  );
  assert.match(both.problems[0], /role_arn '.*' and vegas_role_arn '.*x' differ/);
  const other = plan(
    `[profile r]\nrole_arn = ${ROLE}\nsource_profile = me\nmfa_serial = ${MFA}\ncredential_process = op x\n`,
  );
  assert.match(other.problems[0], /credential_process of another program/);
  const missing = plan(`[profile r]\nrole_arn = ${ROLE}\nsource_profile = nobody\n`);
  assert.match(missing.problems[0], /source_profile 'nobody' is not a profile/);
  const multiline = plan(`[profile r]\nrole_arn = ${ROLE}\n  more\nsource_profile = me\n`);
  assert.match(multiline.problems[0], /role_arn spans several lines/);

  const chained = plan(
    `[profile a]\nrole_arn = ${ROLE}\nsource_profile = me\nmfa_serial = ${MFA}\n` +
      `[profile b]\nrole_arn = ${ROLE}\nsource_profile = a\nmfa_serial = ${MFA}\n`,
  );
  assert.deepEqual(chained.converted, ["a"]);
  assert.match(chained.skipped[0].reason, /source profile 'a' is itself a role \(role chaining\)/);
  // Named explicitly, a profile that would be left alone is a problem.
  const named = plan(`[profile b]\nrole_arn = ${ROLE}\nsource_profile = me\n`, { only: ["b"] });
  assert.match(named.problems[0], /profile 'b' in .* stays as it is: it uses no MFA/);
});

Deno.test("convert: equal vegas_ keys replace the plain ones; a vegas credential_process stays", () => {
  const result = plan(
    `[profile r]\ncredential_process = vegas-credentials assume --profile=r\n` +
      `role_arn = ${ROLE}\nvegas_role_arn = ${ROLE}\nsource_profile = me\nmfa_serial = ${MFA}\n`,
    { credentials: `[me]\naws_access_key_id = A\nmfa_serial = ${MFA}\n` },
  );
  assert.deepEqual(result.problems, []);
  assert.equal(
    result.text,
    `[profile r]\ncredential_process = vegas-credentials assume --profile=r\n` +
      `vegas_role_arn = ${ROLE}\nvegas_source_profile = me\n`,
  );
  assert.deepEqual(result.movedMfa, [], "the source profile names the device already");
});

Deno.test("convert: a source profile only in the credentials file gets a config section", () => {
  const result = plan(
    `[profile r]\nrole_arn = ${ROLE}\nsource_profile = my keys\nmfa_serial = ${MFA}\n`,
    { credentials: "[my keys]\naws_access_key_id = A\n" },
  );
  assert.deepEqual(result.problems, []);
  assert.ok(result.text!.endsWith(`\n\n[profile "my keys"]\nmfa_serial = ${MFA}\n`), result.text);
  const profiles = configProfiles(parseIni(result.text!)).profiles;
  assert.equal(profiles.get("my keys")?.get("mfa_serial"), MFA);
  assert.equal(profiles.get("r")?.get("vegas_source_profile"), "my keys");
});
