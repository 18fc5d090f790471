/**
 * The YubiKey input end to end: the program runs a fake `ykman` (a shell script on PATH that prints
 * the test user's TOTP code) and sends the code to the local STS emulator. The fake logs the argv
 * and stdin it received, so the tests check the exact command line and that the OATH password goes
 * through stdin only.
 */
import assert from "node:assert/strict";
import { openTerminal } from "../support/tmux.ts";
import {
  parseCredentialOutput,
  runCli,
  type Sandbox,
  standardConfig,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { makeWorld, waitFor } from "../support/world.ts";

const ASSUME = ["assume", "--profile=singer"];
const LABEL = TEST_USER.mfaSerial;
const PASSWORD = "Fly me to the moon 42";

interface FakeYkman {
  readonly dir: string;
  /** The argv of every call, in order. */
  calls(): string[][];
  /** The stdin line of every call. */
  stdinLines(): string[];
}

/**
 * Installs a fake ykman. `password`: the OATH password it wants on stdin; `touchMs`: prints the
 * touch prompt on stderr and waits; `fail`: an error line to print (exit 1) instead of a code.
 */
function fakeYkman(
  sandbox: Sandbox,
  options: { password?: string; touchMs?: number; fail?: string; where?: string } = {},
): FakeYkman {
  const dir = `${sandbox.home}/fake-ykman`;
  Deno.mkdirSync(dir, { recursive: true });
  if (options.password) Deno.writeTextFileSync(`${dir}/password`, options.password);
  const script = [
    "#!/bin/sh",
    `d='${dir}'`,
    `echo $$ > "$d/pid"`,
    `for a in "$@"; do printf '%s\\n' "$a"; done >> "$d/argv"`,
    `echo '--' >> "$d/argv"`,
    `IFS= read -r line || line=''`,
    `printf '%s\\n' "$line" >> "$d/stdin"`,
    `if [ -f "$d/password" ] && [ "$line" != "$(cat "$d/password")" ]; then`,
    "  echo 'Error: Authentication to the YubiKey failed. Wrong password?' >&2",
    "  exit 1",
    "fi",
    options.fail ? `echo '${options.fail}' >&2; exit 1` : "",
    options.touchMs
      ? `echo 'Touch your YubiKey...' >&2; sleep ${(options.touchMs / 1000).toFixed(1)}`
      : "",
    `exec ${TOTP_COMMAND}`,
  ].join("\n") + "\n";
  Deno.writeTextFileSync(options.where ?? `${sandbox.home}/bin/ykman`, script, { mode: 0o755 });
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return "";
    }
  };
  return {
    dir,
    calls: () =>
      read("argv").split("--\n").filter(Boolean).map((call) => call.split("\n").slice(0, -1)),
    stdinLines: () => read("stdin").split("\n").slice(0, -1),
  };
}

/** A fake zenity (the GUI password dialog) answering `answer`; logs its argv. */
function fakeZenity(sandbox: Sandbox, answer: string) {
  const dir = `${sandbox.home}/fake-zenity`;
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(`${dir}/answer`, answer);
  Deno.writeTextFileSync(
    `${sandbox.home}/bin/zenity`,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${dir}/argv'\n` +
      `echo '--' >> '${dir}/argv'\ncat '${dir}/answer'; echo\n`,
    { mode: 0o755 },
  );
  return { argv: () => Deno.readTextFileSync(`${dir}/argv`) };
}

const CODE_ARGS = ["oath", "accounts", "code", "--single", LABEL];

Deno.test("yubikey: the code from ykman, no --device with one key, nothing on stdin but a newline", async () => {
  await using world = await makeWorld();
  const ykman = fakeYkman(world.sandbox);
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 0, result.stderr);
  parseCredentialOutput(result.stdout);
  assert.deepEqual(ykman.calls(), [CODE_ARGS]);
  assert.deepEqual(ykman.stdinLines(), [""]);
  assert.equal(world.sts.count("AssumeRole", true), 1);
  assert.doesNotMatch(result.stderr, /\b\d{6}\b/, "an MFA code was printed");
});

Deno.test("yubikey: vegas_yubikey_serial and vegas_yubikey_label, ykman from vegas_ykman_path", async () => {
  await using world = await makeWorld({
    source: "vegas_yubikey_serial = 12345678\nvegas_yubikey_label = aws:frank",
    target: `vegas_ykman_path = ~/tools/ykman`,
  });
  Deno.mkdirSync(`${world.sandbox.home}/tools`);
  const ykman = fakeYkman(world.sandbox, { where: `${world.sandbox.home}/tools/ykman` });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(ykman.calls(), [[
    "--device",
    "12345678",
    "oath",
    "accounts",
    "code",
    "--single",
    "aws:frank",
  ]]);
});

Deno.test("yubikey: a touch-required account says so while ykman waits", async () => {
  await using world = await makeWorld();
  fakeYkman(world.sandbox, { touchMs: 300 });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /vegas-credentials: Touch your YubiKey… \(MFA code for profile singer\)/,
  );
  parseCredentialOutput(result.stdout);
});

