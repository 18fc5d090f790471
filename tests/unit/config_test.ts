import assert from "node:assert/strict";
import { resolveProfile, type SourceKeys } from "../../src/config/resolve.ts";
import { parseIni } from "../../src/config/ini.ts";
import { type SharedFiles, sharedFiles } from "../../src/config/files.ts";
import { ConfigError } from "../../src/errors.ts";
import { mfaSerialProblem, roleArnProblem } from "../../src/config/validate.ts";

const CREDENTIALS = `[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
`;

function files(config: string, credentials = CREDENTIALS): SharedFiles {
  return sharedFiles(
    "/home/u/.aws/config",
    parseIni(config),
    "/home/u/.aws/credentials",
    parseIni(credentials),
  );
}

const SOURCE = "[default]\nmfa_serial = arn:aws:iam::111111111111:mfa/FrankSinatra\n";
const TARGET = "[profile frank]\nvegas_role_arn = arn:aws:iam::222222222222:role/SingerRole\n" +
  "vegas_source_profile = default\n";

const noEnv = (_: string): string | undefined => undefined;

function resolve(
  config: string,
  env: (name: string) => string | undefined = noEnv,
  creds?: string,
) {
  return resolveProfile("frank", env, files(config, creds));
}

function fails(config: string, pattern: RegExp, env = noEnv, creds?: string) {
  assert.throws(() => resolve(config, env, creds), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /wJalrXUtnFEMI/);
    return true;
  });
}

Deno.test("resolve: the seed page's profile with defaults", () => {
  const p = resolve(SOURCE + TARGET);
  assert.equal(p.roleArn, "arn:aws:iam::222222222222:role/SingerRole");
  assert.equal(p.durationSeconds, 3600);
  assert.equal(p.region, "us-east-1");
  assert.equal(p.roleSessionName, undefined);
  assert.equal(p.yubikeyLabel, p.mfaSerial);
  assert.equal(p.mfaTimeoutSeconds, 120);
  assert.equal((p.source as SourceKeys).accessKeyId, "AKIAIOSFODNN7EXAMPLE");
  assert.equal(p.endpoint, undefined);
});

Deno.test("resolve: optional keys of the seed page", () => {
  const p = resolve(
    SOURCE + TARGET +
      "region = us-west-1\nduration_seconds = 4383\nrole_session_name = SinatraAtTheSands\n" +
      "external_id = 0093624694724\n",
  );
  assert.equal(p.region, "us-west-1");
  assert.equal(p.durationSeconds, 4383);
  assert.equal(p.roleSessionName, "SinatraAtTheSands");
  assert.equal(p.externalId, "0093624694724");
});

Deno.test("resolve: region order target, source, AWS_REGION, AWS_DEFAULT_REGION, us-east-1", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    resolve(SOURCE + "region = eu-north-1\n" + TARGET + "region = eu-west-2\n").region,
    "eu-west-2",
  );
  assert.equal(resolve(SOURCE + "region = eu-north-1\n" + TARGET).region, "eu-north-1");
  assert.equal(
    resolve(SOURCE + TARGET, env({ AWS_REGION: "ap-east-1", AWS_DEFAULT_REGION: "x-y-1" })).region,
    "ap-east-1",
  );
  assert.equal(
    resolve(SOURCE + TARGET, env({ AWS_DEFAULT_REGION: "sa-east-1" })).region,
    "sa-east-1",
  );
});

Deno.test("resolve: endpoint from env, profile and services section", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    resolve(
      SOURCE + TARGET,
      env({ AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://x" }),
    ).endpoint,
    "http://127.0.0.1:9",
  );
  assert.equal(
    resolve(SOURCE + TARGET, env({ AWS_ENDPOINT_URL: "http://x:1" })).endpoint,
    "http://x:1",
  );
  assert.equal(
    resolve(SOURCE + TARGET + "endpoint_url = https://sts.example\n").endpoint,
    "https://sts.example",
  );
  assert.equal(
    resolve(SOURCE + TARGET + "services = s\n[services s]\nsts =\n  endpoint_url = http://s:2\n")
      .endpoint,
    "http://s:2",
  );
  assert.equal(
    resolve(
      SOURCE + TARGET,
      env({ AWS_ENDPOINT_URL_STS: "http://a", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }),
    )
      .endpoint,
    undefined,
  );
  assert.equal(
    resolve(SOURCE + TARGET + "sts_regional_endpoints = legacy\n").useGlobalEndpoint,
    true,
  );
  fails(
    SOURCE + TARGET + "sts_regional_endpoints = global\n",
    /sts_regional_endpoints 'global' must be/,
  );
  fails(
    SOURCE + TARGET + "endpoint_url = not a url\n",
    /endpoint_url 'not a url'.* is not an http\(s\) URL/,
  );
});

