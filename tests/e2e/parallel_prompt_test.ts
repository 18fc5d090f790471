/**
 * Parallel callers share one prompt, in real terminals (tmux): a second AWS CLI command says that it
 * waits, and processes started together as Terraform starts them (one foreground process group)
 * all end with the one prompt's outcome — cancel or timeout — instead of prompting in turn.
 */
import assert from "node:assert/strict";
import { TEST_USER } from "../support/harness.ts";
import { awsCli, makeWorld, waitFor, type World } from "../support/world.ts";
import { openTerminal, type Terminal } from "../support/tmux.ts";
import { totpSync } from "../support/totp.ts";

const WAITING = "Waiting for another vegas-credentials prompt";

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function callerIdentityScript(world: World): string {
  return `${awsCli()} sts get-caller-identity --profile singer --region us-east-1 ` +
    `--endpoint-url ${world.sts.url} --output text --query Arn`;
}

Deno.test("parallel: a second aws command shows on its terminal that it waits for the first prompt", async () => {
  await using world = await makeWorld({ target: "role_session_name = pane" });
  using first = openTerminal(world.sandbox, callerIdentityScript(world));
  await waitFor("the first prompt", () => first.screen().includes("Enter MFA code:"));
  using second = openTerminal(world.sandbox, callerIdentityScript(world));
  // The AWS CLI swallows stderr: the line must be on the terminal.
  await waitFor("the waiting line", () => second.screen().includes(WAITING), 15_000);
  assert.doesNotMatch(second.screen(), /Enter MFA code:/);
  first.type(totpSync(TEST_USER.totpSecret));
  first.key("Enter");
  for (const term of [first, second]) {
    const screen = await waitFor("the result", () => {
      const text = term.screen();
      return /^EXIT=\d+$/m.test(text) ? text : undefined;
    });
    assert.match(screen, /assumed-role\/SingerRole\/pane/, screen);
    assert.match(screen, /^EXIT=0$/m);
  }
  assert.equal(world.sts.count("AssumeRole"), 1);
});

/**
 * Five `assume` runs started at once from one shell (one foreground process group, as Terraform
 * starts them); each one's stderr and exit code go to files. With --verbose, so that the waiting
 * runs say that they wait (without it they keep quiet: the prompt is on their own terminal).
 */
function startFive(
  world: World,
  runs = 5,
): { term: Terminal; results(): string[][] | undefined } {
  const dir = world.sandbox.home;
  const numbers = Array.from({ length: runs }, (_, i) => i + 1);
  const term = openTerminal(
    world.sandbox,
    [
      `for i in ${numbers.join(" ")}; do`,
      `  ( vegas-credentials assume --profile=singer --verbose > /dev/null 2> '${dir}/err'$i`,
      `    echo $? > '${dir}/code'$i.tmp && mv '${dir}/code'$i.tmp '${dir}/code'$i ) &`,
      `done`,
      `wait`,
    ].join("\n"),
  );
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return undefined;
    }
  };
  return {
    term,
    /** [code, stderr] of each run, once all five have ended. */
    results() {
      const done = numbers.map((i) => [read(`code${i}`), read(`err${i}`)]);
      return done.every(([code]) => code !== undefined) ? done as string[][] : undefined;
    },
  };
}

/** Waits until one run prompts and the others wait for it (said on the terminal or stderr). */
async function onePromptFourWaiting(world: World, term: Terminal, runs = 5) {
  await waitFor("one prompt and the other runs waiting", () => {
    let waiting = count(term.screen(), WAITING);
    for (let i = 1; i <= runs; i++) {
      try {
        waiting += count(Deno.readTextFileSync(`${world.sandbox.home}/err${i}`), WAITING);
      } catch { /* not created yet */ }
    }
    return term.screen().includes("Enter MFA code:") && waiting >= runs - 1;
  });
}

/** Polls fast, for measuring how long the ends take. */
async function poll<T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

