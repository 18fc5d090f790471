/**
 * Keys and MFA sessions in `pass` with a throwaway GPG key (tests/support/keystore_scenario.ts
 * has the scenario).
 */
import { startPass } from "../support/keystores.ts";
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
