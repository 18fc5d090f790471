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

  // boto3: a boto3 new enough to read AccountId (1.35+; Debian's 1.26 predates it) — the machine's
  // pip one (pyenv), found by running the interpreter itself (a shim would look for pyenv under the
  // sandbox's HOME).
  const executable = boto3Python();
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

/** A Python whose boto3 reads AccountId (1.35 or newer); fails, naming what it found, if none. */
function boto3Python(): string {
  const found: string[] = [];
  const candidates = [
    ...["python3", "/usr/bin/python3"].map((command) => {
      try {
        return new TextDecoder().decode(
          new Deno.Command(command, { args: ["-c", "import sys; print(sys.executable)"] })
            .outputSync().stdout,
        ).trim();
      } catch {
        return "";
      }
    }),
    ...(() => {
      try {
        return [...Deno.readDirSync("/root/.pyenv/versions")]
          .map((entry) => `/root/.pyenv/versions/${entry.name}/bin/python3`);
      } catch {
        return [];
      }
    })(),
  ].filter(Boolean);
  for (const python of candidates) {
    try {
      const out = new Deno.Command(python, {
        args: ["-c", "import boto3; print(boto3.__version__)"],
        stderr: "null",
      }).outputSync();
      const version = new TextDecoder().decode(out.stdout).trim();
      found.push(`${python}: ${version || "no boto3"}`);
      const [major, minor] = version.split(".").map(Number);
      if (out.success && (major > 1 || (major === 1 && minor >= 35))) return python;
    } catch { /* not there */ }
  }
  throw new Error(`no boto3 1.35+ to read AccountId with (${found.join("; ")})`);
}
