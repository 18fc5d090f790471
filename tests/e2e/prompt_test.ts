/**
 * The terminal prompt in a real terminal (tmux) when something else ends it: another input answers
 * (the terminal must stop reading at once, so `exec`'s command gets what is typed next), Ctrl-C
 * (the terminal is restored, the line ended, exit 130, the lock released), and the commands that
 * report whether the terminal input works here.
 */
import assert from "node:assert/strict";
import { cliCommand, REPO, standardConfig, TEST_USER, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld, waitFor } from "../support/world.ts";
import { openTerminal, type Terminal } from "../support/tmux.ts";
import { startX11 } from "../support/x11.ts";
import { totpSync } from "../support/totp.ts";

/** A command for `exec` that shows it runs, then echoes the first line it reads. */
const ECHO_FIRST_LINE = `sh -c 'echo READY; read line; echo "GOT:$line"'`;

/** The screen once the terminal's script has ended (the harness prints `EXIT=N`). */
function finished(term: Terminal, timeoutMs = 20_000): Promise<string> {
  return waitFor("the end of the script", () => {
    const text = term.screen();
    return /^EXIT=\d+$/m.test(text) ? text : undefined;
  }, timeoutMs);
}

Deno.test("prompt: exec after vegas_mfa_process answered: the command gets the first typed line", async () => {
  await using world = await makeWorld();
  const go = `${world.sandbox.home}/go`;
  // The generator answers only once the test saw the terminal prompt: the two really overlap.
  world.sandbox.writeConfig(standardConfig({
    source: `vegas_mfa_process = while [ ! -e '${go}' ]; do sleep 0.05; done; ${TOTP_COMMAND}`,
  }));
  using term = openTerminal(
    world.sandbox,
    `vegas-credentials exec --profile=singer -- ${ECHO_FIRST_LINE}`,
  );
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  Deno.writeTextFileSync(go, "");
  await waitFor("the command to start", () => /^READY$/m.test(term.screen()));
  term.type("yes");
  term.key("Enter");
  const screen = await finished(term, 10_000);
  assert.match(screen, /^GOT:yes$/m, screen);
  assert.match(screen, /^EXIT=0$/m);
  // The abandoned prompt line is closed with who answered.
  assert.match(screen, /^Enter MFA code: \(answered by vegas_mfa_process\)$/m, screen);
  assert.equal(world.sts.count("AssumeRole", true), 1);
});

Deno.test("prompt: exec after the zenity dialog answered: the command gets the first typed line", async () => {
  await using x = await startX11();
  await using world = await makeWorld();
  world.sandbox.env.DISPLAY = x.display;
  using term = openTerminal(
    world.sandbox,
    `vegas-credentials exec --profile=singer -- ${ECHO_FIRST_LINE}`,
  );
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  const id = (await x.xdotool("search", "--sync", "--name", "^vegas-credentials: MFA code for"))
    .trim().split("\n")[0];
  await x.xdotool("windowfocus", "--sync", id);
  if (30_000 - (Date.now() % 30_000) < 3_000) {
    // Too close to the end of the TOTP window for the code to arrive in time.
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
  }
  await x.xdotool("type", "--delay", "20", totpSync(TEST_USER.totpSecret));
  await x.xdotool("key", "Return");
  await waitFor("the command to start", () => /^READY$/m.test(term.screen()));
  term.type("yes");
  term.key("Enter");
  const screen = await finished(term, 10_000);
  assert.match(screen, /^GOT:yes$/m, screen);
  assert.match(screen, /^Enter MFA code: \(answered by the GUI dialog\)$/m, screen);
  assert.match(screen, /^EXIT=0$/m);
});

