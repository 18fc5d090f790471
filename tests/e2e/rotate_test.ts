/**
 * `rotate` end to end: the real program against the emulator's STS and IAM (tests/support/iam.ts),
 * with the key in the credentials file or the config file, with an MFA session, refused with two
 * keys, as a dry run, with `--deactivate-only`, rolled back when STS refuses the new key, and killed
 * at each step (the emulator holds the chosen call until the program is dead).
 */
import assert from "node:assert/strict";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DeleteAccessKeyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  cliCommand,
  parseCredentialOutput,
  runCli,
  type RunResult,
  type Sandbox,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { awsCli, makeWorld, waitFor, type World } from "../support/world.ts";
import { startPass } from "../support/keystores.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;
const SESSION = `${MFA}\nvegas_mfa_session_duration = 3600`;
const DAY_MS = 86_400_000;

/** The key pair a file holds for `section` (plain `key = value` lines). */
function keysIn(text: string, section: string): { id: string; secret: string } {
  const body = text.split(/^\[/m).find((part) => part.startsWith(`${section}]`)) ?? "";
  return {
    id: /aws_access_key_id\s*[=:]\s*(\S+)/i.exec(body)?.[1] ?? "",
    secret: /aws_secret_access_key\s*[=:]\s*(\S+)/i.exec(body)?.[1] ?? "",
  };
}

/** The ids of the test user's access keys in the emulator. */
function keyIds(world: World): string[] {
  return world.sts.iam.keys.map((key) => key.accessKeyId);
}

/** Whose keys STS says these are; throws STS's error (`InvalidClientTokenId` for a dead key). */
async function callerArn(world: World, id: string, secret: string): Promise<string> {
  const sts = new STSClient({
    region: "us-east-1",
    endpoint: world.sts.url,
    credentials: { accessKeyId: id, secretAccessKey: secret },
    maxAttempts: 1,
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
  } finally {
    sts.destroy();
  }
}

async function rejected(world: World, id: string, secret: string): Promise<string> {
  try {
    await callerArn(world, id, secret);
  } catch (error) {
    return (error as Error).name;
  }
  return "accepted";
}

/** No secret of any key the user has or had, and no MFA code, in `text`. */
function assertNoSecrets(world: World, text: string, secrets: string[] = []) {
  const all = [
    ...secrets,
    TEST_USER.secretAccessKey,
    ...world.sts.iam.keys.map((k) => k.secretAccessKey),
  ];
  for (const secret of all) assert.ok(!text.includes(secret), "a secret access key was printed");
  assert.doesNotMatch(text, /\b\d{6}\b/, "an MFA code was printed");
}

function assertOk(result: RunResult) {
  assert.equal(result.code, 0, result.stderr);
}

/**
 * Runs `rotate` and kills it (SIGKILL, its whole process group) once the emulator holds `action`
 * (`before` the call takes effect, or `after`), then lets the emulator go on.
 */
async function rotateKilledAt(
  world: World,
  action: string,
  when: "before" | "after",
  args: string[] = ["rotate", "--profile=default"],
): Promise<void> {
  const hold = world.sts.iam.hold(action, when);
  const child = new Deno.Command("setsid", {
    args: ["-w", ...cliCommand(), ...args],
    env: world.sandbox.env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const ended = child.status.then((status) => `ended early with ${status.code}`);
  const arrived = hold.arrived.then(() => "held");
  assert.equal(await Promise.race([arrived, ended]), "held");
  Deno.kill(-child.pid, "SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  hold.drop();
}

/** Deletes key `id` as the user would, with the stored (working) key. */
async function deleteKey(world: World, sandbox: Sandbox, id: string) {
  const stored = keysIn(Deno.readTextFileSync(sandbox.credentialsFile), "default");
  const iam = new IAMClient({
    region: "us-east-1",
    endpoint: world.sts.url,
    credentials: { accessKeyId: stored.id, secretAccessKey: stored.secret },
  });
  try {
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: id, UserName: "FrankSinatra" }));
  } finally {
    iam.destroy();
  }
}

Deno.test("rotate: key in the credentials file — only the two values change; assume uses the new key, the old one is dead", async () => {
  await using world = await makeWorld({ source: MFA });
  const { sandbox } = world;
  const before = "# my keys\r\n[work]\r\naws_access_key_id = AKIAWORKWORKWORKWORK\r\n" +
    "aws_secret_access_key = workSecret\r\n\r\n; the IAM user\r\n[default]\r\n" +
    `aws_access_key_id=${TEST_USER.accessKeyId}   \r\n` +
    `AWS_Secret_Access_Key :  ${TEST_USER.secretAccessKey}\r\nregion = us-east-1\r\n` +
    "[other]\r\nregion = eu-west-1";
  sandbox.writeCredentials(before);
  Deno.chmodSync(sandbox.credentialsFile, 0o640);
  // Role credentials made with the old key: rotate removes them.
  assertOk(await runCli(sandbox, ["assume", "--profile=singer"]));
  assert.equal(
    [...Deno.readDirSync(sandbox.cacheDir)].filter((f) => f.name.startsWith("role.")).length,
    1,
  );

  // IAM takes a minute (emulator time) before STS knows the new key: the program keeps asking;
  // the test moves the emulator's clock on at its first refused try instead of waiting.
  world.sts.iam.propagationMs = 60_000;
  world.nextWindow();
  const running = runCli(sandbox, ["rotate", "--profile=default", "--verbose"]);
  await waitFor(
    "a refused GetCallerIdentity",
    () => world.sts.calls.some((c) => c.action === "GetCallerIdentity" && !c.ok),
  );
  world.sts.clockOffsetMs += 60_000;
  const result = await running;
  assertOk(result);

  const after = Deno.readTextFileSync(sandbox.credentialsFile);
  const fresh = keysIn(after.replaceAll("\r", ""), "default");
  assert.match(fresh.id, /^AKIA[A-Z2-7]{16}$/);
  assert.notEqual(fresh.id, TEST_USER.accessKeyId);
  assert.equal(
    after,
    before.replace(TEST_USER.accessKeyId, fresh.id).replace(
      TEST_USER.secretAccessKey,
      fresh.secret,
    ),
  );
  assert.equal(Deno.statSync(sandbox.credentialsFile).mode! & 0o777, 0o640);
  assert.deepEqual([...Deno.readDirSync(`${sandbox.home}/.aws`)].map((f) => f.name).sort(), [
    "config",
    "credentials",
  ]);
  assert.match(
    result.stdout,
    /^Rotated the access key of IAM user FrankSinatra in .*credentials \[default\]: AKIA…\w{4} replaces AKIA…MPLE, which was deleted\n$/,
  );
  assertNoSecrets(world, result.stdout + result.stderr, [fresh.secret]);

  // IAM: exactly one key, the new one; every IAM call made with MFA session credentials.
  assert.deepEqual(keyIds(world), [fresh.id]);
  for (const call of world.sts.calls.filter((c) => /AccessKey/.test(c.action))) {
    assert.match(call.accessKeyId!, /^ASIA/);
  }
  assert.deepEqual(world.sts.calls.filter((c) => /AccessKey/.test(c.action)).map((c) => c.action), [
    "ListAccessKeys",
    "CreateAccessKey",
    "DeleteAccessKey",
  ]);
  assert.equal(
    await rejected(world, TEST_USER.accessKeyId, TEST_USER.secretAccessKey),
    "InvalidClientTokenId",
  );
  assert.equal(await callerArn(world, fresh.id, fresh.secret), TEST_USER.arn);
  assert.equal(
    [...Deno.readDirSync(sandbox.cacheDir)].filter((f) => f.name.startsWith("role.")).length,
    0,
  );

  world.nextWindow();
  const assume = await runCli(sandbox, ["assume", "--profile=singer"]);
  assertOk(assume);
  parseCredentialOutput(assume.stdout);
  assert.equal(world.sts.calls.findLast((c) => c.action === "AssumeRole")!.accessKeyId, fresh.id);
});

Deno.test("rotate: key in the config file of a named source profile", async () => {
  const config = [
    "[profile frank]  # the IAM user",
    `mfa_serial = ${TEST_USER.mfaSerial}`,
    MFA,
    `aws_access_key_id = ${TEST_USER.accessKeyId}`,
    `aws_secret_access_key = ${TEST_USER.secretAccessKey}`,
    "",
    "[profile singer]",
    "credential_process = vegas-credentials assume --profile=singer",
    `vegas_role_arn = arn:aws:iam::222222222222:role/SingerRole`,
    "vegas_source_profile = frank",
  ].join("\n");
  await using world = await makeWorld(config);
  world.sts.iam.propagationMs = 0;
  const { sandbox } = world;
  sandbox.writeCredentials("[default]\nregion = us-east-1\n");
  const result = await runCli(sandbox, ["rotate", "-p", "frank"]);
  assertOk(result);
  assert.match(result.stdout, /config \[profile frank\]: AKIA/);
  const after = Deno.readTextFileSync(sandbox.configFile);
  const fresh = keysIn(after, "profile frank");
  assert.deepEqual(keyIds(world), [fresh.id]);
  assert.equal(
    after,
    config.replace(TEST_USER.accessKeyId, fresh.id).replace(
      TEST_USER.secretAccessKey,
      fresh.secret,
    ),
  );
  assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), "[default]\nregion = us-east-1\n");
  world.nextWindow();
  assertOk(await runCli(sandbox, ["assume", "-p", "singer"]));
  assert.equal(world.sts.calls.findLast((c) => c.action === "AssumeRole")!.accessKeyId, fresh.id);
});