Deno.test("resolve: ignore_configured_endpoint_urls = True ignores the configured endpoint", () => {
  // botocore (since 1.31; checked with 1.43: Debian's 1.29 predates the setting) and the Go SDK v2
  // read the profile's value case-insensitively: `True` ignores endpoint_url as `true` does.
  const configured = SOURCE + TARGET + "endpoint_url = http://127.0.0.1:9\n";
  for (const value of ["true", "True", "TRUE"]) {
    const setting = `ignore_configured_endpoint_urls = ${value}\n`;
    assert.equal(resolve(configured + setting).endpoint, undefined, setting);
  }
  for (const value of ["false", "False"]) {
    const setting = `ignore_configured_endpoint_urls = ${value}\n`;
    assert.equal(resolve(configured + setting).endpoint, "http://127.0.0.1:9", setting);
  }
});

Deno.test("resolve: ARNs of every partition and with paths are accepted", () => {
  for (
    const arn of [
      "arn:aws:iam::222222222222:role/team/app/Name",
      "arn:aws-cn:iam::222222222222:role/Name",
      "arn:aws-us-gov:iam::222222222222:role/Name",
      "arn:aws-iso-b:iam::222222222222:role/a-b_c+=,.@",
    ]
  ) assert.equal(roleArnProblem(arn), undefined, arn);
  for (
    const serial of [
      "arn:aws:iam::111111111111:mfa/FrankSinatra",
      "arn:aws-us-gov:iam::111111111111:mfa/path/Name",
      "arn:aws-cn:iam::111111111111:u2f/root/x",
      "GAHT12345678",
    ]
  ) assert.equal(mfaSerialProblem(serial), undefined, serial);
});

Deno.test("resolve: each bad input names the profile, key, value and file", () => {
  fails(
    SOURCE + "[profile frank]\nvegas_source_profile = default\n",
    /profile 'frank' in \/home\/u\/.aws\/config: vegas_role_arn is missing/,
  );
  fails(
    SOURCE + TARGET.replace("role/SingerRole", "user/Singer"),
    /vegas_role_arn 'arn:aws:iam::222222222222:user\/Singer' is not an IAM role ARN/,
  );
  fails(
    SOURCE + "[profile frank]\nvegas_role_arn = arn:aws:iam::222222222222:role/R\n",
    /vegas_source_profile is missing/,
  );
  fails(
    "[default]\n" + TARGET,
    /source profile 'default' in \/home\/u\/.aws\/config: mfa_serial is missing/,
  );
  fails(
    SOURCE.replace("mfa/FrankSinatra", "user/x") + TARGET,
    /mfa_serial 'arn:aws:iam::111111111111:user\/x' is not an MFA device ARN/,
  );
  fails(
    SOURCE.replace("arn:aws:iam::111111111111:mfa/FrankSinatra", "123") + TARGET,
    /mfa_serial '123' is neither/,
  );
  fails(
    SOURCE + TARGET + "duration_seconds = 100\n",
    /duration_seconds '100' must be between 900 and 43200/,
  );
  fails(
    SOURCE + TARGET + "duration_seconds = 1h\n",
    /duration_seconds '1h' must be a whole number/,
  );
  fails(SOURCE + TARGET + "duration_seconds = 50000\n", /must be between 900 and 43200/);
  fails(
    SOURCE + TARGET + "role_session_name = Frank Sinatra\n",
    /role_session_name 'Frank Sinatra' must be 2-64/,
  );
  fails(SOURCE + TARGET + "external_id = x\n", /external_id 'x' must be 2-1224/);
  fails(
    SOURCE + TARGET + "role_arn = arn:aws:iam::222222222222:role/R\n",
    /role_arn must be written vegas_role_arn/,
  );
  fails(
    SOURCE + TARGET.replace("vegas_source_profile", "source_profile"),
    /source_profile must be written vegas_source_profile/,
  );
  fails(
    SOURCE + TARGET.replace("= default", "= defualt"),
    /'defualt' is not a profile in .*did you mean 'default'/,
  );
  fails(
    SOURCE + TARGET,
    /aws_secret_access_key is missing/,
    noEnv,
    "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
  );
  fails(SOURCE + TARGET + "vegas_mfa_timeout = soon\n", /vegas_mfa_timeout 'soon'/);
  fails(
    SOURCE + "vegas_mfa_session_duration = 10\n" + TARGET,
    /vegas_mfa_session_duration '10' must be between 900 and 129600/,
  );
});

