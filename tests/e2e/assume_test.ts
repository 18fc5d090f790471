/**
 * `assume` end to end: the program run as a subprocess exactly as credential_process runs it, against
 * the local STS emulator (which checks SigV4 signatures and TOTP codes).
 */
import assert from "node:assert/strict";
import {
  parseCredentialOutput,
  runCli,
  type Sandbox,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { totpStep } from "../support/totp.ts";
import { makeWorld, ROLES } from "../support/world.ts";
import { readEntry, writeEntry } from "../../src/cache/store.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;
const ASSUME = ["assume", "--profile=singer"];

/** No secret of the test user may ever be printed. */
function assertNoSecrets(text: string) {
  assert.doesNotMatch(text, new RegExp(TEST_USER.secretAccessKey.replaceAll("/", "\\/")));
  assert.doesNotMatch(text, /\b\d{6}\b/, "an MFA code was printed");
}

Deno.test("assume: this computer's clock 20 minutes behind STS — the expiry is told by this clock, the next run is a hit", async () => {
  await using world = await makeWorld({ source: MFA });
  world.moveClock(20 * 60_000);
  const first = await runCli(world.sandbox, ASSUME);
  assert.equal(first.code, 0, first.stderr);
  const expiration = Date.parse(parseCredentialOutput(first.stdout).Expiration);
  // STS says an hour from its clock; by this computer's clock that is 80 minutes away, which every
  // caller here would believe, using the credentials 20 minutes past their end.
  assert.ok(expiration <= Date.now() + 3600_000, `${new Date(expiration).toISOString()}`);
  assert.ok(expiration > Date.now() + 3500_000);
  // (The SDK's first call is refused as signed too long ago; it corrects its clock and signs again.)
  const calls = world.sts.calls.length;
  const second = await runCli(world.sandbox, ASSUME);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
  assert.equal(world.sts.calls.length, calls, "the cached credentials were refused");
});

Deno.test("assume: a miss calls STS once, the next run is a cache hit", async () => {
  await using world = await makeWorld({ source: MFA });
  const first = await runCli(world.sandbox, ASSUME);
  assert.equal(first.code, 0, first.stderr);
  const credentials = parseCredentialOutput(first.stdout);
  assert.match(credentials.AccessKeyId, /^ASIA/);
  assert.ok(credentials.SessionToken);
  assert.ok(Date.parse(credentials.Expiration) - Date.now() > 3500_000);
  assertNoSecrets(first.stderr);
  assert.equal(world.sts.count("AssumeRole", true), 1);

  const second = await runCli(world.sandbox, ["assume", "-p", "singer"]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
  assert.equal(second.stderr, "");
  assert.equal(world.sts.count("AssumeRole"), 1);

  // --verbose skips the fast path (src/fast_path.ts): the full CLI finds the same entry.
  const verbose = await runCli(world.sandbox, ["assume", "--profile", "singer", "--verbose"]);
  assert.equal(verbose.stdout, first.stdout);
  assert.match(verbose.stderr, /using cached role credentials/);
  assert.equal(world.sts.count("AssumeRole"), 1);

  const files = [...Deno.readDirSync(world.sandbox.cacheDir)];
  assert.equal(Deno.statSync(world.sandbox.cacheDir).mode! & 0o777, 0o700);
  for (const file of files) {
    assert.equal(Deno.statSync(`${world.sandbox.cacheDir}/${file.name}`).mode! & 0o777, 0o600);
  }
});

Deno.test("assume: the STS call carries the configured values", async () => {
  await using world = await makeWorld({
    source: MFA + "\nregion = eu-west-1",
    target: "duration_seconds = 4383\nrole_session_name = SinatraAtTheSands",
    roleArn: ROLES.long,
  });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 0, result.stderr);
  const call = world.sts.calls.find((c) => c.action === "AssumeRole")!;
  assert.equal(call.params.RoleArn, ROLES.long);
  assert.equal(call.params.DurationSeconds, "4383");
  assert.equal(call.params.RoleSessionName, "SinatraAtTheSands");
  assert.equal(call.params.SerialNumber, TEST_USER.mfaSerial);
  assert.equal(call.params.TokenCode, "******");
  assert.equal(call.accessKeyId, TEST_USER.accessKeyId);
});

Deno.test("assume: role ARNs with a path and external ids work", async () => {
  await using world = await makeWorld({
    source: MFA,
    roleArn: ROLES.withPath,
    target: `\n[profile partner]\n` +
      `vegas_role_arn = ${ROLES.withExternalId}\nvegas_source_profile = default\nexternal_id = 0093624694724\n`,
  });
  const path = await runCli(world.sandbox, ASSUME);
  assert.equal(path.code, 0, path.stderr);
  // A device gives one code per 30-second window, and STS takes each once: the next profile's
  // code comes from the next window.
  world.nextWindow();
  const partner = await runCli(world.sandbox, ["assume", "--profile", "partner"]);
  assert.equal(partner.code, 0, partner.stderr);
  assert.equal(world.sts.count("AssumeRole", true), 2);
});

Deno.test("assume: editing the config misses the cache and replaces the old file", async () => {
  await using world = await makeWorld({ source: MFA });
  assert.equal((await runCli(world.sandbox, ASSUME)).code, 0);
  const before = [...Deno.readDirSync(world.sandbox.cacheDir)].filter((f) =>
    f.name.startsWith("role.") && f.name.endsWith(".json")
  );
  Deno.writeTextFileSync(world.sandbox.configFile, "duration_seconds = 1800\n", { append: true });
  world.nextWindow(); // a fresh code (STS takes each code once)
  const after = await runCli(world.sandbox, ASSUME);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(world.sts.count("AssumeRole", true), 2);
  const files = [...Deno.readDirSync(world.sandbox.cacheDir)].filter((f) =>
    f.name.startsWith("role.") && f.name.endsWith(".json")
  );
  assert.equal(files.length, 1);
  assert.notEqual(files[0].name, before[0].name);
});

Deno.test("assume: credentials with less than 10 minutes left are refreshed", async () => {
  await using world = await makeWorld({ source: MFA });
  const first = await runCli(world.sandbox, ASSUME);
  assert.equal(first.code, 0, first.stderr);
  // The cached credentials age (STS itself never issues less than 15 minutes).
  const name =
    [...Deno.readDirSync(world.sandbox.cacheDir)].find((f) => f.name.startsWith("role."))!
      .name;
  const { entry } = readEntry(`${world.sandbox.cacheDir}/${name}`);
  writeEntry(world.sandbox.cacheDir, name, {
    ...entry!,
    credentials: { ...entry!.credentials, expiration: new Date(Date.now() + 500_000) },
  });
  world.nextWindow(); // a fresh code (STS takes each code once)
  const second = await runCli(world.sandbox, ["--verbose", ...ASSUME]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /expire within 10 minutes/);
  assert.notEqual(
    parseCredentialOutput(second.stdout).AccessKeyId,
    parseCredentialOutput(first.stdout).AccessKeyId,
  );
  assert.equal(world.sts.count("AssumeRole", true), 2);
});

Deno.test("assume: a corrupt cache file is a miss, replaced, and explained with --verbose", async () => {
  await using world = await makeWorld({ source: MFA });
  assert.equal((await runCli(world.sandbox, ASSUME)).code, 0);
  const file = [...Deno.readDirSync(world.sandbox.cacheDir)].find((f) =>
    f.name.startsWith("role.")
  )!;
  Deno.writeTextFileSync(`${world.sandbox.cacheDir}/${file.name}`, '{"format":1,"accessKey');
  world.nextWindow(); // a fresh code (STS takes each code once)
  const result = await runCli(world.sandbox, ["assume", "--profile=singer", "--verbose"]);
  assert.equal(result.code, 0, result.stderr);
  // Said once, then once more for the look under the lock (not three times over).
  assert.deepEqual(
    result.stderr.match(/^.*corrupt JSON.*$/gm)!.map((line) => / \(looked again/.test(line)),
    [
      false,
      true,
    ],
  );
  parseCredentialOutput(result.stdout);
  assert.doesNotThrow(() =>
    JSON.parse(Deno.readTextFileSync(`${world.sandbox.cacheDir}/${file.name}`))
  );
});

/** Bad inputs: one clear line on stderr, exit code, nothing on stdout, no STS call, no cache. */
const BAD_INPUTS: [string, { source?: string; target?: string } | string, RegExp, number?][] = [
  ["unknown profile", {}, /profile 'singer' is not in .*config/, undefined],
  [
    "bad role ARN",
    { source: MFA, target: "vegas_role_arn = arn:aws:iam::2222:role/x" },
    /profile 'singer' in .*config: vegas_role_arn 'arn:aws:iam::2222:role\/x' is not an IAM role ARN/,
  ],
  [
    "bad MFA serial",
    { source: "mfa_serial = nope" },
    /source profile 'default' in .*config: mfa_serial 'nope' is neither/,
  ],
  [
    "duration",
    { source: MFA, target: "duration_seconds = 60" },
    /duration_seconds '60' must be between 900 and 43200/,
  ],
  [
    "session name",
    { source: MFA, target: "role_session_name = a b" },
    /role_session_name 'a b' must be/,
  ],
  ["external id", { source: MFA, target: "external_id = x" }, /external_id 'x' must be/],
  [
    "plain role_arn",
    { source: MFA, target: "role_arn = arn:aws:iam::222222222222:role/R" },
    /role_arn must be written vegas_role_arn/,
  ],
  [
    "missing source",
    { source: MFA, target: "vegas_source_profile = nobody" },
    /'nobody' is not a profile/,
  ],
];

for (const [name, config, message] of BAD_INPUTS) {
  Deno.test(`assume: bad input, ${name}`, async () => {
    await using world = await makeWorld(config);
    if (name === "unknown profile") world.sandbox.writeConfig("[profile singers]\n");
    const result = await runCli(world.sandbox, ASSUME);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.equal(world.sts.calls.length, 0);
    assert.throws(() => Deno.statSync(world.sandbox.cacheDir));
  });
}

Deno.test("assume: usage errors exit 2", async () => {
  await using world = await makeWorld({ source: MFA });
  for (const args of [["assume"], ["assume", "--profle=singer"], ["asume", "-p", "singer"]]) {
    const result = await runCli(world.sandbox, args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /needs --profile|did you mean/);
  }
});

Deno.test("assume: missing source keys and no MFA input are clear errors", async () => {
  await using world = await makeWorld({});
  const noInput = await runCli(world.sandbox, ASSUME);
  assert.equal(noInput.code, 1);
  assert.match(noInput.stderr, /no MFA input available for profile 'singer'/);
  world.sandbox.writeCredentials("");
  const noKeys = await runCli(world.sandbox, ASSUME);
  assert.match(
    noKeys.stderr,
    /source profile 'default' \(of profile 'singer'\) has no aws_access_key_id/,
  );
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("assume: a failing MFA command or one printing no code", async () => {
  await using world = await makeWorld({ source: "vegas_mfa_process = echo oops >&2; exit 3" });
  const failed = await runCli(world.sandbox, ASSUME);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /vegas_mfa_process failed \(exit code 3/);
  assert.match(failed.stderr, /oops/);
  world.sandbox.writeConfig(
    world.sandbox.env.HOME
      ? Deno.readTextFileSync(world.sandbox.configFile).replace(
        "echo oops >&2; exit 3",
        "echo 12345",
      )
      : "",
  );
  const noCode = await runCli(world.sandbox, ASSUME);
  assert.match(noCode.stderr, /printed no 6-digit code/);
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("assume: STS 5xx and throttling are retried by the SDK", async () => {
  await using world = await makeWorld({ source: MFA });
  world.sts.injectFaults({ status: 500, code: "InternalFailure" }, {
    status: 400,
    code: "Throttling",
    message: "Rate exceeded",
  });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(world.sts.count("AssumeRole"), 3);
  assert.equal(world.sts.count("AssumeRole", true), 1);
});

Deno.test("assume: STS errors become one sentence with AWS's code", async () => {
  await using world = await makeWorld({ source: MFA });
  const faults = () =>
    world.sts.injectFaults(
      ...Array(3).fill({ status: 503, code: "ServiceUnavailable", message: "down" }),
    );
  faults();
  const down = await runCli(world.sandbox, ASSUME);
  assert.equal(down.code, 1);
  assert.equal(down.stdout, "");
  assert.match(
    down.stderr,
    /AssumeRole of arn:aws:iam::222222222222:role\/SingerRole for profile 'singer' failed: ServiceUnavailable: down/,
  );

  world.sts.injectFaults(
    ...Array(3).fill({ status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" }),
  );
  const html = await runCli(world.sandbox, ASSUME);
  assert.equal(html.code, 1);
  assert.match(html.stderr, /answered HTTP 502 that is not an STS response/);

  const untrusted = await makeWorld({
    source: MFA,
    target: "vegas_role_arn = arn:aws:iam::999999999999:role/Nope",
  });
  await using _ = untrusted;
  const denied = await runCli(untrusted.sandbox, ASSUME);
  assert.equal(denied.code, 1);
  assert.match(
    denied.stderr,
    /failed: AccessDenied: User: .* is not authorized to perform: sts:AssumeRole/,
  );
  assert.equal(denied.stderr.trimEnd().split("\n").length, 1, denied.stderr);
});

Deno.test("assume: duration over the role's maximum is AWS's ValidationError", async () => {
  await using world = await makeWorld({ source: MFA, target: "duration_seconds = 7200" });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration/,
  );
});

Deno.test("assume: an unreachable endpoint fails within the time limit", async () => {
  await using world = await makeWorld({ source: MFA });
  const result = await runCli(world.sandbox, ASSUME, {
    env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot reach http:\/\/127.0.0.1:9/);
});

Deno.test("assume: invalid keys are reported by AWS's code", async () => {
  await using world = await makeWorld({ source: MFA });
  world.sandbox.writeCredentials(
    `[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wrong\n`,
  );
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /SignatureDoesNotMatch/);
  assert.doesNotMatch(result.stderr, /wrong/);
});

/**
 * `repeating-totp` on PATH: the TOTP generator, except that once `repeatOnce()` was called it prints
 * the code it printed last time again (what a real one does when asked twice in one window).
 */
function repeatingGenerator(sandbox: Sandbox) {
  Deno.writeTextFileSync(
    `${sandbox.home}/bin/repeating-totp`,
    [
      "#!/bin/sh",
      'if [ -f "$HOME/repeat" ]; then rm "$HOME/repeat"; cat "$HOME/last"; exit; fi',
      `${TOTP_COMMAND} | tee "$HOME/last"`,
    ].join("\n") + "\n",
    { mode: 0o755 },
  );
  return { repeatOnce: () => Deno.writeTextFileSync(`${sandbox.home}/repeat`, "") };
}

Deno.test("assume: a generator's rejected code is retried once in the next TOTP window", async () => {
  await using world = await makeWorld({ source: "vegas_mfa_process = repeating-totp" });
  const generator = repeatingGenerator(world.sandbox);
  assert.equal((await runCli(world.sandbox, ASSUME)).code, 0);
  // The generator prints the code STS has just accepted, as within one 30-second window, so STS
  // refuses it (however slow the machine). The next window opens 3 s from now, not up to 30.
  Deno.removeSync(world.sandbox.cacheDir, { recursive: true });
  generator.repeatOnce();
  world.windowEndsIn(3_000);
  const started = Date.now();
  const retried = await runCli(world.sandbox, ASSUME);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(
    retried.stderr,
    /STS rejected the code from process; trying again in the next 30-second window/,
  );
  assert.ok(Date.now() - started < 40_000);
  parseCredentialOutput(retried.stdout);
  assert.equal(world.sts.count("AssumeRole", true), 2);
  assert.equal(world.sts.count("AssumeRole"), 3);
  // The program waited for the next window (on the world's clock) before asking again.
  const [refused, accepted] = world.sts.calls.slice(1).map((c) => totpStep(Date.parse(c.time)));
  assert.ok(accepted > refused, `retried in TOTP step ${accepted}, refused in ${refused}`);
  assertNoSecrets(retried.stderr.replace(/\(\d+ s\)/, ""));
});

Deno.test("assume: the MFA wait is bounded by vegas_mfa_timeout", async () => {
  await using world = await makeWorld({
    source: "vegas_mfa_process = sleep 60\nvegas_mfa_timeout = 5",
  });
  const started = Date.now();
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /no MFA code within 5 s for profile 'singer' \(set vegas_mfa_timeout to wait longer\)/,
  );
  assert.ok(Date.now() - started < 15_000, "did not stop at the timeout");
  assert.equal(world.sts.calls.length, 0);
});