Deno.test("rotate: with an MFA session — no new code; doctor shows the key's age first, warns past 90 days", async () => {
  await using world = await makeWorld({ source: SESSION });
  world.sts.iam.propagationMs = 0;
  const { sandbox } = world;
  world.sts.iam.keys[0].createdMs = world.now() - 120 * DAY_MS;
  assertOk(await runCli(sandbox, ["assume", "-p", "singer"]));
  assert.equal(world.sts.count("GetSessionToken"), 1);

  const doctor = await runCli(sandbox, ["doctor"]);
  assert.match(
    doctor.stdout,
    /source profile default\n {2}warning {2}access key AKIA…MPLE of IAM user FrankSinatra \(stored\): created \d{4}-\d\d-\d\d, 120 days ago, older than 90 days\n\s+fix: vegas-credentials rotate --profile=default\n/,
  );

  const result = await runCli(sandbox, ["rotate", "-p", "default"]);
  assertOk(result);
  assert.equal(world.sts.count("GetSessionToken"), 1, "rotate asked for a new MFA code");
  const fresh = keysIn(Deno.readTextFileSync(sandbox.credentialsFile), "default");
  assert.deepEqual(keyIds(world), [fresh.id]);
  // The session and role credentials made with the old key are gone (a hit index holds no
  // credentials, and the rewritten credentials file already makes it miss).
  assert.deepEqual(
    [...Deno.readDirSync(sandbox.cacheDir)].filter((f) =>
      f.name.endsWith(".json") && !f.name.startsWith("hit.")
    ),
    [],
  );

  // Without a fresh session doctor does not prompt and says nothing about keys.
  const quiet = await runCli(sandbox, ["doctor"]);
  assert.doesNotMatch(quiet.stdout, /access key|source profile default\n/);
  world.nextWindow();
  assertOk(await runCli(sandbox, ["assume", "-p", "singer"]));
  assert.equal(
    world.sts.calls.findLast((c) => c.action === "GetSessionToken")!.accessKeyId,
    fresh.id,
  );
  const young = await runCli(sandbox, ["doctor"]);
  assert.match(
    young.stdout,
    / {2}ok {7}access key AKIA…\w{4} of IAM user FrankSinatra \(stored\): created \d{4}-\d\d-\d\d, today\n/,
  );
});

