import assert from "node:assert/strict";
import { msUntilNextWindow, TEST_CLOCK_OFFSET_ENV, totpNow } from "../../src/assume/mfa_retry.ts";
import { CLOCK_OFFSET_ENV, msUntilNextStep } from "../support/totp.ts";

Deno.test("totp window: waits into the next 30-second step", () => {
  assert.equal(msUntilNextWindow(30_000 * 100 + 29_000), 2_000);
  assert.equal(msUntilNextWindow(30_000 * 100), 31_000);
});

Deno.test("totp window: the test clock offset shifts the windows, the same name as the suite's", () => {
  assert.equal(TEST_CLOCK_OFFSET_ENV, CLOCK_OFFSET_ENV);
  const envWith = (offset?: string) => (name: string) =>
    name === TEST_CLOCK_OFFSET_ENV ? offset : undefined;
  const shift = (offset?: string) => {
    const before = Date.now();
    const now = totpNow(envWith(offset));
    return [now - Date.now(), now - before]; // the offset lies in this range
  };
  const cases: [string | undefined, number][] = [
    ["90000", 90_000],
    ["-4500", -4_500],
    [undefined, 0],
    ["", 0], // anything but an integer is no offset
    ["1e3", 0],
    ["12 s", 0],
  ];
  for (const [offset, expected] of cases) {
    const [low, high] = shift(offset);
    assert.ok(low <= expected && expected <= high, `'${offset}': ${low}..${high}`);
  }
  // One second before a shifted window ends, the program waits 2 s, not up to 31 s.
  const wait = msUntilNextWindow(totpNow(envWith(`${msUntilNextStep() - 1_000}`)));
  assert.ok(wait <= 2_000 && wait > 1_000, `${wait}`);
});
