/**
 * The GUI input end to end with a real zenity on a private X server (Xvfb), driven by xdotool: the
 * program runs without a terminal (as from an IDE), shows the dialog, and the test types the code,
 * cancels, or lets a (fake, slow or fast) YubiKey win the race.
 */
import assert from "node:assert/strict";
import {
  parseCredentialOutput,
  REPO,
  runCli,
  type Sandbox,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { makeWorld, waitFor, type World } from "../support/world.ts";
import { CLOCK_OFFSET_ENV, totpSync } from "../support/totp.ts";
import { startX11 as startXvfb, type X11 } from "../support/x11.ts";

const ASSUME = ["assume", "--profile=singer"];
const TITLE = "vegas-credentials: MFA code for singer";

/** Waits for the MFA dialog to be shown and gives it the keyboard focus; returns its window id. */
async function findDialog(x: X11, title = TITLE, focus = true): Promise<string> {
  const id = (await x.xdotool("search", "--sync", "--onlyvisible", "--name", `^${title}$`)).trim()
    .split("\n")[0];
  if (focus) await x.xdotool("windowfocus", "--sync", id);
  return id;
}

/** Processes (other than the X server) started for `display`: dialogs, fake ykman, their children. */
function processesOn(display: string, extra?: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue; // exited, not reaped
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`);
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (
        environ.split("\0").includes(`DISPLAY=${display}`) ||
        (extra !== undefined && cmdline.includes(extra))
      ) {
        found.push(`${entry.name}: ${cmdline}`);
      }
    } catch { /* exited meanwhile, or not ours to read */ }
  }
  return found;
}

/**
 * A fake ykman that waits for its key to be touched: it prints the code once the test calls
 * `touch()`, whenever that is. One process, as the real ykman is (a shell script with a `sleep` child
 * would test spawn.ts's tree killing instead).
 */
function heldYkman(sandbox: Sandbox) {
  const marker = `${sandbox.home}/ykman-ran`;
  const touched = `${sandbox.home}/ykman-touched`;
  const script = `${sandbox.home}/held_ykman.ts`;
  Deno.writeTextFileSync(
    script,
    `import { testClockNow, totpSync } from "${REPO}tests/support/totp.ts";\n` +
      `console.error("Touch your YubiKey...");\n` +
      `for (;;) {\n` +
      `  try { Deno.statSync("${touched}"); break; }\n` +
      `  catch { await new Promise((resolve) => setTimeout(resolve, 20)); }\n` +
      `}\n` +
      `console.log(totpSync(Deno.env.get("TOTP_SECRET")!, testClockNow()));\n`,
  );
  Deno.writeTextFileSync(
    `${sandbox.home}/bin/ykman`,
    `#!/bin/sh\ntouch '${marker}'\n` +
      `exec '${Deno.execPath()}' run -q --allow-env=TOTP_SECRET,${CLOCK_OFFSET_ENV} ` +
      `--allow-read='${touched}' '${script}'\n`,
    { mode: 0o755 },
  );
  return {
    ran: () => Deno.statSync(marker).isFile,
    touch: () => Deno.writeTextFileSync(touched, ""),
  };
}

/** Types a code of a fresh TOTP window (the world's clock moves there) and presses Return. */
async function typeCode(x: X11, world: World) {
  world.nextWindow();
  await x.xdotool("type", "--delay", "40", totpSync(TEST_USER.totpSecret, world.now()));
  await x.xdotool("key", "Return");
}

/** Waits until the dialogs and fake ykman of a finished run have exited; fails naming any left. */
async function assertNoneLeft(display: string, home: string) {
  const left = () => processesOn(display, home);
  await waitFor("the inputs that lost the race to exit", () => left().length === 0, 5_000)
    .catch(() => {});
  assert.deepEqual(left(), []);
}

Deno.test("gui: zenity asks for the code without a terminal; the typed code gives credentials", async () => {
  await using x = await startXvfb();
  await using world = await makeWorld();
  const run = runCli(world.sandbox, ASSUME, { env: { DISPLAY: x.display } });
  await findDialog(x);
  await typeCode(x, world);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  parseCredentialOutput(result.stdout);
  assert.equal(world.sts.count("AssumeRole", true), 1);
  await assertNoneLeft(x.display, world.sandbox.home);
});

Deno.test("gui: Escape cancels: exit 1, the error says cancelled", async () => {
  await using x = await startXvfb();
  await using world = await makeWorld();
  const run = runCli(world.sandbox, ASSUME, { env: { DISPLAY: x.display } });
  await findDialog(x);
  await x.xdotool("key", "Escape");
  const result = await run;
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /MFA prompt cancelled by user \(gui\)/);
  assert.equal(world.sts.count("AssumeRole"), 0);
});

Deno.test("gui: --no-gui leaves the GUI out", async () => {
  await using x = await startXvfb();
  await using world = await makeWorld();
  const result = await runCli(world.sandbox, [...ASSUME, "--no-gui", "--verbose"], {
    env: { DISPLAY: x.display },
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /gui[^\n]*turned off \(--no-gui or VEGAS_CREDENTIALS_NO_GUI\)/);
});

Deno.test("gui race: the dialog answers first, the slow ykman is killed", async () => {
  await using x = await startXvfb();
  await using world = await makeWorld();
  const ykman = heldYkman(world.sandbox); // never touched
  const run = runCli(world.sandbox, [...ASSUME, "--verbose"], { env: { DISPLAY: x.display } });
  await findDialog(x);
  await waitFor("ykman to start", () => {
    try {
      return ykman.ran();
    } catch {
      return undefined;
    }
  });
  await typeCode(x, world);
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /MFA code from input gui/);
  parseCredentialOutput(result.stdout);
  // No dialog and no ykman is left.
  await assertNoneLeft(x.display, world.sandbox.home);
});

Deno.test("gui race: the YubiKey answers first, the dialog is closed", async () => {
  await using x = await startXvfb();
  await using world = await makeWorld();
  const ykman = heldYkman(world.sandbox);
  const run = runCli(world.sandbox, [...ASSUME, "--verbose"], { env: { DISPLAY: x.display } });
  await findDialog(x, TITLE, false);
  ykman.touch(); // only now that the dialog is shown
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /MFA code from input yubikey/);
  parseCredentialOutput(result.stdout);
  await assertNoneLeft(x.display, world.sandbox.home);
  await assert.rejects(x.xdotool("search", "--name", TITLE)); // exit 1: no such window
});

Deno.test("gui: the YubiKey OATH password in a real zenity password dialog", async () => {
  await using x = await startXvfb();
  await using world = await makeWorld({ target: "vegas_mfa_inputs = yubikey" });
  const password = "My way 1969";
  const dir = `${world.sandbox.home}/fake-ykman`;
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(
    `${world.sandbox.home}/bin/ykman`,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${dir}/argv'\n` +
      `IFS= read -r line || line=''\n` +
      `[ "$line" = '${password}' ] || { echo 'Error: Authentication to the YubiKey failed. Wrong password?' >&2; exit 1; }\n` +
      `exec ${TOTP_COMMAND}\n`,
    { mode: 0o755 },
  );
  const run = runCli(world.sandbox, ASSUME, { env: { DISPLAY: x.display } });
  await findDialog(x, "vegas-credentials: YubiKey OATH password");
  await x.xdotool("type", "--delay", "40", password);
  await x.xdotool("key", "Return");
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  parseCredentialOutput(result.stdout);
  assert.ok(!Deno.readTextFileSync(`${dir}/argv`).includes(password));
  assert.ok(!result.stderr.includes(password));
  await assertNoneLeft(x.display, world.sandbox.home);
});