Deno.test("rotate: two keys — refused, naming the other key and the command that deletes it", async () => {
  await using world = await makeWorld({ source: MFA });
  world.sts.iam.propagationMs = 0;
  const { sandbox } = world;
  const other = "AKIAOTHEROTHEROTHER2";
  world.sts.iam.keys.push({
    userArn: TEST_USER.arn,
    accessKeyId: other,
    secretAccessKey: "otherSecret",
    status: "Active",
    createdMs: world.now() - 400 * DAY_MS,
    usableAtMs: 0,
  });
  const before = Deno.readTextFileSync(sandbox.credentialsFile);
  for (const args of [["--dry-run"], []]) {
    const refused = await runCli(sandbox, ["rotate", "-p", "default", ...args]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.equal(refused.stderr.split("\n").length, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /^vegas-credentials: IAM user FrankSinatra has two access keys: AKIA…MPLE \(stored in .*credentials \[default\]\) and AKIAOTHEROTHEROTHER2 \(created \d{4}-\d\d-\d\d, 400 days ago\), which is older than the stored key: .*delete AKIAOTHEROTHEROTHER2 if nothing uses it — aws iam delete-access-key --user-name FrankSinatra --access-key-id AKIAOTHEROTHEROTHER2 or in the IAM console .* then run rotate again\n$/,
    );
    world.nextWindow();
  }
  assert.equal(world.sts.count("CreateAccessKey"), 0);
  assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), before);

  // The command it names works as written (with the AWS CLI's endpoint for the emulator).
  const aws = await new Deno.Command(awsCli(), {
    args: [
      ..."iam delete-access-key --user-name FrankSinatra --access-key-id AKIAOTHEROTHEROTHER2"
        .split(" "),
      "--endpoint-url",
      world.sts.url,
      "--region",
      "us-east-1",
    ],
    env: { ...sandbox.env, AWS_PROFILE: "default" },
    clearEnv: true,
  }).output();
  assert.equal(aws.code, 0, new TextDecoder().decode(aws.stderr));
  assert.deepEqual(keyIds(world), [TEST_USER.accessKeyId]);
  assertOk(await runCli(sandbox, ["rotate", "-p", "default"]));
  assert.equal(world.sts.iam.keys.length, 1);
});

