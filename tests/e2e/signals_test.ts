/**
 * No orphans: `assume` ended by a signal while its `vegas_mfa_process` runs leaves no process of
 * that command behind — SIGTERM and SIGHUP end the children's trees before exiting; after SIGKILL
 * (which cannot be caught) a watchdog ends them.
 */
import assert from "node:assert/strict";
import { cliCommand, standardConfig } from "../support/harness.ts";
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
