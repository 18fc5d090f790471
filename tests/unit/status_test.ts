/** `status`: when the next MFA code is due, from what the cache holds. */
import assert from "node:assert/strict";
import { nextMfa, type SlotStatus } from "../../src/commands/status.ts";

const slot = (state: SlotStatus["state"], seconds: number | null): SlotStatus => ({
  state,
  expiration: null,
  expiresInSeconds: seconds,
});
const session = (state: SlotStatus["state"], seconds: number | null, used = true) => ({
  ...slot(state, seconds),
  durationSeconds: 43200,
  used,
});

Deno.test("status: the next MFA code comes at the refresh that needs one", () => {
  // No session: each role refresh asks, 10 minutes before the credentials expire.
  assert.equal(nextMfa(slot("fresh", 3000), null), 2400);
  assert.equal(nextMfa(slot("expired", 300), null), 0);
  assert.equal(nextMfa(slot("none", null), null), 0);
  // A fresh session makes role refreshes silent until it runs out itself.
  assert.equal(nextMfa(slot("fresh", 3000), session("fresh", 40000)), 39400);
  assert.equal(nextMfa(slot("none", null), session("fresh", 40000)), 39400);
  // …but the role credentials outlast a session about to end: the code comes with their refresh.
  assert.equal(nextMfa(slot("fresh", 3000), session("fresh", 900)), 2400);
  assert.equal(nextMfa(slot("fresh", 3000), session("expired", 100)), 2400);
  assert.equal(nextMfa(slot("expired", 100), session("none", null)), 0);
  // A session the profile cannot use (duration_seconds over 1 hour) changes nothing.
  assert.equal(nextMfa(slot("fresh", 3000), session("fresh", 40000, false)), 2400);
});