Deno.test("rotate --dry-run: the user, the masked key and its age, the steps; nothing changes", async () => {
  await using world = await makeWorld({ source: MFA });
  const { sandbox } = world;
  const before = Deno.readTextFileSync(sandbox.credentialsFile);
  const result = await runCli(sandbox, [
    "rotate",
    "-p",
    "default",
    "--dry-run",
    "--deactivate-only",
  ]);
  assertOk(result);
  assert.match(
    result.stdout,
    /^IAM user: {3}FrankSinatra\naccess key: AKIA…MPLE in .*credentials \[default\], created \d{4}-\d\d-\d\d, 10 days ago\nrotate would:\n {2}1\. create a new access key/,
  );
  assert.match(
    result.stdout,
    / {2}4\. make AKIA…MPLE inactive \(IAM UpdateAccessKey; delete it yourself later\)\n/,
  );
  assert.match(result.stdout, /\(dry run: nothing was changed\)\n$/);
  assert.doesNotMatch(result.stdout, /AKIAIOSFODNN7EXAMPLE/);
  assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), before);
  assert.deepEqual(world.sts.calls.map((c) => c.action), ["GetSessionToken", "ListAccessKeys"]);
  assert.deepEqual(keyIds(world), [TEST_USER.accessKeyId]);
});

Deno.test("rotate --deactivate-only: the old key stays, inactive and refused; the next rotate names it", async () => {
  await using world = await makeWorld({ source: MFA });
  world.sts.iam.propagationMs = 0;
  const { sandbox } = world;
  assertOk(await runCli(sandbox, ["rotate", "-p", "default", "--deactivate-only"]));
  const fresh = keysIn(Deno.readTextFileSync(sandbox.credentialsFile), "default");
  assert.deepEqual(world.sts.iam.keys.map((k) => [k.accessKeyId, k.status]), [
    [TEST_USER.accessKeyId, "Inactive"],
    [fresh.id, "Active"],
  ]);
  assert.equal(
    await rejected(world, TEST_USER.accessKeyId, TEST_USER.secretAccessKey),
    "InvalidClientTokenId",
  );
  world.nextWindow();
  const next = await runCli(sandbox, ["rotate", "-p", "default"]);
  assert.equal(next.code, 1);
  assert.match(
    next.stderr,
    /and AKIAIOSFODNN7EXAMPLE \(created .*\), which is inactive \(rotate --deactivate-only leaves the old key so\)/,
  );
});

Deno.test("rotate: STS refuses the new key — the old key is put back and the new one deleted", async () => {
  await using world = await makeWorld({ source: MFA });
  world.sts.iam.propagationMs = 0;
  const { sandbox } = world;
  const before = Deno.readTextFileSync(sandbox.credentialsFile);
  const hold = world.sts.iam.hold("CreateAccessKey", "after");
  const running = runCli(sandbox, ["rotate", "-p", "default"]);
  await hold.arrived;
  world.sts.injectFaults({ status: 403, code: "AccessDenied", message: "Access denied" });
  hold.release();
  const result = await running;
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /STS does not accept the new access key AKIA…\w{4} \(.*AccessDenied: Access denied\); AKIA…MPLE is stored again in .*credentials \[default\] and the new key was deleted: nothing changed\n$/,
  );
  assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), before);
  assert.deepEqual(keyIds(world), [TEST_USER.accessKeyId]);
  assertNoSecrets(world, result.stderr);
});

