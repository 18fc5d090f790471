import assert from "node:assert/strict";
import { ConfigError, credentialProcessJson, getCredentials, resolveProfile } from "../../mod.ts";
import {
  makeSandbox,
  standardConfig,
  standardCredentials,
  TEST_ROLE_ARN,
} from "../support/harness.ts";
import { roleSlot } from "../../src/assume/pipeline.ts";
import { writeEntry } from "../../src/cache/store.ts";

Deno.test("library: resolve a profile, get its cached credentials, print them", async () => {
  await using sandbox = makeSandbox();
  sandbox.writeConfig(standardConfig({ source: "vegas_mfa_process = false" }));
  sandbox.writeCredentials(standardCredentials());
  const env = (name: string) => sandbox.env[name];
  const profile = resolveProfile("singer", env);
  assert.equal(profile.roleArn, TEST_ROLE_ARN);
  const slot = roleSlot(profile, env);
  const expiration = new Date(Date.now() + 3600_000);
  writeEntry(slot.dir, slot.name, {
    ...slot.meta,
    createdAt: new Date().toISOString(),
    credentials: { accessKeyId: "ASIALIBRARYEXAMPLE01", secretAccessKey: "s", expiration },
  });
  const credentials = await getCredentials("singer", { env, noGui: true });
  assert.equal(credentials.accessKeyId, "ASIALIBRARYEXAMPLE01");
  assert.equal(JSON.parse(credentialProcessJson(credentials)).Version, 1);
  assert.throws(() => resolveProfile("nobody", env), ConfigError);
});
