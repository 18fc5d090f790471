/**
 * The terminal prompt, in a real terminal (tmux): the AWS CLI runs our program, which prompts on the
 * controlling terminal (the CLI captures stderr), reads the typed code, and re-prompts after STS
 * rejects a wrong one.
 */
import assert from "node:assert/strict";
import { totpSync } from "../support/totp.ts";
import { TEST_USER } from "../support/harness.ts";
import { awsCli, makeWorld, waitFor } from "../support/world.ts";
import { openTerminal } from "../support/tmux.ts";

Deno.test("terminal: the AWS CLI runs us, the prompt shows in the terminal, a typed code works", async () => {
  await using world = await makeWorld({ target: "role_session_name = tty" });
  using term = openTerminal(
    world.sandbox,
    `${awsCli()} sts get-caller-identity --profile singer --region us-east-1 --endpoint-url ${world.sts.url} --output text --query Arn`,
  );
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  assert.match(
    term.screen(),
    /MFA code for profile singer \(role arn:aws:iam::222222222222:role\/SingerRole/,
  );
  term.type("000000");
  term.key("Enter");
  await waitFor("the re-prompt", () => /rejected that code[^]*Enter MFA code:/.test(term.screen()));
  term.type(totpSync(TEST_USER.totpSecret, world.now()));
  term.key("Enter");
  const screen = await waitFor("the result", () => {
    const text = term.screen();
    return text.includes("EXIT=") ? text : undefined;
  });
  assert.match(screen, /arn:aws:sts::222222222222:assumed-role\/SingerRole\/tty/);
  assert.match(screen, /EXIT=0/);
  assert.equal(world.sts.count("AssumeRole", true), 1);
  assert.equal(world.sts.count("AssumeRole"), 2);
});

Deno.test("terminal: an empty or short answer asks again; Ctrl-D on an empty line cancels", async () => {
  await using world = await makeWorld({});
  using term = openTerminal(world.sandbox, `vegas-credentials assume --profile=singer > /dev/null`);
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  term.key("Enter"); // an empty answer
  await waitFor("the 6-digit hint", () => term.screen().includes("The MFA code is 6 digits."));
  term.type("12");
  term.key("Enter");
  await waitFor(
    "the second hint",
    () => term.screen().split("The MFA code is 6 digits.").length === 3,
  );
  term.key("C-d"); // end of input at the start of a line
  const screen = await waitFor("the exit", () => {
    const text = term.screen();
    return text.includes("EXIT=") ? text : undefined;
  });
  assert.match(screen, /^vegas-credentials: MFA prompt cancelled by user \(terminal\)$/m);
  assert.match(screen, /^EXIT=1$/m);
  assert.equal(world.sts.calls.length, 0);
});