Deno.test("rotate: the file changed during the rotation — nothing written, the new key deleted again", async () => {
  await using world = await makeWorld({ source: MFA });
  const { sandbox } = world;
  const hold = world.sts.iam.hold("CreateAccessKey", "after");
  const running = runCli(sandbox, ["rotate", "-p", "default"]);
  await hold.arrived;
  const edited = "[default]\naws_access_key_id = AKIAEDITEDBYTHEUSER1\naws_secret_access_key = x\n";
  sandbox.writeCredentials(edited);
  hold.release();
  const result = await running;
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /credentials \[default\] no longer holds the access key rotate started from .*the new key was deleted again: AKIA…MPLE stays in use\n$/,
  );
  assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), edited);
  assert.deepEqual(keyIds(world), [TEST_USER.accessKeyId]);
});

Deno.test("rotate: killed at each step — a working key is always stored, and the next run recovers", async () => {
  await using world = await makeWorld({ source: SESSION });
  world.sts.iam.propagationMs = 0;
  const { sandbox } = world;
  const stored = () => keysIn(Deno.readTextFileSync(sandbox.credentialsFile), "default");
  const works = async () => {
    const { id, secret } = stored();
    assert.equal(await callerArn(world, id, secret), TEST_USER.arn);
  };
  assertOk(await runCli(sandbox, ["assume", "-p", "singer"])); // starts the MFA session

  // Listing the keys: nothing changed yet.
  await rotateKilledAt(world, "ListAccessKeys", "before");
  assert.equal(stored().id, TEST_USER.accessKeyId);
  assert.deepEqual(keyIds(world), [TEST_USER.accessKeyId]);

  // After IAM created the new key, before it was stored: the old key stays stored and works; the
  // next rotate and doctor name the lost key and how to delete it.
  await rotateKilledAt(world, "CreateAccessKey", "after");
  assert.equal(stored().id, TEST_USER.accessKeyId);
  await works();
  const lost = keyIds(world)[1];
  const advice = new RegExp(
    `and ${lost} \\(created .*today\\), which is newer than the stored key and stored nowhere ` +
      `vegas-credentials knows: most likely a rotate was interrupted after creating it, before ` +
      `storing it, so its secret is lost and nothing can use it; IAM allows two, so delete ${lost} ` +
      `if nothing uses it — aws iam delete-access-key --user-name FrankSinatra --access-key-id ${lost} `,
  );
  const refused = await runCli(sandbox, ["rotate", "-p", "default"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, advice);
  const doctor = await runCli(sandbox, ["doctor"]);
  assert.match(
    doctor.stdout,
    new RegExp(`warning  IAM user FrankSinatra has two .*${advice.source}`),
  );
  await deleteKey(world, sandbox, lost);

  // After the new key was stored, while it is checked, and while the old one is deleted: the new
  // key is stored and works; the next rotate names the old key.
  for (const action of ["GetCallerIdentity", "DeleteAccessKey"]) {
    const old = stored().id;
    world.nextWindow(); // a new key means a new MFA session, with a new code
    await rotateKilledAt(world, action, "before");
    assert.notEqual(stored().id, old);
    await works();
    assert.deepEqual(keyIds(world), [old, stored().id]);
    world.nextWindow();
    const next = await runCli(sandbox, ["rotate", "-p", "default"]);
    assert.equal(next.code, 1);
    assert.match(
      next.stderr,
      new RegExp(`and ${old} \\(created .*\\), which is older than the stored key`),
    );
    await deleteKey(world, sandbox, old);
  }

  // After the old key was deleted, before the cache was cleaned: assume works with the new key.
  world.nextWindow();
  await rotateKilledAt(world, "DeleteAccessKey", "after");
  await works();
  assert.deepEqual(keyIds(world), [stored().id]);
  world.nextWindow();
  assertOk(await runCli(sandbox, ["assume", "-p", "singer"]));
  assert.equal(
    world.sts.calls.findLast((c) => c.action === "GetSessionToken")!.accessKeyId,
    stored().id,
  );
  const last = await runCli(sandbox, ["rotate", "-p", "default"]);
  assertOk(last);
  assert.deepEqual(keyIds(world), [stored().id]);
  await works();
});

Deno.test("rotate: key in the OS store (pass) — the entry is replaced, its MFA session dropped; assume uses the new key", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-pass-" });
  try {
    await using store = await startPass(dir);
    await using world = await makeWorld({ source: `${SESSION}\nvegas_keystore = pass` });
    world.sts.iam.propagationMs = 0;
    const { sandbox } = world;
    Object.assign(sandbox.env, store.env);
    sandbox.writeCredentials("# no keys here\n");
    const entry = async (kind: string) =>
      JSON.parse(
        await store.pass(["show", `vegas-credentials/${kind}/default`]).catch(() => "null"),
      );
    assertOk(
      await runCli(sandbox, ["keys", "add", "-p", "default"], {
        stdin: `${TEST_USER.accessKeyId}\n${TEST_USER.secretAccessKey}\n`,
      }),
    );
    assertOk(await runCli(sandbox, ["assume", "-p", "singer"])); // the MFA session, in the store
    assert.ok(await entry("session"));

    const dry = await runCli(sandbox, ["rotate", "-p", "default", "--dry-run"]);
    assertOk(dry);
    assert.match(dry.stdout, /^access key: AKIA…MPLE in the pass store \[default\], created /m);

    const result = await runCli(sandbox, ["rotate", "-p", "default"]);
    assertOk(result);
    assert.equal(world.sts.count("GetSessionToken"), 1, "rotate asked for a new MFA code");
    const fresh = (await entry("keys")) as { AccessKeyId: string; SecretAccessKey: string };
    assert.notEqual(fresh.AccessKeyId, TEST_USER.accessKeyId);
    assert.deepEqual(keyIds(world), [fresh.AccessKeyId]);
    assert.match(
      result.stdout,
      /^Rotated the access key of IAM user FrankSinatra in the pass store \[default\]: AKIA…\w{4} replaces AKIA…MPLE, which was deleted\n$/,
    );
    assertNoSecrets(world, result.stdout + result.stderr, [fresh.SecretAccessKey]);
    assert.equal(await entry("session"), null, "the MFA session made with the old key stayed");
    assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), "# no keys here\n");
    assert.equal(
      await rejected(world, TEST_USER.accessKeyId, TEST_USER.secretAccessKey),
      "InvalidClientTokenId",
    );
    world.nextWindow();
    assertOk(await runCli(sandbox, ["assume", "-p", "singer"]));
    assert.equal(
      world.sts.calls.findLast((c) => c.action === "GetSessionToken")!.accessKeyId,
      fresh.AccessKeyId,
    );

    // Without an MFA session: GetSessionToken with the stored key and one code.
    sandbox.writeConfig(
      Deno.readTextFileSync(sandbox.configFile).replace(/^vegas_mfa_session_duration.*\n/m, ""),
    );
    world.nextWindow();
    const again = await runCli(sandbox, ["rotate", "-p", "default"]);
    assertOk(again);
    const third = (await entry("keys")) as { AccessKeyId: string };
    assert.deepEqual(keyIds(world), [third.AccessKeyId]);
    assert.notEqual(third.AccessKeyId, fresh.AccessKeyId);
    assert.equal(
      world.sts.calls.findLast((c) => c.action === "GetSessionToken")!.accessKeyId,
      fresh.AccessKeyId,
    );

    // STS refuses the next new key: the old one is written back into the store.
    world.nextWindow();
    const hold = world.sts.iam.hold("CreateAccessKey", "after");
    const failing = runCli(sandbox, ["rotate", "-p", "default"]);
    await hold.arrived;
    world.sts.injectFaults({ status: 403, code: "AccessDenied", message: "Access denied" });
    hold.release();
    const rolled = await failing;
    assert.equal(rolled.code, 1);
    assert.match(
      rolled.stderr,
      /is stored again in the pass store \[default\] and the new key was deleted: nothing changed\n$/,
    );
    assert.equal(((await entry("keys")) as { AccessKeyId: string }).AccessKeyId, third.AccessKeyId);
    assert.deepEqual(keyIds(world), [third.AccessKeyId]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
