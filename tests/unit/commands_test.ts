/**
 * Unit tests of the inspection and environment commands' building blocks.
 */
import assert from "node:assert/strict";
import {
  alignColumns,
  commandWord,
  formatRemaining,
  maskAccessKeyId,
} from "../../src/commands/common.ts";
import {
  credentialVariables,
  formatVariables,
  quoteFish,
  quotePowerShell,
  quoteSh,
} from "../../src/commands/env.ts";
import { childEnvironment, exitStatus } from "../../src/commands/exec.ts";
import { profileArgument, splitCommandLine } from "../../src/commands/doctor.ts";
import { isRejectedSession } from "../../src/assume/mfa_session.ts";
import { VegasError } from "../../src/errors.ts";
import { findCommand, run } from "../../src/cli/run.ts";
import { cleanCache, removeIdleLocks } from "../../src/commands/cache_clean.ts";

const TRICKY = `a'b"c$d\`e\\f g!h*`;

Deno.test("env: sh quoting survives eval in /bin/sh", async () => {
  const script = formatVariables([["X", TRICKY]], "sh") + 'printf %s "$X"';
  const output = await new Deno.Command("sh", { args: ["-c", script] }).output();
  assert.equal(new TextDecoder().decode(output.stdout), TRICKY);
  assert.equal(quoteSh("it's"), `'it'\\''s'`);
});

Deno.test("env: fish and PowerShell quoting", () => {
  assert.equal(quoteFish(`a'b\\c`), `'a\\'b\\\\c'`);
  assert.equal(quotePowerShell(`a'b`), `'a''b'`);
  assert.ok(formatVariables([["A", "1"]], "powershell").endsWith("\n$Env:A = '1'\n"));
  assert.ok(formatVariables([["A", "1"]], "fish").endsWith("\nset -gx A '1';\n"));
  assert.equal(JSON.parse(formatVariables([["A", "1"]], "json")).A, "1");
});

Deno.test("env: the variables, with the region only when known", () => {
  const credentials = {
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret",
    sessionToken: "token",
    expiration: new Date("2030-01-02T03:04:05.678Z"),
  };
  assert.deepEqual(credentialVariables(credentials, undefined).map(([name]) => name), [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
  ]);
  const withRegion = Object.fromEntries(credentialVariables(credentials, "eu-west-1"));
  assert.equal(withRegion.AWS_REGION, "eu-west-1");
  assert.equal(withRegion.AWS_DEFAULT_REGION, "eu-west-1");
  assert.equal(withRegion.AWS_CREDENTIAL_EXPIRATION, "2030-01-02T03:04:05Z");
});

Deno.test("exec: the child's environment drops AWS_PROFILE and old tokens", () => {
  const env = childEnvironment(
    { PATH: "/bin", AWS_PROFILE: "x", AWS_DEFAULT_PROFILE: "y", AWS_SECURITY_TOKEN: "old" },
    [["AWS_ACCESS_KEY_ID", "ASIA"]],
  );
  assert.deepEqual(env, { PATH: "/bin", AWS_ACCESS_KEY_ID: "ASIA" });
});

Deno.test("exec: exit status of a signal is 128+N", () => {
  assert.equal(exitStatus({ success: false, code: 7, signal: null }), 7);
  assert.equal(exitStatus({ success: false, code: 143, signal: "SIGTERM" }), 143);
  assert.equal(exitStatus({ success: false, code: 0, signal: "SIGINT" }), 130);
});

