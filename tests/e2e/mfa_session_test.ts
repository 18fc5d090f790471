/**
 * MFA sessions (`vegas_mfa_session_duration`) end to end against the STS emulator: one
 * GetSessionToken with a code, then AssumeRole with the session's keys for every role profile of that
 * source profile.
 */
import assert from "node:assert/strict";
import { GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import {
  parseCredentialOutput,
  runCli,
  TEST_ROLE_ARN,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { totpSync } from "../support/totp.ts";
import { makeWorld, ROLES } from "../support/world.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { sessionCacheName } from "../../src/cache/key.ts";
import { readEntry, writeEntry } from "../../src/cache/store.ts";

const SOURCE = `vegas_mfa_process = ${TOTP_COMMAND}\nvegas_mfa_session_duration = 43200`;

/** A second role profile `dancer` on the same source profile. */
const DANCER = [
  "",
  "[profile dancer]",
  "credential_process = vegas-credentials assume --profile=dancer",
  `vegas_role_arn = ${ROLES.withPath}`,
  "vegas_source_profile = default",
  "",
].join("\n");

function assertNoSecrets(text: string) {
  assert.doesNotMatch(text, new RegExp(TEST_USER.secretAccessKey.replaceAll("/", "\\/")));
  assert.doesNotMatch(text, /\b\d{6}\b/, "an MFA code was printed");
}

Deno.test("mfa session: two roles, one source profile: one GetSessionToken, then cache hits", async () => {
  await using world = await makeWorld({ source: SOURCE, target: DANCER });
  const singer = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(singer.code, 0, singer.stderr);
  const dancer = await runCli(world.sandbox, ["assume", "--profile=dancer"]);
  assert.equal(dancer.code, 0, dancer.stderr);
  assertNoSecrets(singer.stderr + dancer.stderr);
  assert.equal(world.sts.count("GetSessionToken", true), 1);
  assert.equal(world.sts.count("AssumeRole", true), 2);
  assert.equal(world.sts.calls.length, 3);

  const session = world.sts.calls.find((c) => c.action === "GetSessionToken")!;
  assert.equal(session.accessKeyId, TEST_USER.accessKeyId);
  assert.equal(session.params.SerialNumber, TEST_USER.mfaSerial);
  assert.equal(session.params.DurationSeconds, "43200");
  for (const call of world.sts.calls.filter((c) => c.action === "AssumeRole")) {
    // With the session's keys and without an MFA code.
    assert.match(call.accessKeyId!, /^ASIA/);
    assert.equal(call.params.SerialNumber, undefined);
    assert.equal(call.params.TokenCode, undefined);
  }
  const roles = world.sts.calls.filter((c) => c.action === "AssumeRole").map((c) =>
    c.params.RoleArn
  );
  assert.deepEqual(roles, [TEST_ROLE_ARN, ROLES.withPath]);
  assert.notEqual(
    parseCredentialOutput(singer.stdout).AccessKeyId,
    parseCredentialOutput(dancer.stdout).AccessKeyId,
  );

  // Second runs: the role credentials are cached.
  for (const profile of ["singer", "dancer"]) {
    const again = await runCli(world.sandbox, ["assume", `--profile=${profile}`]);
    assert.equal(again.code, 0, again.stderr);
  }
  assert.equal(world.sts.calls.length, 3);

  // Cache files: one session for the source profile, one role file per profile, all private.
  const names = [...Deno.readDirSync(world.sandbox.cacheDir)].map((f) => f.name)
    .filter((name) => name.endsWith(".json") && !name.startsWith("hit.")).sort();
  assert.equal(names.length, 3);
  assert.match(names[2], /^session\.default\./);
  for (const name of names) {
    assert.equal(Deno.statSync(`${world.sandbox.cacheDir}/${name}`).mode! & 0o777, 0o600);
  }
});

Deno.test("mfa session: role credentials cleaned, the session is reused without MFA", async () => {
  await using world = await makeWorld({ source: SOURCE });
  assert.equal((await runCli(world.sandbox, ["assume", "-p", "singer"])).code, 0);
  const clean = await runCli(world.sandbox, ["cache", "clean", "--profile", "singer"]);
  assert.equal(clean.code, 0, clean.stderr);
  const again = await runCli(world.sandbox, ["assume", "-p", "singer", "--verbose"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /using cached session credentials/);
  assert.equal(world.sts.count("GetSessionToken"), 1);
  assert.equal(world.sts.count("AssumeRole", true), 2);
  assertNoSecrets(again.stderr);
});

Deno.test("mfa session: an unknown vegas_mfa_inputs name is refused before STS, with its file, though no code is needed", async () => {
  await using world = await makeWorld({
    source: SOURCE,
    target: `${DANCER}vegas_mfa_inputs = process,carrier-pigeon\n`,
  });
  assert.equal((await runCli(world.sandbox, ["assume", "-p", "singer"])).code, 0);
  const calls = world.sts.calls.length;
  // The session is fresh: dancer needs no MFA code, so the race (which used to be the only check)
  // never runs; the value is refused all the same, like every other bad value, before any call.
  const result = await runCli(world.sandbox, ["assume", "-p", "dancer"]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    `vegas-credentials: profile 'dancer' in ${world.sandbox.configFile}: vegas_mfa_inputs ` +
      `'process,carrier-pigeon' names unknown input 'carrier-pigeon' ` +
      `(known: process, yubikey, gui, terminal)\n`,
  );
  assert.equal(world.sts.calls.length, calls, "an unknown input was only found after a call");
});

Deno.test("mfa session: duration_seconds over 1 hour assumes the role directly with MFA", async () => {
  await using world = await makeWorld({
    source: SOURCE,
    target: `duration_seconds = 7200\nvegas_role_arn = ${ROLES.long}`,
  });
  const result = await runCli(world.sandbox, ["assume", "--profile=singer", "--verbose"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /more than the 1 hour STS allows roles assumed with an MFA session/);
  assert.equal(world.sts.count("GetSessionToken"), 0);
  const call = world.sts.calls.find((c) => c.action === "AssumeRole")!;
  assert.ok(call.ok);
  assert.equal(call.accessKeyId, TEST_USER.accessKeyId);
  assert.equal(call.params.SerialNumber, TEST_USER.mfaSerial);
  assert.equal(call.params.DurationSeconds, "7200");
  const credentials = parseCredentialOutput(result.stdout);
  assert.ok(Date.parse(credentials.Expiration) - Date.now() > 7000_000);
});

Deno.test("mfa session: concurrent cold-cache runs of two profiles prompt once", async () => {
  await using world = await makeWorld({ source: SOURCE, target: DANCER });
  const runs = await Promise.all(
    ["singer", "dancer", "singer", "dancer"].map((profile) =>
      runCli(world.sandbox, ["assume", `--profile=${profile}`])
    ),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  assert.equal(world.sts.count("GetSessionToken"), 1);
  assert.equal(world.sts.count("AssumeRole"), 2);
  assert.equal(runs[0].stdout, runs[2].stdout);
  assert.equal(runs[1].stdout, runs[3].stdout);
});

Deno.test("mfa session: a cached session STS no longer accepts is replaced", async () => {
  await using world = await makeWorld({ source: SOURCE });
  const env = (name: string) => world.sandbox.env[name];
  const profile = resolveProfile("singer", env);
  // A session from the previous TOTP window (the emulator accepts ±1 step), so the program's own
  // code of this window is still unused.
  const sts = new STSClient({
    region: "us-east-1",
    endpoint: world.sts.url,
    credentials: {
      accessKeyId: TEST_USER.accessKeyId,
      secretAccessKey: TEST_USER.secretAccessKey,
    },
  });
  const answer = await sts.send(
    new GetSessionTokenCommand({
      DurationSeconds: 43200,
      SerialNumber: TEST_USER.mfaSerial,
      TokenCode: totpSync(TEST_USER.totpSecret, world.now() - 30_000),
    }),
  );
  sts.destroy();
  const c = answer.Credentials!;
  writeEntry(world.sandbox.cacheDir, sessionCacheName(profile), {
    profile: "default",
    kind: "session",
    mfaSerial: TEST_USER.mfaSerial,
    createdAt: new Date().toISOString(),
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken,
      expiration: new Date(c.Expiration!),
    },
  });
  world.sts.expireIssuedCredentials(); // STS now answers ExpiredToken for that session

  const result = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(result.code, 0, result.stderr);
  parseCredentialOutput(result.stdout);
  assert.match(result.stderr, /no longer accepts the cached MFA session/);
  const actions = world.sts.calls.map((call) =>
    `${call.action}:${call.ok ? "ok" : call.errorCode}`
  );
  assert.deepEqual(actions, [
    "GetSessionToken:ok", // the test's own
    "AssumeRole:ExpiredToken",
    "GetSessionToken:ok",
    "AssumeRole:ok",
  ]);
  assertNoSecrets(result.stderr);
});

Deno.test("mfa session: a wrong MFA code for the session is not cached", async () => {
  await using world = await makeWorld({
    source: "vegas_mfa_process = echo 000000\nvegas_mfa_session_duration = 3600\n" +
      "vegas_mfa_timeout = 5",
  });
  const result = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /GetSessionToken for source profile 'default' failed: AccessDenied/);
  assert.equal(world.sts.count("AssumeRole"), 0);
  const files = [...Deno.readDirSync(world.sandbox.cacheDir)].filter((f) =>
    f.name.endsWith(".json")
  );
  assert.equal(files.length, 0);
});

/** Ages the cached role entry of `singer` so that `secondsLeft` remain. */
function ageRoleEntry(dir: string, secondsLeft: number) {
  const name = [...Deno.readDirSync(dir)].find((f) => f.name.startsWith("role.singer."))!.name;
  const { entry } = readEntry(`${dir}/${name}`);
  writeEntry(dir, name, {
    ...entry!,
    credentials: { ...entry!.credentials, expiration: new Date(Date.now() + secondsLeft * 1000) },
  });
}

Deno.test("refresh rule: 12 minutes left and a fresh MFA session: replaced now, silently", async () => {
  await using world = await makeWorld({ source: SOURCE });
  const first = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(first.code, 0, first.stderr);
  ageRoleEntry(world.sandbox.cacheDir, 12 * 60);
  const status = await runCli(world.sandbox, ["status", "--json", "-p", "singer"]);
  assert.equal(JSON.parse(status.stdout)[0].refreshWindowSeconds, 900);
  // status says what the next assume does: these are not used any more.
  assert.equal(JSON.parse(status.stdout)[0].cached, "expired");
  const table = await runCli(world.sandbox, ["status", "-p", "singer"]);
  assert.match(table.stdout, /^singer .* expired +1[12]m /m);
  const second = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(second.code, 0, second.stderr);
  assert.notEqual(
    parseCredentialOutput(second.stdout).AccessKeyId,
    parseCredentialOutput(first.stdout).AccessKeyId,
  );
  assert.equal(world.sts.count("AssumeRole", true), 2);
  assert.equal(world.sts.count("GetSessionToken"), 1, "no new MFA code");
});

Deno.test("refresh rule: 12 minutes left and a refresh would prompt: the cached ones serve", async () => {
  await using world = await makeWorld({ source: `vegas_mfa_process = ${TOTP_COMMAND}` });
  const first = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(first.code, 0, first.stderr);
  ageRoleEntry(world.sandbox.cacheDir, 12 * 60);
  const status = await runCli(world.sandbox, ["status", "--json", "-p", "singer"]);
  assert.equal(JSON.parse(status.stdout)[0].refreshWindowSeconds, 600);
  assert.equal(JSON.parse(status.stdout)[0].cached, "fresh");
  for (let run = 0; run < 2; run++) {
    const again = await runCli(world.sandbox, ["assume", "--profile=singer"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      parseCredentialOutput(again.stdout).AccessKeyId,
      parseCredentialOutput(first.stdout).AccessKeyId,
    );
  }
  assert.equal(world.sts.count("AssumeRole"), 1);
});
