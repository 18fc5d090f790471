/**
 * Output for a person on a terminal: `status` fits the terminal's width (long cells cut in the
 * middle, `--wide` for everything) and colours its states, `doctor` colours ok / warning /
 * PROBLEM; never a colour with NO_COLOR, and never when the output is piped.
 */
import assert from "node:assert/strict";
import { runCli, TEST_ROLE_ARN, TOTP_COMMAND } from "../support/harness.ts";
import { openTerminal } from "../support/tmux.ts";
import { makeWorld, ROLES, waitFor } from "../support/world.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;
const GREEN = "\x1b[32m";

Deno.test("terminal output: status fits 80 columns and colours states; doctor colours its labels", async () => {
  await using world = await makeWorld({
    source: MFA,
    target:
      `\n[profile deploy]\nvegas_role_arn = ${ROLES.withPath}\nvegas_source_profile = default\n`,
  });
  assert.equal((await runCli(world.sandbox, ["assume", "-p", "singer"])).code, 0);

  // The sandbox sets NO_COLOR=1; empty counts as unset (the original tool's rule).
  const run = async (command: string, env = "NO_COLOR=") => {
    using term = openTerminal(world.sandbox, `${env} vegas-credentials ${command}`, {
      columns: 80,
      rows: 40,
    });
    return await waitFor(`${command} to end`, () => {
      const plain = term.screen();
      return /^EXIT=\d+$/m.test(plain) ? { plain, coloured: term.screenWithColours() } : undefined;
    }, 10_000);
  };

  const status = await run("status");
  const table = status.plain.split("\n").filter((line) => /^(PROFILE|singer|deploy) /.test(line));
  assert.equal(table.length, 3, status.plain);
  for (const line of table) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
  assert.match(status.plain, /…/, "a long cell is cut in the middle");
  assert.ok(status.coloured.includes(`${GREEN}fresh`), "fresh is green");

  const wide = await run("status --wide");
  assert.ok(wide.plain.includes(TEST_ROLE_ARN), "--wide shows the whole ARN");

  const plain = await run("status", "NO_COLOR=1");
  assert.ok(!plain.coloured.includes("\x1b[3"), "NO_COLOR: no colour");

  const doctor = await run("doctor");
  assert.ok(doctor.coloured.includes(`${GREEN}ok`), "ok is green");

  // Piped: full width, no escape sequences.
  const piped = await runCli(world.sandbox, ["status"]);
  assert.ok(piped.stdout.includes(ROLES.withPath));
  assert.ok(!piped.stdout.includes("\x1b"), "piped: no escape sequences");
});