Deno.test("prompt: Ctrl-C restores the terminal, ends the line, exits 130 and frees the lock", async () => {
  await using world = await makeWorld();
  const lock = `${world.sandbox.cacheDir}/*.lock`;
  using term = openTerminal(
    world.sandbox,
    [
      `before=$(stty -g)`,
      // A handler (not '' which children would inherit as "ignored") keeps this script alive.
      `trap : INT`,
      `vegas-credentials assume --profile=singer > /dev/null`,
      `code=$?`,
      `[ "$(stty -g)" = "$before" ] && echo TERMINAL-RESTORED`,
      `flock -n ${lock} true && echo LOCK-FREE`,
      `(exit $code)`,
    ].join("\n"),
  );
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  term.type("12");
  await waitFor("the echo", () => term.screen().includes("Enter MFA code: 12"));
  term.key("C-c");
  const screen = await finished(term);
  assert.match(screen, /^EXIT=130$/m, screen);
  assert.match(screen, /^TERMINAL-RESTORED$/m, screen);
  assert.match(screen, /^LOCK-FREE$/m, screen);
  assert.match(screen, /^vegas-credentials: MFA prompt cancelled by user \(Ctrl-C\)$/m, screen);
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("prompt: doctor and config list in a terminal find the terminal input", async () => {
  await using world = await makeWorld();
  using term = openTerminal(
    world.sandbox,
    `vegas-credentials doctor; echo "DOCTOR=$?"; vegas-credentials config list --profile=singer`,
  );
  const screen = await finished(term);
  assert.match(screen, /^DOCTOR=0$/m, screen);
  assert.match(screen, /MFA inputs available here: terminal/, screen);
  assert.match(screen, /^ {2}terminal +available$/m, screen);
  assert.match(screen, /^EXIT=0$/m);
});

Deno.test("prompt: a terminal that hangs up mid-prompt ends it with one line, not as a cancel", async () => {
  await using world = await makeWorld();
  const stderr = `${world.sandbox.home}/stderr`;
  // No SIGHUP reaches the program (its session leader outlives the terminal): only the terminal's
  // end of input tells it, after "1" was typed (never sent with Enter).
  const output = await new Deno.Command("/usr/bin/python3", {
    args: [`${REPO}tests/support/hangup.py`, stderr, "1", ...cliCommand()]
      .concat(["assume", "--profile=singer"]),
    env: world.sandbox.env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const text = Deno.readTextFileSync(stderr);
  assert.match(new TextDecoder().decode(output.stdout), /^EXIT=1$/m, text);
  assert.equal(
    text,
    "vegas-credentials: no MFA code for profile 'singer': terminal: the terminal was closed\n",
  );
  // Not the user's cancel: the runs waiting for this prompt then ask themselves.
  for (const entry of Deno.readDirSync(world.sandbox.cacheDir)) {
    if (entry.name.endsWith(".lock")) {
      const note = Deno.readTextFileSync(`${world.sandbox.cacheDir}/${entry.name}`);
      assert.doesNotMatch(note, /"kind"/, note);
    }
  }
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("prompt: Ctrl-Z, then fg — the prompt is back as it was, each key shown once", async () => {
  await using world = await makeWorld();
  world.nextWindow(); // a whole window for the typed code
  using term = openTerminal(
    world.sandbox,
    [
      "set -m", // job control, as in an interactive shell
      `vegas-credentials assume --profile=singer > '${world.sandbox.home}/out'`,
      `echo "STOPPED=$?"`,
      "fg %1 > /dev/null",
    ].join("\n"),
  );
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  const code = totpSync(TEST_USER.totpSecret, world.now());
  term.type(code.slice(0, 2));
  await waitFor("the echo", () => term.screen().includes(`Enter MFA code: ${code.slice(0, 2)}`));
  term.key("C-z");
  await waitFor("the stop", () => /^STOPPED=148$/m.test(term.screen()));
  // Back in the foreground: the prompt line is shown again with what was typed, and typing goes on.
  await waitFor("the prompt again", () => {
    const lines = term.screen().split("\n");
    return lines.slice(lines.findIndex((line) => line.startsWith("STOPPED=")))
      .some((line) => line.endsWith(`Enter MFA code: ${code.slice(0, 2)}`));
  });
  term.type(code.slice(2));
  await waitFor("the echo", () => term.screen().includes(`Enter MFA code: ${code}`));
  term.key("Enter");
  const screen = await finished(term);
  assert.match(screen, /^EXIT=0$/m, screen);
  assert.match(screen, new RegExp(`^Enter MFA code: ${code}$`, "m"), screen);
  assert.match(Deno.readTextFileSync(`${world.sandbox.home}/out`), /"AccessKeyId":"ASIA/);
  assert.equal(world.sts.count("AssumeRole", true), 1);
});
