/**
 * The real AWS CLI as the caller of credential_process: it runs our program, captures its stderr,
 * and signs its own request with the credentials we print.
 */
import assert from "node:assert/strict";
import { TOTP_COMMAND } from "../support/harness.ts";
import { awsCallerIdentity, makeWorld, ROLES, type World } from "../support/world.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;

/** `aws sts get-caller-identity --profile singer` against the emulator, without a terminal. */
function callerIdentity(world: World) {
  return awsCallerIdentity(world.sandbox.env, world.sts.url, "singer");
}

function configFor(world: World) {
  // credential_process as users write it: the program by name, found on PATH.
  assert.match(
    Deno.readTextFileSync(world.sandbox.configFile),
    /credential_process = vegas-credentials assume --profile=singer/,
  );
}

Deno.test("aws cli: get-caller-identity returns the assumed role; the second run hits the cache", async () => {
  await using world = await makeWorld({
    source: MFA,
    target: "role_session_name = SinatraAtTheSands",
  });
  configFor(world);
  const first = await callerIdentity(world);
  assert.equal(first.code, 0, first.stderr);
  const identity = JSON.parse(first.stdout);
  assert.equal(identity.Arn, "arn:aws:sts::222222222222:assumed-role/SingerRole/SinatraAtTheSands");
  assert.equal(identity.Account, "222222222222");
  assert.equal(world.sts.count("AssumeRole", true), 1);
  assert.equal(world.sts.count("GetCallerIdentity", true), 1);

  const second = await callerIdentity(world);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(JSON.parse(second.stdout).Arn, identity.Arn);
  assert.equal(world.sts.count("AssumeRole"), 1);
  assert.equal(world.sts.count("GetCallerIdentity", true), 2);
});

Deno.test("aws cli: a role ARN with a path", async () => {
  await using world = await makeWorld({
    source: MFA,
    roleArn: ROLES.withPath,
    target: "role_session_name = ci",
  });
  const result = await callerIdentity(world);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    JSON.parse(result.stdout).Arn,
    "arn:aws:sts::222222222222:assumed-role/DeployRole/ci",
  );
});

Deno.test("aws cli: our error line reaches the user through the CLI", async () => {
  await using world = await makeWorld({ source: MFA, target: "duration_seconds = 5" });
  const result = await callerIdentity(world);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /duration_seconds '5' must be between 900 and 43200/);
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("aws cli: 10 parallel runs on a cold cache make exactly one AssumeRole", async () => {
  await using world = await makeWorld({ source: MFA });
  const results = await Promise.all(Array.from({ length: 10 }, () => callerIdentity(world)));
  for (const result of results) {
    assert.equal(result.code, 0, result.stderr);
    assert.match(JSON.parse(result.stdout).Arn, /assumed-role\/SingerRole\//);
  }
  assert.equal(world.sts.count("AssumeRole"), 1);
  assert.equal(world.sts.count("GetCallerIdentity", true), 10);
});
