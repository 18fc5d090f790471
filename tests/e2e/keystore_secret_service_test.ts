/**
 * Keys and MFA sessions in a real Secret Service: GNOME Keyring on a private D-Bus session bus,
 * driven through `secret-tool` (tests/support/keystore_scenario.ts has the scenario).
 */
import { startSecretService } from "../support/keystores.ts";
import { storeScenario } from "../support/keystore_scenario.ts";

Deno.test("keystore: secret-service (GNOME Keyring)", async (t) => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-keyring-" });
  try {
    await using keyring = await startSecretService(dir);
    await storeScenario(t, {
      name: "secret-service",
      label: /the secret-service store/,
      env: keyring.env,
      programs: ["secret-tool"],
      async lookup(kind, profile) {
        const secret = await keyring.secretTool([
          "lookup",
          "service",
          "vegas-credentials",
          "kind",
          kind,
          "profile",
          profile,
        ]).catch(() => undefined);
        return secret || undefined;
      },
      unreachable: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${dir}/no-such-bus` },
      lock: () => keyring.lock(),
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
