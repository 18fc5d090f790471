/**
 * What the user sees when STS misbehaves: a hung endpoint (bounded time, a progress line on the
 * terminal, one error line, no SDK log), credentials that are already expired by this computer's
 * clock (refused, not cached), and an MFA session whose start fails (no premature "started" line).
 */
import assert from "node:assert/strict";
import { runCli, standardConfig, TEST_USER, TOTP_COMMAND } from "../support/harness.ts";
import { totpSync } from "../support/totp.ts";
import { makeWorld, waitFor } from "../support/world.ts";
import { openTerminal } from "../support/tmux.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;
const ASSUME = ["assume", "--profile=singer"];

function cachedFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((f) => f.name).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
}

Deno.test("sts: a hung STS fails within 20 s with one line, after a progress line on the terminal", async () => {
  await using world = await makeWorld({ source: MFA });
  // Every attempt (the SDK retries) hangs far longer than the program may wait.
  world.sts.injectFaults(...Array.from({ length: 6 }, () => ({ delayMs: 120_000 })));
  const err = `${world.sandbox.home}/err`;
  using term = openTerminal(
    world.sandbox,
    `vegas-credentials assume --profile=singer > '${world.sandbox.home}/out' 2> '${err}'`,
  );
  await waitFor("the progress line", () => term.screen().includes("Calling STS"), 10_000);
  const shown = Date.now(); // at least 1 s after the call started
  assert.match(
    term.screen(),
    /Calling STS AssumeRole for role arn:aws:iam::222222222222:role\/SingerRole \(profile singer\)/,
  );
  const screen = await waitFor("the end", () => {
    const text = term.screen();
    return /^EXIT=\d+$/m.test(text) ? text : undefined;
  }, 30_000);
  const elapsed = Date.now() - shown;
  assert.match(screen, /^EXIT=1$/m);
  assert.ok(elapsed < 20_000, `ended ${elapsed} ms after the progress line`);
  const stderr = Deno.readTextFileSync(err);
  assert.match(
    stderr,
    /^vegas-credentials: AssumeRole of .* failed: no answer from http:\/\/127\.0\.0\.1:\d+ within 20 s\n$/,
  );
  assert.doesNotMatch(screen + stderr, /@smithy|\[WARN\]|requestTimeout/);
  assert.equal(Deno.readTextFileSync(`${world.sandbox.home}/out`), "");
  assert.deepEqual(cachedFiles(world.sandbox.cacheDir), []);
});

Deno.test("sts: credentials that expire within 10 minutes by this computer's clock are refused", async () => {
  await using world = await makeWorld();
  const now = Date.now();
  // STS takes each code once: the second run uses the next window's code (accepted too).
  for (const [lifetime, codeTime] of [[300, now], [-60, now + 30_000]]) {
    world.sandbox.writeConfig(standardConfig({
      source: `vegas_mfa_process = echo ${totpSync(TEST_USER.totpSecret, codeTime)}`,
    }));
    world.sts.issueLifetimeSeconds = lifetime;
    const result = await runCli(world.sandbox, ASSUME);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^vegas-credentials: STS AssumeRole answered credentials for profile 'singer' that expire at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, but this computer's clock says \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: .*clock/,
    );
    assert.equal(result.stderr.split("\n").length, 2, result.stderr);
    assert.deepEqual(cachedFiles(world.sandbox.cacheDir), []);
  }
  assert.equal(world.sts.count("AssumeRole", true), 2);
});

Deno.test("sts: an MFA session says it started only once it exists; a failed start is one line", async () => {
  await using world = await makeWorld({
    source: "vegas_mfa_process = echo no code here\nvegas_mfa_session_duration = 43200",
    target: "vegas_mfa_inputs = process",
  });
  const failed = await runCli(world.sandbox, ASSUME);
  assert.equal(failed.code, 1);
  assert.doesNotMatch(failed.stderr, /MFA session/);
  assert.equal(failed.stderr.split("\n").length, 2, failed.stderr);

  world.sandbox.writeConfig(
    Deno.readTextFileSync(world.sandbox.configFile).replace(
      "vegas_mfa_process = echo no code here",
      MFA,
    ),
  );
  const started = await runCli(world.sandbox, ASSUME);
  assert.equal(started.code, 0, started.stderr);
  assert.equal(
    started.stderr,
    "vegas-credentials: Started an MFA session for source profile 'default' (12 h): " +
      "no further MFA codes until it ends\n",
  );
});