Deno.test("common: masking, command words, durations, columns", () => {
  assert.equal(maskAccessKeyId("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
  assert.equal(maskAccessKeyId("short"), "…");
  assert.equal(commandWord("oathtool --totp -b SECRET"), "oathtool …");
  assert.equal(commandWord("pass-otp"), "pass-otp");
  assert.equal(formatRemaining(3725), "1h 2m");
  assert.equal(formatRemaining(59), "59s");
  assert.equal(formatRemaining(-300), "expired 5m ago");
  assert.equal(alignColumns([["a", "bb"], ["ccc", "d"]]), "a    bb\nccc  d\n");
});

Deno.test("doctor: reads the profile of a credential_process line", () => {
  const profile = (line: string) => profileArgument(splitCommandLine(line));
  assert.equal(profile("vegas-credentials assume --profile=singer"), "singer");
  assert.equal(profile("vegas-credentials assume --profile singer"), "singer");
  assert.equal(profile("vegas-credentials assume -p singer"), "singer");
  assert.equal(profile("vegas-credentials assume -psinger"), "singer");
  assert.equal(profile(`"/opt/my tools/vegas-credentials" assume -p 'a b'`), "a b");
  assert.equal(profile("vegas-credentials assume"), undefined);
  // Split as botocore splits credential_process (shlex): quotes are not part of the name.
  assert.equal(profile("vegas-credentials assume --profile='singer'"), "singer");
  assert.equal(profile(`vegas-credentials assume --profile="caf\u00e9 x"`), "caf\u00e9 x");
});

Deno.test("mfa session: which STS errors mean the session is no longer valid", () => {
  const withCause = (name: string) =>
    new VegasError("x", { cause: Object.assign(new Error(), { name }) });
  assert.ok(isRejectedSession(withCause("ExpiredToken")));
  assert.ok(isRejectedSession(withCause("InvalidClientTokenId")));
  assert.ok(!isRejectedSession(withCause("AccessDenied")));
  assert.ok(isRejectedSession(new VegasError("AssumeRole failed: ExpiredToken: gone")));
  assert.ok(!isRejectedSession(new VegasError("AssumeRole failed: AccessDenied: no")));
});

Deno.test("cli: the new commands are found, their values are not taken for commands", () => {
  assert.equal(findCommand(["env", "--format", "sh", "-p", "x"]).command?.name, "env");
  assert.equal(findCommand(["exec", "-p", "x", "--", "config", "list"]).command?.name, "exec");
  assert.equal(findCommand(["cache", "clean", "--sessions"]).command?.name, "cache clean");
  assert.equal(
    findCommand(["config", "show-profile", "-p", "x"]).command?.name,
    "config show-profile",
  );
  const help = findCommand(["help", "cache", "clean"]);
  assert.equal(help.command?.name, "help");
});

async function runCaptured(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await run(args, () => undefined, (text) => stdout += text);
  return { code, stdout };
}

Deno.test("cli: help COMMAND prints what COMMAND --help prints", async () => {
  for (const command of [["status"], ["cache", "clean"], ["config", "show-profile"]]) {
    const viaHelp = await runCaptured(["help", ...command]);
    const viaFlag = await runCaptured([...command, "--help"]);
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
  }
  const main = await runCaptured(["help"]);
  assert.equal(main.stdout, (await runCaptured(["--help"])).stdout);
  for (const name of ["env", "exec", "status", "doctor", "config list", "cache clean", "help"]) {
    assert.ok(main.stdout.includes(`  ${name} `), name);
  }
});

Deno.test("cli: unknown commands and options of the new commands are usage errors", async () => {
  assert.equal((await runCaptured(["cache", "clena"])).code, 2);
  assert.equal((await runCaptured(["stauts"])).code, 2);
  assert.equal((await runCaptured(["config"])).code, 2);
  assert.equal((await runCaptured(["status", "--jsn"])).code, 2);
  assert.equal((await runCaptured(["help", "nothing"])).code, 2);
  assert.equal((await runCaptured(["env"])).code, 2);
  assert.equal((await runCaptured(["exec", "-p", "x"])).code, 2);
});

Deno.test("cache clean: one profile, sessions, and lock files in use", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (
      const name of [
        "role.singer.1.json",
        "role.singer%2ex.1.json",
        "role.dancer.1.json",
        "session.default.1.json",
        "session.other.1.json",
      ]
    ) Deno.writeTextFileSync(`${dir}/${name}`, "{}");
    const one = await cleanCache(dir, {
      profile: "singer",
      sourceProfile: "default",
      roles: true,
      sessions: true,
    });
    assert.equal(one.roles, 1);
    assert.equal(one.sessions, 1);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "role.dancer.1.json",
      "role.singer%2ex.1.json",
      "session.other.1.json",
    ]);

    Deno.writeTextFileSync(`${dir}/mfa.aaaa.lock`, "");
    Deno.writeTextFileSync(`${dir}/mfa.bbbb.lock`, "");
    // In another process, so that the lock really is held by someone else.
    const held = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const f = await Deno.open(${
          JSON.stringify(`${dir}/mfa.bbbb.lock`)
        }, {read: true, write: true});` +
        `await f.lock(true); console.log("locked"); await new Promise((r) => setTimeout(r, 5000));`,
      ],
      stdout: "piped",
    }).spawn();
    const reader = held.stdout.getReader();
    await reader.read();
    const [removed, inUse] = await removeIdleLocks(dir);
    held.kill();
    await held.status;
    reader.releaseLock();
    await held.stdout.cancel();
    assert.equal(removed, 1);
    assert.equal(inUse, 1);
    const all = await cleanCache(dir, { roles: true, sessions: true });
    assert.equal(all.roles, 2);
    assert.equal(all.sessions, 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