Deno.test("resolve: unknown profiles get suggestions", () => {
  assert.throws(
    () => resolveProfile("frnk", noEnv, files(SOURCE + TARGET)),
    /profile 'frnk' is not in \/home\/u\/.aws\/config or \/home\/u\/.aws\/credentials \(did you mean 'frank'\?\)/,
  );
  assert.throws(
    () =>
      resolveProfile(
        "only-creds",
        noEnv,
        files(SOURCE + TARGET, CREDENTIALS + "[only-creds]\na=b\n"),
      ),
    /profile 'only-creds' in \/home\/u\/.aws\/credentials: vegas_role_arn is missing/,
  );
});

Deno.test("resolve: recursion guard for a looping source profile and a repeated chain", () => {
  const looping = SOURCE + TARGET.replace("= default", "= loop") +
    "[profile loop]\ncredential_process = vegas-credentials assume --profile=frank\n";
  fails(looping, /gets its keys from vegas-credentials itself/, noEnv, "");
  fails(
    SOURCE + TARGET,
    /started again by itself for the same profile/,
    (name) => name === "VEGAS_CREDENTIALS_PROFILE_CHAIN" ? "frank" : undefined,
  );
  fails(SOURCE + TARGET.replace("= default", "= frank"), /names the profile itself/);
});

Deno.test("resolve: source keys may live in the config file; session token is kept", () => {
  const p = resolve(
    SOURCE +
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\naws_session_token = t\n" +
      TARGET,
    noEnv,
    "",
  );
  assert.equal((p.source as SourceKeys).sessionToken, "t");
});

Deno.test("resolve: aws-vault's mfa_process is read; vegas_mfa_process wins in one profile", () => {
  assert.equal(resolve(SOURCE + "mfa_process = pass otp x\n" + TARGET).mfaProcess, "pass otp x");
  assert.equal(
    resolve(SOURCE + "mfa_process = a\nvegas_mfa_process = b\n" + TARGET).mfaProcess,
    "b",
  );
  // The role profile's setting beats the source profile's, whichever key it uses.
  assert.equal(
    resolve(SOURCE + "vegas_mfa_process = a\n" + TARGET + "mfa_process = c\n").mfaProcess,
    "c",
  );
});

Deno.test("resolve: an empty value in the role profile falls back to the source profile", () => {
  assert.equal(
    resolve(SOURCE + "region = eu-west-1\n" + TARGET + "region =\n").region,
    "eu-west-1",
  );
});

Deno.test("resolve: keys in neither file are a reference to the OS store, not a failure", () => {
  const os = Deno.build.os;
  const native = os === "darwin" ? "keychain" : os === "windows" ? "wincred" : "secret-service";
  const stored = resolve(SOURCE + TARGET, noEnv, "");
  assert.deepEqual(stored.source, { store: native, entry: "default" });
  assert.equal(stored.origins.sourceKeys, `the ${native} store`);
  // The profile's vegas_keystore wins over the environment, which wins over the OS's own.
  const env = (name: string) => name === "VEGAS_CREDENTIALS_KEYSTORE" ? "pass" : undefined;
  assert.deepEqual(resolve(SOURCE + TARGET, env, "").source, { store: "pass", entry: "default" });
  const own = SOURCE + "vegas_keystore = secret-service\n" + TARGET;
  assert.deepEqual(resolve(own, env, "").source, { store: "secret-service", entry: "default" });
  // Keys in a file win: the store is not consulted.
  assert.equal((resolve(own, env).source as SourceKeys).accessKeyId, "AKIAIOSFODNN7EXAMPLE");
  // An unknown store is a ConfigError naming profile, key and file (or the variable).
  fails(
    SOURCE + "vegas_keystore = vault\n" + TARGET,
    /source profile 'default' in \/home\/u\/.aws\/config: vegas_keystore 'vault' must be keychain, secret-service, wincred or pass/,
    noEnv,
    "",
  );
  fails(
    SOURCE + TARGET,
    /VEGAS_CREDENTIALS_KEYSTORE 'kwallet' must be/,
    (name) => name === "VEGAS_CREDENTIALS_KEYSTORE" ? "kwallet" : undefined,
    "",
  );
});
