import assert from "node:assert/strict";
import { ChildAborted, runChild } from "../../src/mfa/spawn.ts";

/** Processes whose command line contains `marker`. */
function running(marker: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (cmdline.includes(marker)) found.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return found;
}

Deno.test({
  name: "runChild: aborting kills a whole shell pipeline, not just the shell",
  // Reads /proc to see the processes; CI runs it on Linux.
  ignore: Deno.build.os !== "linux",
}, async () => {
  const marker = `${300 + Math.floor(Math.random() * 600)}.5`;
  const controller = new AbortController();
  const child = runChild("/bin/sh", ["-c", `sleep ${marker} | sleep ${marker}; echo done`], {
    signal: controller.signal,
  });
  for (let i = 0; i < 50 && running(`sleep ${marker}`).length < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(running(`sleep ${marker}`).length >= 2); // the shell and its two sleeps
  controller.abort();
  await assert.rejects(child, ChildAborted);
  for (let i = 0; i < 50 && running(`sleep ${marker}`).length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(running(`sleep ${marker}`), []);
});

Deno.test("runChild: secrets go on stdin, output is collected", async () => {
  const result = await runChild("/bin/sh", ["-c", 'read line; echo "got ${#line}"; echo err >&2'], {
    signal: new AbortController().signal,
    stdin: "s3cret\n",
  });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, "got 6\n");
  assert.equal(result.stderr, "err\n");
});
