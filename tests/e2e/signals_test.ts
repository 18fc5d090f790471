/**
 * No orphans: `assume` ended by a signal while its `vegas_mfa_process` runs leaves no process of
 * that command behind — SIGTERM and SIGHUP end the children's trees before exiting; after SIGKILL
 * (which cannot be caught) a watchdog ends them.
 */
import assert from "node:assert/strict";
import { cliCommand, standardConfig, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld, waitFor } from "../support/world.ts";

/** Live (not zombie) processes whose command line contains `marker`. */
function running(marker: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (cmdline.includes(marker)) found.push(`${entry.name}: ${cmdline}`);
    } catch { /* exited meanwhile */ }
  }
  return found;
}

/** The parent pid of a process, from /proc. */
function parentOf(pid: string): string {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
}

/** Is `pid` a live (not zombie) process? */
function isAlive(pid: string): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

for (const [signal, status] of [["SIGTERM", 143], ["SIGHUP", 129], ["SIGKILL", 137]] as const) {
  Deno.test({
    name: `signals: ${signal} to assume while vegas_mfa_process runs leaves no child behind`,
    // Reads /proc to find the processes; CI runs on Linux.
    ignore: Deno.build.os !== "linux",
  }, async () => {
    await using world = await makeWorld();
    // A unique sleep, inside a shell (so the tree has two levels): `sh -c` and `sleep`.
    const marker = `${400 + Math.floor(Math.random() * 500)}.${Date.now() % 1000}`;
    world.sandbox.writeConfig(standardConfig({
      source: `vegas_mfa_process = sleep ${marker}; echo 123456`,
    }));
    // No controlling terminal, as under a caller; setsid does not fork here, so the pid is ours.
    const child = new Deno.Command("setsid", {
      args: [...cliCommand(), "assume", "--profile=singer"],
      env: world.sandbox.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    // The command line reaches the shell on its stdin (never argv), so only `sleep` shows the
    // marker; its parent is the shell, the other level of the tree.
    await waitFor("the MFA command", () => running(`sleep ${marker}`).length >= 1);
    const sleeper = running(`sleep ${marker}`)[0].split(":")[0];
    const shell = parentOf(sleeper);
    assert.notEqual(shell, String(child.pid), "the MFA command runs in a shell of its own");
    Deno.kill(child.pid, signal);
    const result = await output;
    const alive =
      () => [...running(`sleep ${marker}`), ...(isAlive(shell) ? [`shell ${shell}`] : [])];
    const gone = await waitFor(
      "the children to end",
      () => alive().length === 0 ? true : undefined,
      5_000,
    )
      .catch(() => false);
    assert.ok(gone, `left behind after 5 s: ${alive().join("; ")}`);
    assert.equal(result.code, status, new TextDecoder().decode(result.stderr));
    assert.equal(new TextDecoder().decode(result.stdout), "");
    if (signal !== "SIGKILL") {
      assert.equal(
        new TextDecoder().decode(result.stderr),
        `vegas-credentials: interrupted by ${signal}\n`,
      );
    }
  });
}

/**
 * `exec` passes SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 on and waits for its command: a
 * supervisor's `kill -HUP` (or a caller's timeout) reaches vegas-credentials alone, and a command
 * left running would keep its keys.
 */
const EXEC_STATUSES = { SIGHUP: 129, SIGTERM: 143, SIGQUIT: 131, SIGUSR1: 138, SIGUSR2: 140 };
for (const signal of Object.keys(EXEC_STATUSES) as (keyof typeof EXEC_STATUSES)[]) {
  Deno.test({
    name: `signals: ${signal} to exec is passed on; its command does not outlive it`,
    ignore: Deno.build.os !== "linux",
  }, async () => {
    await using world = await makeWorld({ source: `vegas_mfa_process = ${TOTP_COMMAND}` });
    const marker = `${400 + Math.floor(Math.random() * 500)}.${Date.now() % 1000}`;
    // No terminal (setsid): the signal reaches vegas-credentials only, not the command.
    const child = new Deno.Command("setsid", {
      args: [...cliCommand(), "exec", "--profile=singer", "--", "sleep", marker],
      env: world.sandbox.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Only `sleep` itself: our own command line holds the marker too.
    const sleeping = () =>
      running(`sleep ${marker}`).filter((line) => /^(\S*\/)?sleep /.test(line.split(": ")[1]));
    await waitFor("the command", () => sleeping().length >= 1);
    Deno.kill(child.pid, signal);
    const status = await child.status;
    const gone = await waitFor(
      "the command to end",
      () => sleeping().length === 0 ? true : undefined,
      5_000,
    ).catch(() => false);
    const left = sleeping();
    // A leftover holds our output pipes open: end it before reading them.
    for (const line of left) Deno.kill(Number(line.split(":")[0]), "SIGKILL");
    const result = await child.output();
    assert.ok(gone, `left behind after 5 s: ${left.join("; ")}`);
    // exec waited for the command, which the signal passed on ended: 128+N, not our own death.
    assert.equal(status.signal, null, `exec died of ${status.signal} without waiting`);
    assert.equal(status.code, EXEC_STATUSES[signal]);
    assert.equal(new TextDecoder().decode(result.stdout), "");
  });
}

Deno.test({
  name: "signals: under nohup (SIGHUP ignored) exec and its command keep ignoring SIGHUP",
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using world = await makeWorld({ source: `vegas_mfa_process = ${TOTP_COMMAND}` });
  const marker = `${world.sandbox.home}/hup-test`;
  // What nohup does: SIGHUP ignored, then the program. The command reports whether it ignores
  // SIGHUP (bit 0 of SigIgn), then waits to be hung up on.
  const go = `${world.sandbox.home}/hung-up`;
  const report = `grep SigIgn /proc/self/status > '${marker}'; ` +
    `while [ ! -e '${go}' ]; do sleep 0.05; done; echo ALIVE >> '${marker}'`;
  const child = new Deno.Command("setsid", {
    args: [
      "sh",
      "-c",
      `trap '' HUP; exec "$@"`,
      "sh",
      ...cliCommand(),
      "exec",
      "--profile=singer",
      "--",
      "sh",
      "-c",
      report,
    ],
    env: world.sandbox.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await waitFor("the command", () => {
    try {
      return Deno.readTextFileSync(marker).startsWith("SigIgn") || undefined;
    } catch {
      return undefined;
    }
  });
  const ignored = BigInt(`0x${Deno.readTextFileSync(marker).split(/\s+/)[1]}`);
  assert.equal(ignored & 1n, 1n, "the command does not ignore SIGHUP");
  Deno.kill(-child.pid, "SIGHUP"); // the whole session, as a closed terminal would
  Deno.writeTextFileSync(go, "");
  const result = await child.output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  assert.match(Deno.readTextFileSync(marker), /^ALIVE$/m);
});
