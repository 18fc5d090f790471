/**
 * `AccountId` in the credential_process answer (from the role's ARN), as the AWS SDK for
 * JavaScript v3 reads it, both from a freshly assumed role and from a cache hit (the fast path).
 */
import assert from "node:assert/strict";
import { parseCredentialOutput, REPO, runCli, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld } from "../support/world.ts";

Deno.test("AccountId: the role's account, read by the JavaScript SDK, on a miss and on a hit", async () => {
  await using world = await makeWorld({ source: `vegas_mfa_process = ${TOTP_COMMAND}` });
  const direct = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(direct.code, 0, direct.stderr);
  assert.equal(parseCredentialOutput(direct.stdout).AccountId, "222222222222");

  for (const run of ["hit", "hit again"]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        `--config=${REPO}deno.json`,
        `${REPO}tests/support/callers/js_profile_caller.ts`,
      ],
      env: {
        ...world.sandbox.env,
        AWS_PROFILE: "singer",
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_STS: world.sts.url,
      },
      clearEnv: true,
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const seen = JSON.parse(new TextDecoder().decode(output.stdout));
    assert.equal(seen.accountId, "222222222222", run);
    assert.match(seen.arn, /:assumed-role\/SingerRole\//, run);
  }
  assert.equal(world.sts.count("AssumeRole", true), 1);

  // boto3: the machine's own (pip) boto3 reads AccountId (Debian's 1.26 predates it).
  // The interpreter itself (a pyenv shim would look for pyenv under the sandbox's HOME).
  const executable = new TextDecoder().decode(
    new Deno.Command("python3", { args: ["-c", "import sys; print(sys.executable)"] }).outputSync()
      .stdout,
  ).trim();
  const python = new Deno.Command(executable, {
    args: [
      "-c",
      "import boto3; c = boto3.Session(profile_name='singer').get_credentials(); " +
      "print(boto3.__version__, c.get_frozen_credentials().account_id)",
    ],
    env: world.sandbox.env,
    clearEnv: true,
    stdin: "null",
  }).outputSync();
  const said = new TextDecoder().decode(python.stdout).trim();
  assert.equal(python.code, 0, new TextDecoder().decode(python.stderr));
  assert.match(
    said,
    / 222222222222$/,
    `boto3 ${said} (needs 1.35 or newer, which reads AccountId)`,
  );
});
