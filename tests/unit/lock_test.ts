import assert from "node:assert/strict";
import { acquireLock, holderTerminal, readOutcome } from "../../src/cache/lock.ts";

Deno.test("lock: a waiter ends with the outcome the holder records, not after its own timeout", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/mfa.test.lock`;
    const holder = await acquireLock(path, 1_000);
    assert.equal(holder.waited, false);
    holder.record({ terminal: 34816 });
    assert.equal(holderTerminal(path), 34816);

    const since = Date.now();
    let waiting = false;
    const waiter = acquireLock(path, 60_000, () => waiting = true, () => {
      const outcome = readOutcome(path, since);
      return outcome && new Error(`${outcome.kind}: ${outcome.message}`);
    });
    while (!waiting) await new Promise((resolve) => setTimeout(resolve, 20));
    const start = Date.now();
    holder.record({ kind: "cancelled", message: "MFA prompt cancelled by user (terminal)" });
    await assert.rejects(waiter, /^Error: cancelled: MFA prompt cancelled by user \(terminal\)$/);
    assert.ok(Date.now() - start < 1_000);
    assert.equal(holderTerminal(path), undefined); // the outcome replaced the terminal note
    // No secret, one line of JSON.
    assert.match(
      Deno.readTextFileSync(path),
      /^\{"kind":"cancelled","message":"[^"]+","at":\d+\}\n$/,
    );

    holder[Symbol.dispose]();
    // The waiter's abandoned lock() is released as soon as it is granted: the lock is free again.
    const again = await acquireLock(path, 5_000);
    again[Symbol.dispose]();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("lock: an outcome recorded before the wait began is not the waiter's", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/mfa.test.lock`;
    const earlier = await acquireLock(path, 1_000);
    earlier.record({ kind: "timeout", message: "no MFA code within 5 s" });
    earlier[Symbol.dispose]();
    const recorded = readOutcome(path, 0);
    assert.equal(recorded?.kind, "timeout");
    assert.equal(readOutcome(path, recorded!.at + 1), undefined);
    Deno.writeTextFileSync(path, '{"kind":"timeout","mess'); // being written
    assert.equal(readOutcome(path, 0), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