Deno.test("yubikey: password-protected OATH, password from the GUI dialog, on ykman's stdin only", async () => {
  await using world = await makeWorld({ target: "vegas_mfa_inputs = yubikey" });
  const ykman = fakeYkman(world.sandbox, { password: PASSWORD });
  const zenity = fakeZenity(world.sandbox, PASSWORD);
  const result = await runCli(world.sandbox, ASSUME, { env: { DISPLAY: ":4242" } });
  assert.equal(result.code, 0, result.stderr);
  parseCredentialOutput(result.stdout);
  // The first run sends an empty line (a locked key fails at once), the second the password.
  assert.deepEqual(ykman.calls(), [CODE_ARGS, CODE_ARGS]);
  assert.deepEqual(ykman.stdinLines(), ["", PASSWORD]);
  const dialog = zenity.argv();
  assert.match(
    dialog,
    /^--entry\n--hide-text\n--title\nvegas-credentials: YubiKey OATH password\n/,
  );
  assert.match(dialog, /for profile singer\nRole: arn:aws:iam::222222222222:role\/SingerRole\n/);
  for (const text of [JSON.stringify(ykman.calls()), dialog, result.stdout, result.stderr]) {
    assert.ok(!text.includes(PASSWORD), "the password leaked");
    assert.ok(!text.includes("--password"));
  }
});

Deno.test("yubikey: a wrong password is asked three times, then a clear error", async () => {
  await using world = await makeWorld({ target: "vegas_mfa_inputs = yubikey" });
  const ykman = fakeYkman(world.sandbox, { password: PASSWORD });
  const wrong = "Strangers in the night";
  fakeZenity(world.sandbox, wrong);
  const result = await runCli(world.sandbox, ASSUME, { env: { DISPLAY: ":4242" } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /wrong YubiKey OATH password/);
  assert.equal(result.stdout, "");
  assert.deepEqual(ykman.stdinLines(), ["", wrong, wrong, wrong]);
  assert.ok(!result.stderr.includes(wrong));
  assert.equal(world.sts.count("AssumeRole"), 0);
});

Deno.test("yubikey: no YubiKey plugged in", async () => {
  await using world = await makeWorld();
  fakeYkman(world.sandbox, { fail: "Error: No YubiKey detected!" });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /yubikey: No YubiKey detected \(plug it in; on Linux the pcscd/);
  assert.equal(result.stdout, "");
});

Deno.test("yubikey: the OATH account is missing", async () => {
  await using world = await makeWorld({ source: "vegas_yubikey_serial = 12345678" });
  fakeYkman(world.sandbox, { fail: "Error: No matching account found." });
  const result = await runCli(world.sandbox, ASSUME);
  assert.equal(result.code, 1);
  // Explicitly configured: the reason is shown as soon as it is known, and in the final error.
  assert.match(
    result.stderr,
    /vegas-credentials: YubiKey: YubiKey 12345678 has no OATH account 'arn:aws:iam::111111111111:mfa\/FrankSinatra' \(set vegas_yubikey_label/,
  );
  assert.match(result.stderr, /no MFA code for profile 'singer': yubikey: YubiKey 12345678 has no/);
});

Deno.test("yubikey: a failing ykman lets the other inputs answer", async () => {
  await using world = await makeWorld();
  const ykman = fakeYkman(world.sandbox, { fail: "Error: No YubiKey detected!" });
  // The process input answers once ykman has failed (exited, and reaped by the program), however
  // slow the machine.
  const ykmanGone = `until [ -f '${ykman.dir}/pid' ] && ! kill -0 "$(cat '${ykman.dir}/pid')" ` +
    `2>/dev/null; do sleep 0.02; done`;
  world.sandbox.writeConfig(
    standardConfig({ source: `vegas_mfa_process = ${ykmanGone}; ${TOTP_COMMAND}` }),
  );
  const result = await runCli(world.sandbox, [...ASSUME, "--verbose"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /MFA input yubikey gave no code: No YubiKey detected/);
  assert.match(result.stderr, /MFA code from input process/);
});

// --- the password typed on a real terminal (tmux) ---

Deno.test("yubikey: password typed on the terminal is not echoed and reaches ykman on stdin", async () => {
  await using world = await makeWorld({ target: "vegas_mfa_inputs = yubikey" });
  const ykman = fakeYkman(world.sandbox, { password: PASSWORD });
  using term = openTerminal(
    world.sandbox,
    `vegas-credentials assume --profile=singer > '${world.sandbox.home}/out.json'`,
  );
  await waitFor(
    "the password prompt",
    () => term.screen().includes("OATH password of the YubiKey"),
  );
  term.type(PASSWORD);
  term.key("Enter");
  const text = await waitFor(
    "the result",
    () => term.screen().includes("EXIT=") ? term.screen() : undefined,
  );
  assert.match(text, /EXIT=0/, text);
  assert.ok(!text.includes(PASSWORD), "the password was echoed");
  parseCredentialOutput(Deno.readTextFileSync(`${world.sandbox.home}/out.json`));
  assert.deepEqual(ykman.stdinLines(), ["", PASSWORD]);
  assert.ok(!JSON.stringify(ykman.calls()).includes(PASSWORD));
});
