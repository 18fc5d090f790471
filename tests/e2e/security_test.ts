/**
 * Issue 10, end to end: what other local users can see, what MFA helpers get, what a hostile
 * endpoint can make the program print, and how `exec` and `env` behave in a real shell.
 */
import assert from "node:assert/strict";
import { runCli, TEST_USER, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld, waitFor } from "../support/world.ts";
import { openTerminal } from "../support/tmux.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;

/** Every process's command line, as `ps` shows it to every local user. */
function processList(): string {
  const out = new Deno.Command("ps", { args: ["-eww", "-o", "args="], stdout: "piped" })
    .outputSync();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("vegas_mfa_process: the command line is not visible in ps, and errors name only the program", async () => {
  const gate = "hunter2-gate";
  await using world = await makeWorld({
    source: `vegas_mfa_process = : hunter2-secret; touch "$HOME/started"; ` +
      `while [ -e "$HOME/${gate}" ]; do sleep 0.05; done; ${TOTP_COMMAND}`,
  });
  const { home } = world.sandbox;
  Deno.writeTextFileSync(`${home}/${gate}`, "");
  const running = runCli(world.sandbox, ["assume", "--profile=singer"]);
  let seen: string;
  try {
    await waitFor("the MFA command to start", () => {
      try {
        return Deno.statSync(`${home}/started`).isFile;
      } catch {
        return undefined;
      }
    });
    seen = processList();
  } finally {
    Deno.removeSync(`${home}/${gate}`);
  }
  const result = await running;
  assert.equal(result.code, 0, result.stderr);
  const leaks = seen.split("\n").filter((line) => line.includes("hunter2-secret"));
  assert.deepEqual(leaks, [], "the MFA command line is visible to every local user");

  // A failing command is named by its program, without the variables set before it.
  await using failing = await makeWorld({
    source: "vegas_mfa_process = TOKEN=hunter2-secret false --flag",
  });
  const failed = await runCli(failing.sandbox, ["assume", "--profile=singer"]);
  assert.equal(failed.code, 1);
  assert.ok(!failed.stderr.includes("hunter2"), failed.stderr);
  assert.match(failed.stderr, /vegas_mfa_process failed \(exit code 1\): false …/);
});

Deno.test("MFA helpers get no AWS credential or profile variables from the caller", async () => {
  await using world = await makeWorld({
    source: `vegas_mfa_process = env > "$HOME/helper-env"; ${TOTP_COMMAND}`,
  });
  const caller = {
    AWS_ACCESS_KEY_ID: "ASIACALLERCALLERCALL",
    AWS_SECRET_ACCESS_KEY: "caller-secret-key",
    AWS_SESSION_TOKEN: "caller-session-token",
    AWS_SECURITY_TOKEN: "caller-session-token",
    AWS_PROFILE: "dancer",
    AWS_DEFAULT_PROFILE: "dancer",
    AWS_CONTAINER_AUTHORIZATION_TOKEN: "caller-container-token",
    AWS_WEB_IDENTITY_TOKEN_FILE: "/caller/token",
    AWS_ROLE_ARN: "arn:aws:iam::1:role/Caller",
  };
  const result = await runCli(world.sandbox, ["assume", "--profile=singer"], { env: caller });
  assert.equal(result.code, 0, result.stderr);
  const seen = Deno.readTextFileSync(`${world.sandbox.home}/helper-env`);
  const names = seen.split("\n").map((line) => line.split("=")[0]);
  for (const name of Object.keys(caller)) assert.ok(!names.includes(name), `${name} reached it`);
  for (const value of Object.values(caller)) assert.ok(!seen.includes(value), value);
  assert.ok(names.includes("VEGAS_CREDENTIALS_PROFILE_CHAIN"), "the recursion guard is kept");
  assert.ok(names.includes("TOTP_SECRET"), "other variables are kept");
});

Deno.test("env: evaluated in sh and fish (and pwsh where installed), AWS_PROFILE no longer applies", async () => {
  await using world = await makeWorld({ source: MFA });
  const dancer = { AWS_PROFILE: "dancer", AWS_DEFAULT_PROFILE: "dancer" };
  const check = 'echo "[${AWS_PROFILE-unset}][${AWS_DEFAULT_PROFILE-unset}][$AWS_ACCESS_KEY_ID]"';
  const sh = await runCli(world.sandbox, [], {
    command: ["sh", "-c", `eval "$(vegas-credentials env -p singer)" && ${check}`],
    env: dancer,
  });
  assert.equal(sh.code, 0, sh.stderr);
  assert.match(sh.stdout, /^\[unset\]\[unset\]\[ASIA[A-Z0-9]+\]\n$/);

  // fish: the variables are gone from fish and from the programs it starts (the AWS CLI, CDK).
  const fish = await runCli(world.sandbox, [], {
    command: [
      "fish",
      "--no-config",
      "-c",
      `vegas-credentials env -p singer --format=fish | source; and sh -c '${check}'`,
    ],
    env: dancer,
  });
  assert.equal(fish.code, 0, fish.stderr);
  assert.match(fish.stdout, /^\[unset\]\[unset\]\[ASIA[A-Z0-9]+\]\n$/);

  let pwsh: string | undefined;
  try {
    pwsh = new Deno.Command("pwsh", { args: ["-v"], stdout: "null", stderr: "null" })
        .outputSync().success
      ? "pwsh"
      : undefined;
  } catch { /* not installed (Debian has no PowerShell): the exact output is unit-tested */ }
  if (pwsh) {
    const result = await runCli(world.sandbox, [], {
      command: [
        pwsh,
        "-NoProfile",
        "-Command",
        "vegas-credentials env -p singer --format=powershell | Invoke-Expression; " +
        '"[$($null -eq $Env:AWS_PROFILE)][$($null -eq $Env:AWS_DEFAULT_PROFILE)][$Env:AWS_ACCESS_KEY_ID]"',
      ],
      env: dancer,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\[True\]\[True\]\[ASIA[A-Z0-9]+\]\r?\n$/);
  }
});

Deno.test("a hostile endpoint: escape sequences in its message are not sent to the terminal", async () => {
  await using world = await makeWorld({ source: MFA });
  const hostile = "\x1b]0;owned\x07\x1b[2J\x1b]52;c;aGk=\x07\x9b31mNot authorized";
  world.sts.injectFaults({ status: 403, code: "AccessDenied", message: hostile });
  const denied = await runCli(world.sandbox, ["assume", "--profile=singer"]);
  assert.equal(denied.code, 1);
  assert.equal(denied.stdout, "");
  assert.match(denied.stderr, /AccessDenied: .*Not authorized/);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(denied.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, "raw control characters");
});

Deno.test("a hostile endpoint: a newline in a key is refused, not printed or cached", async () => {
  await using world = await makeWorld({ source: MFA });
  const body = (key: string) =>
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${key}</AccessKeyId>
      <SecretAccessKey>c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEhostile</SessionToken>
      <Expiration>${
      new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z")
    }</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>0bad</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;
  for (const format of ["assume", "powershell"]) {
    world.sts.injectFaults({
      status: 200,
      body: body("ASIAHOSTILE\n$Env:X = 'injected'"),
      contentType: "text/xml",
    });
    const args = format === "assume"
      ? ["assume", "--profile=singer"]
      : ["env", "--profile=singer", "--format=powershell"];
    const result = await runCli(world.sandbox, args);
    assert.equal(result.code, 1, `${format}: ${result.stdout}`);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /AccessKeyId/);
    assert.ok(!result.stderr.includes("injected"), result.stderr);
    let files: string[] = [];
    try {
      files = [...Deno.readDirSync(world.sandbox.cacheDir)].map((e) => e.name);
    } catch { /* no cache directory */ }
    assert.deepEqual(files.filter((name) => name.endsWith(".json")), [], "it was cached");
  }
});

Deno.test({
  name: "a process holding keys asks for no core dump; exec's command keeps the caller's setting",
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using world = await makeWorld({ source: MFA });
  const own = Deno.readTextFileSync("/proc/self/coredump_filter").trim();
  assert.notEqual(own, "00000000", "this test needs core dumps allowed in the test process");
  const result = await runCli(world.sandbox, [
    "exec",
    "-p",
    "singer",
    "--",
    "sh",
    "-c",
    // The command gets the caller's filter once it runs (written by the program after the spawn):
    // wait for this shell's own to change, then read the program's and the shell's.
    'i=0; while read f < /proc/$$/coredump_filter && [ "$f" = 00000000 ] && [ $i -lt 10000 ]; ' +
    "do i=$((i+1)); done; cat /proc/$PPID/coredump_filter /proc/$$/coredump_filter",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split("\n"), ["00000000", own]);
});

Deno.test("exec: one Ctrl-C at the terminal reaches the command once", async () => {
  await using world = await makeWorld({ source: MFA });
  const counter = `${world.sandbox.home}/count_sigint.py`;
  Deno.writeTextFileSync(
    counter,
    `import signal, time
count = 0
def on_sigint(signum, frame):
    global count
    count += 1
signal.signal(signal.SIGINT, on_sigint)
print("ready", flush=True)
while count == 0:
    time.sleep(0.01)
time.sleep(1.0)  # a forwarded copy would arrive within milliseconds
print(f"SIGINTS={count}", flush=True)
`,
  );
  // The shell survives Ctrl-C (as an interactive one would) to print the exit status.
  using terminal = openTerminal(
    world.sandbox,
    `trap 'true' INT\nvegas-credentials exec -p singer -- /usr/bin/python3 ${counter}`,
  );
  await waitFor("the command to start", () => /^ready$/m.test(terminal.screen()) || undefined);
  terminal.key("C-c");
  const screen = await waitFor("the command to end", () => {
    const text = terminal.screen();
    return /EXIT=\d+/.test(text) ? text : undefined;
  });
  assert.match(screen, /SIGINTS=1\n/, screen);
  assert.match(screen, /EXIT=0/, screen);
  assert.ok(!screen.includes(TEST_USER.secretAccessKey));
});
