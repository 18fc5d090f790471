/**
 * The terminal prompt, in a real terminal (tmux): the AWS CLI runs our program, which prompts on the
 * controlling terminal (the CLI captures stderr), reads the typed code, and re-prompts after STS
 * rejects a wrong one.
 */
import assert from "node:assert/strict";
import { totpSync } from "../support/totp.ts";
import { TEST_USER } from "../support/harness.ts";
import { awsCli, makeWorld, waitFor, type World } from "../support/world.ts";

function tmux(socket: string, ...args: string[]) {
  const output = new Deno.Command("tmux", { args: ["-L", socket, ...args], stdin: "null" })
    .outputSync();
  if (!output.success) {
    throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** Runs a shell script in a new tmux session; returns helpers to read the screen and type. */
function terminal(world: World, script: string) {
  const socket = `vegas-test-${crypto.randomUUID().slice(0, 8)}`;
  const file = `${world.sandbox.home}/run.sh`;
  const exports = Object.entries(world.sandbox.env)
    .map(([key, value]) => `export ${key}='${value.replaceAll("'", "'\\''")}'`)
    .join("\n");
  Deno.writeTextFileSync(file, `${exports}\n${script}\necho "EXIT=$?"\nsleep 600\n`);
  tmux(socket, "new-session", "-d", "-x", "200", "-y", "50", `sh ${file}`);
  return {
    screen: () => tmux(socket, "capture-pane", "-p", "-J", "-S", "-100"),
    type: (text: string) => tmux(socket, "send-keys", "-l", text),
    enter: () => tmux(socket, "send-keys", "Enter"),
    key: (name: string) => tmux(socket, "send-keys", name),
    [Symbol.dispose]: () => {
      try {
        tmux(socket, "kill-server");
      } catch { /* already gone */ }
    },
  };
}

Deno.test("terminal: the AWS CLI runs us, the prompt shows in the terminal, a typed code works", async () => {
  await using world = await makeWorld({ target: "role_session_name = tty" });
  using term = terminal(
    world,
    `${awsCli()} sts get-caller-identity --profile singer --region us-east-1 --endpoint-url ${world.sts.url} --output text --query Arn`,
  );
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  assert.match(
    term.screen(),
    /MFA code for profile singer \(role arn:aws:iam::222222222222:role\/SingerRole/,
  );
  term.type("000000");
  term.enter();
  await waitFor("the re-prompt", () => /rejected that code[^]*Enter MFA code:/.test(term.screen()));
  term.type(totpSync(TEST_USER.totpSecret));
  term.enter();
  const screen = await waitFor("the result", () => {
    const text = term.screen();
    return text.includes("EXIT=") ? text : undefined;
  });
  assert.match(screen, /arn:aws:sts::222222222222:assumed-role\/SingerRole\/tty/);
  assert.match(screen, /EXIT=0/);
  assert.equal(world.sts.count("AssumeRole", true), 1);
  assert.equal(world.sts.count("AssumeRole"), 2);
});

Deno.test("terminal: an empty answer cancels with a clear error", async () => {
  await using world = await makeWorld({});
  using term = terminal(world, `vegas-credentials assume --profile=singer > /dev/null`);
  await waitFor("the prompt", () => term.screen().includes("Enter MFA code:"));
  term.type("12");
  term.enter();
  await waitFor("the 6-digit hint", () => term.screen().includes("The MFA code is 6 digits."));
  tmux_eof(term);
  const screen = await waitFor("the exit", () => {
    const text = term.screen();
    return text.includes("EXIT=") ? text : undefined;
  });
  assert.match(screen, /cancelled by user/);
  assert.match(screen, /EXIT=1/);
  assert.equal(world.sts.calls.length, 0);
});

/** Ctrl-D at the start of a line: end of input. */
function tmux_eof(term: { key: (name: string) => void }) {
  term.key("C-d");
}
