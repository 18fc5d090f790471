/**
 * Keys and MFA sessions in `pass` with a throwaway GPG key (tests/support/keystore_scenario.ts
 * has the scenario).
 */
import assert from "node:assert/strict";
import { startPass } from "../support/keystores.ts";
import { makeWorld, waitFor } from "../support/world.ts";
import { openTerminal } from "../support/tmux.ts";
import { storeScenario } from "../support/keystore_scenario.ts";

Deno.test("keystore: pass (GPG)", async (t) => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-pass-" });
  try {
    await using store = await startPass(dir);
    await storeScenario(t, {
      name: "pass",
      label: /the pass store/,
      env: store.env,
      programs: ["pass", "gpg"],
      async lookup(kind, profile) {
        const name = `vegas-credentials/${kind}/${profile}`;
        return await store.pass(["show", name]).catch(() => undefined);
      },
      unreachable: { PASSWORD_STORE_DIR: `${dir}/no-such-store` },
      lock: () => store.lockBehindPassphrase(),
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("keystore: keys add on a terminal asks for the id, then the secret without echo", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-pass-" });
  try {
    await using store = await startPass(dir);
    await using world = await makeWorld({});
    Object.assign(world.sandbox.env, store.env, { VEGAS_CREDENTIALS_KEYSTORE: "pass" });
    using term = openTerminal(world.sandbox, "vegas-credentials keys add --profile=spare");
    await waitFor("the key id prompt", () => term.screen().includes("AWS access key id for"));
    term.type("AKIASPARESPARESPARE0");
    term.key("Enter");
    await waitFor("the secret prompt", () => term.screen().includes("(not shown):"));
    term.type("spareSecretKeyValue0000000000000000000000");
    term.key("Enter");
    const screen = await waitFor("the exit", () => {
      const text = term.screen();
      return text.includes("EXIT=") ? text : undefined;
    });
    assert.match(screen, /AWS access key id for source profile 'spare': AKIASPARESPARESPARE0\n/);
    assert.match(
      screen,
      /AWS secret access key \(not shown\): *\n[^\n]*stored the keys of source profile 'spare' \(AKIA…ARE0\) in the pass store/,
    );
    assert.match(screen, /^EXIT=0$/m);
    assert.ok(!screen.includes("spareSecretKeyValue"), "the secret was echoed");
    const stored = JSON.parse(await store.pass(["show", "vegas-credentials/keys/spare"]));
    assert.equal(stored.SecretAccessKey, "spareSecretKeyValue0000000000000000000000");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