Deno.test("parallel: one Ctrl-D at the one prompt ends all five runs within 2 s", async () => {
  await using world = await makeWorld();
  const five = startFive(world);
  using term = five.term;
  await onePromptFourWaiting(world, term);
  term.key("C-d");
  const start = Date.now();
  const results = await poll(() => five.results(), 5_000);
  const elapsed = Date.now() - start;
  assert.ok(results, `not every run ended within 5 s:\n${term.screen()}`);
  assert.ok(elapsed < 2_000, `the runs took ${elapsed} ms to end`);
  for (const [code, stderr] of results) {
    assert.equal(code.trim(), "1");
    assert.equal(stderr, "vegas-credentials: MFA prompt cancelled by user (terminal)\n");
  }
  assert.equal(count(term.screen(), "Enter MFA code:"), 1, term.screen());
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("parallel: the one prompt timing out ends all five runs with its message", async () => {
  await using world = await makeWorld({ target: "vegas_mfa_timeout = 5" });
  const five = startFive(world);
  using term = five.term;
  await onePromptFourWaiting(world, term);
  const first = await poll(() => {
    for (let i = 1; i <= 5; i++) {
      try {
        Deno.statSync(`${world.sandbox.home}/code${i}`);
        return Date.now();
      } catch { /* not yet */ }
    }
  }, 15_000);
  assert.ok(first, "the prompt did not time out");
  const results = await poll(() => five.results(), 5_000);
  const elapsed = Date.now() - first;
  assert.ok(results, `not every run ended:\n${term.screen()}`);
  assert.ok(elapsed < 2_000, `the others took ${elapsed} ms to end after the first`);
  for (const [code, stderr] of results) {
    assert.equal(code.trim(), "1");
    assert.match(stderr, /^vegas-credentials: no MFA code within 5 s for profile 'singer'/);
    assert.equal(stderr.split("\n").length, 2, stderr); // one line
  }
  assert.equal(count(term.screen(), "Enter MFA code:"), 1, term.screen());
});

Deno.test("parallel: three rejected codes at the one prompt end the waiting run too", async () => {
  await using world = await makeWorld();
  const two = startFive(world, 2);
  using term = two.term;
  await onePromptFourWaiting(world, term, 2);
  for (let attempt = 1; attempt <= 3; attempt++) {
    await waitFor(`prompt ${attempt}`, () => count(term.screen(), "Enter MFA code:") === attempt);
    term.type("000000");
    term.key("Enter");
  }
  const results = await poll(() => two.results(), 10_000);
  assert.ok(results, `not every run ended:\n${term.screen()}`);
  for (const [code, stderr] of results) {
    assert.equal(code.trim(), "1");
    assert.match(
      stderr,
      /^vegas-credentials: AssumeRole of .* failed: AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code\.\n$/,
    );
  }
  assert.equal(count(term.screen(), "Enter MFA code:"), 3, term.screen());
  assert.equal(world.sts.count("AssumeRole"), 3);
});

Deno.test("parallel: Ctrl-C at the prompt ends a run waiting in another terminal", async () => {
  await using world = await makeWorld();
  using first = openTerminal(
    world.sandbox,
    `trap : INT\nvegas-credentials assume --profile=singer >/dev/null`,
  );
  await waitFor("the first prompt", () => first.screen().includes("Enter MFA code:"));
  using second = openTerminal(
    world.sandbox,
    `vegas-credentials assume --profile=singer >/dev/null`,
  );
  await waitFor("the waiting line", () => second.screen().includes(WAITING));
  first.key("C-c");
  const start = Date.now();
  const screen = await poll(() => {
    const text = second.screen();
    return /^EXIT=\d+$/m.test(text) ? text : undefined;
  }, 5_000);
  assert.ok(screen, `the waiting run did not end:\n${second.screen()}`);
  assert.ok(Date.now() - start < 2_000, `it took ${Date.now() - start} ms`);
  assert.match(screen, /^vegas-credentials: MFA prompt cancelled by user \(Ctrl-C\)$/m, screen);
  assert.match(screen, /^EXIT=1$/m);
  assert.doesNotMatch(screen, /Enter MFA code:/);
  assert.match(
    await waitFor("the first run's end", () => {
      const text = first.screen();
      return /^EXIT=\d+$/m.test(text) ? text : undefined;
    }),
    /^EXIT=130$/m,
  );
});
