import assert from "node:assert/strict";
import { loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";
import { configProfiles, parseIni } from "../../src/config/ini.ts";

const CONFIG = `
# a comment
; another comment
[default]
region = eu-west-1 ; trailing comment
mfa_serial=arn:aws:iam::111111111111:mfa/FrankSinatra

[profile frank@concerts]
credential_process = vegas-credentials assume --profile=frank@concerts
vegas_role_arn=arn:aws:iam::222222222222:role/SingerRole
  vegas_source_profile   =   default
url = https://example.com/#fragment
s3 =
  max_concurrent_requests = 10
  addressing_style = path
output = json

[profile "quoted"]
region = us-west-2

[not-a-profile]
region = ap-south-1

[profile with space]
region = ignored

[sso-session corp]
sso_region = us-east-1

[services local]
sts =
  endpoint_url = http://127.0.0.1:1

[profile frank@concerts]
duration_seconds = 4383
`;

Deno.test("parseIni: sections, comments, sub-sections and merged duplicates", () => {
  const profiles = configProfiles(parseIni(CONFIG));
  assert.deepEqual([...profiles.keys()].sort(), ["default", "frank@concerts", "quoted"]);
  assert.equal(profiles.get("default")?.get("region"), "eu-west-1");
  const frank = profiles.get("frank@concerts")!;
  assert.equal(frank.get("vegas_source_profile"), "default");
  assert.equal(frank.get("url"), "https://example.com/#fragment");
  assert.equal(frank.get("s3.max_concurrent_requests"), "10");
  assert.equal(frank.get("output"), "json");
  assert.equal(frank.get("duration_seconds"), "4383");
  assert.equal(
    parseIni(CONFIG).get("services.local")?.get("sts.endpoint_url"),
    "http://127.0.0.1:1",
  );
});

Deno.test("parseIni: keys are case-insensitive like botocore", () => {
  const profiles = configProfiles(parseIni("[profile x]\nVEGAS_Role_ARN = a\n"));
  assert.equal(profiles.get("x")?.get("vegas_role_arn"), "a");
});

Deno.test("parseIni: agrees with the AWS SDK's own loader", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config`, CONFIG);
    await Deno.writeTextFile(
      `${dir}/credentials`,
      "[default]\naws_access_key_id = AKIA\n[x]\na=b\n",
    );
    const sdk = await loadSharedConfigFiles({
      filepath: `${dir}/credentials`,
      configFilepath: `${dir}/config`,
      ignoreCache: true,
    });
    const sections = parseIni(CONFIG);
    const ours = configProfiles(sections);
    const sdkProfiles = Object.keys(sdk.configFile).filter((name) =>
      !/^(sso-session|services)\./.test(name)
    );
    for (const [name, values] of Object.entries(sdk.configFile)) {
      const mine = sdkProfiles.includes(name) ? ours.get(name) : sections.get(name);
      assert.deepEqual(Object.fromEntries(mine ?? []), values, `section ${name}`);
    }
    assert.deepEqual([...ours.keys()].sort(), sdkProfiles.sort());
    const credentials = parseIni(await Deno.readTextFile(`${dir}/credentials`));
    for (const [name, values] of Object.entries(sdk.credentialsFile)) {
      assert.deepEqual(Object.fromEntries(credentials.get(name) ?? []), values);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseIni: __proto__ sections are refused", () => {
  assert.throws(() => parseIni("[__proto__]\na=b\n"), SyntaxError);
});

Deno.test("parseIni: Windows line endings and tabs before comments", () => {
  const profiles = configProfiles(parseIni("[default]\r\nregion = eu-west-1\t# note\r\nx=a#b\r\n"));
  assert.equal(profiles.get("default")?.get("region"), "eu-west-1");
  assert.equal(profiles.get("default")?.get("x"), "a#b");
});
