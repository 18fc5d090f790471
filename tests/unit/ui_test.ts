import assert from "node:assert/strict";
import { optionsFromEnv } from "../../src/ui.ts";

Deno.test("env switches: set unless empty, false or 0; TERM=dumb", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(optionsFromEnv(env({ NO_COLOR: "1" })).color, false);
  assert.equal(optionsFromEnv(env({ NO_COLOR: "false" })).color, true);
  assert.equal(optionsFromEnv(env({ VEGAS_CREDENTIALS_VERBOSE: "yes" })).verbose, true);
  assert.equal(optionsFromEnv(env({ VERBOSE: "0" })).verbose, false);
  assert.equal(optionsFromEnv(env({ TERM: "dumb" })).emoji, false);
  assert.equal(optionsFromEnv(env({ VEGAS_CREDENTIALS_NO_GUI: "true" })).noGui, true);
  assert.equal(optionsFromEnv(env({}), { verbose: true }).verbose, true);
});
