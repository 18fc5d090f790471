import assert from "node:assert/strict";
import {
  clip,
  configProfiles,
  decodeIni,
  IniSyntaxError,
  nestedValues,
  parseIni,
  pyStrip,
  shlexSplit,
} from "../../src/config/ini.ts";
import { jsSdkDisagreements } from "../../src/config/sdk_dialects.ts";

// Every expectation below was read off botocore (python3-botocore, `configloader.load_config`);
// tests/unit/config_parity_test.ts compares against botocore itself on a generated corpus.

const profilesOf = (text: string) =>
  Object.fromEntries(
    [...configProfiles(parseIni(text)).profiles].map(([name, values]) => [
      name,
      Object.fromEntries(values),
    ]),
  );

function refused(text: string, line: number, pattern: RegExp) {
  assert.throws(() => parseIni(text), (error: unknown) => {
    assert.ok(error instanceof IniSyntaxError, String(error));
    assert.equal(error.line, line, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("parseIni: a header followed by a comment or other text is still a header", () => {
  for (const trailer of ["# the dancers' account", " ; x", " (dancers)", "x"]) {
    const text = "[profile singer]\nvegas_role_arn = A\n" +
      `[profile dancer]${trailer}\nvegas_role_arn = B\n`;
    assert.deepEqual(profilesOf(text), {
      singer: { vegas_role_arn: "A" },
      dancer: { vegas_role_arn: "B" },
    }, trailer);
  }
});

Deno.test("parseIni: profile names as botocore splits them (shlex)", () => {
  const text = "[profile café]\nregion = x # c\n[profile  two]\na: b\n" +
    '[profile "q n"]\nk=v\n  cont\n\n  more\n[profilex y]\nz=1\n[profile a b]\nb=2\n' +
    "[profile a]b]\nc=3\n[profile フランク]\nf=1\n[profile nbsp\u00a0]\nn=1\n[profile #;]\nh=1\n";
  assert.deepEqual(profilesOf(text), {
    "café": { region: "x # c" },
    two: { a: "b" },
    "q n": { k: "v\ncont\n\nmore" },
    y: { z: "1" },
    "a]b": { c: "3" },
    "フランク": { f: "1" },
    "nbsp\u00a0": { n: "1" },
    "#;": { h: "1" },
  });
});

Deno.test("parseIni: [DEFAULT] keys are inherited; the later of [default]/[profile default] wins", () => {
  assert.deepEqual(profilesOf("[default]\nx=1\n[profile default]\nx=2\n[DEFAULT]\nd = 1\n"), {
    default: { x: "2", d: "1" },
  });
  assert.deepEqual(profilesOf("[DEFAULT]\nd = 1\n"), {});
});

Deno.test("parseIni: line ends, NUL bytes and Python's white space", () => {
  assert.deepEqual(profilesOf("[default]\rx = 1\r[profile n]\r\nk = v\n"), {
    default: { x: "1" },
    n: { k: "v" },
  });
  assert.deepEqual(profilesOf("[default]\nx = a\0b\n[profile n]\nk=v\n"), {
    default: { x: "a\0b" },
    n: { k: "v" },
  });
  // U+001C is white space to Python, not to JavaScript; U+FEFF is the other way round.
  assert.equal(pyStrip("\x1c a \u3000"), "a");
  assert.equal(pyStrip("\ufeffa"), "\ufeffa");
});

Deno.test("parseIni: files the AWS CLI refuses name the line", () => {
  refused(
    "\ufeff[default]\na=b\n",
    1,
    /^line 1: the file starts with a byte-order mark \(BOM\), which the AWS CLI cannot read: save it as UTF-8 without one$/,
  );
  refused("[default]\na=b\n[default]\nc=d\n", 3, /section \[default\] appears a second time/);
  refused("[default]\na=b\nA=c\n", 3, /key 'a' appears a second time/);
  refused("[default]\nok = 1\njunk\n[profile x]\n[profile x]\n", 5, /appears a second time/);
  refused("[default]\nok = 1\njunk\n", 3, /neither a \[section\] header nor key = value/);
  refused("[default]\n= value\n", 2, /without a key name/);
  refused("[default]\ns3 =\n  x = 1\n  y\n", 2, /indented lines under 's3'/);
});

Deno.test("parseIni: nested sections and continuation lines", () => {
  const sections = parseIni("[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1\n");
  const { services } = configProfiles(sections);
  assert.equal(
    nestedValues(services.get("local")?.get("sts"))?.get("endpoint_url"),
    "http://127.0.0.1:1",
  );
  // An indented header is a continuation line of the key above it, not a header.
  assert.deepEqual(profilesOf("[profile a]\nk = v\n  [profile b]\n"), {
    a: { k: "v\n[profile b]" },
  });
});

Deno.test("decodeIni: strict UTF-8 with the failing line; BOM kept", () => {
  assert.equal(decodeIni(new TextEncoder().encode("\ufeff[a]")), "\ufeff[a]");
  assert.throws(
    () => decodeIni(new Uint8Array([0x5b, 0x61, 0x5d, 0x0a, 0x61, 0x3d, 0xff, 0x0a])),
    (error: unknown) => error instanceof IniSyntaxError && error.line === 2,
  );
});

Deno.test("shlexSplit: Python's POSIX rules", () => {
  assert.deepEqual(shlexSplit("profile  two"), ["profile", "two"]);
  assert.deepEqual(shlexSplit(`profile "a b"`), ["profile", "a b"]);
  assert.deepEqual(shlexSplit(`profile 'it''s'`), ["profile", "its"]);
  assert.deepEqual(shlexSplit(`profile ""`), ["profile", ""]);
  assert.deepEqual(shlexSplit(`p "a\\"b\\c"`), ["p", 'a"b\\c']);
  assert.deepEqual(shlexSplit(`p a\\ b`), ["p", "a b"]);
  assert.throws(() => shlexSplit(`profile "open`), /No closing quotation/);
  assert.throws(() => shlexSplit(`profile a\\`), /No escaped character/);
});

Deno.test("parseIni: a 20 MB file is read in well under a second per 5 MB", () => {
  const text = "[default]\n" + "#".repeat(1000).concat("\n").repeat(20_000) +
    "[profile x]\nk = v\n";
  const started = performance.now();
  assert.equal(profilesOf(text).x.k, "v");
  assert.ok(performance.now() - started < 4000);
});

Deno.test("clip: long values are cut with an ellipsis", () => {
  assert.equal(clip("a".repeat(100)).length, 80);
  assert.equal(clip("short"), "short");
});

Deno.test("jsSdkDisagreements: names the lines the JavaScript SDK reads differently", () => {
  const text = "[profile singer]\nvegas_role_arn = A\n[profile dancer]# x\nvegas_role_arn = B\n" +
    "[profile café]\nregion = x\n[profile ok]\nregion = us-east-1 # note\nRegion2 = y\n";
  const found = jsSdkDisagreements(text);
  const lines = found.map((d) => d.line);
  assert.ok(lines.includes(3), JSON.stringify(found)); // dancer: not seen by the JS SDK
  assert.ok(lines.includes(4), JSON.stringify(found)); // its role ARN lands in singer
  assert.ok(lines.includes(5), JSON.stringify(found)); // café: a name the JS SDK refuses
  assert.ok(lines.includes(8), JSON.stringify(found)); // the inline comment
  assert.ok(lines.includes(9), JSON.stringify(found)); // key case
  assert.ok(found.every((d) => !d.message.includes("us-east-1")), "values are never shown");
  assert.deepEqual(jsSdkDisagreements("[profile a]\nregion = x\n"), []);
  assert.equal(jsSdkDisagreements("[default]\na=1\na=2\n")[0].line, 3);
});
