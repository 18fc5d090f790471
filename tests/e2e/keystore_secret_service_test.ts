/**
 * Keys and MFA sessions in a real Secret Service: GNOME Keyring on a private D-Bus session bus,
 * driven through `secret-tool` (tests/support/keystore_scenario.ts has the scenario).
 */
import { startSecretService } from "../support/keystores.ts";
import { storeScenario } from "../support/keystore_scenario.ts";
import assert from "node:assert/strict";
import { runCli, TEST_USER, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld } from "../support/world.ts";

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

Deno.test("keystore: secret-service locked — keys remove and cache clean say so; nothing is called missing", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-keyring-" });
  try {
    await using keyring = await startSecretService(dir);
    await using world = await makeWorld({
      source: `vegas_mfa_session_duration = 43200\nvegas_mfa_process = ${TOTP_COMMAND}`,
    });
    const { sandbox } = world;
    Object.assign(sandbox.env, keyring.env);
    sandbox.writeCredentials("");
    const lookup = (kind: string) =>
      keyring.secretTool([
        "lookup",
        "service",
        "vegas-credentials",
        "kind",
        kind,
        "profile",
        "default",
      ]);
    const added = await runCli(sandbox, ["keys", "add", "-p", "default"], {
      stdin: `${TEST_USER.accessKeyId}\n${TEST_USER.secretAccessKey}\n`,
    });
    assert.equal(added.code, 0, added.stderr);
    const assumed = await runCli(sandbox, ["assume", "-p", "singer"]);
    assert.equal(assumed.code, 0, assumed.stderr);
    assert.ok(await lookup("session"), "no MFA session in the store");
    await keyring.lock();

    const removed = await runCli(sandbox, ["keys", "remove", "-p", "default"]);
    assert.equal(removed.code, 1);
    assert.equal(removed.stdout, "");
    assert.match(
      removed.stderr,
      /^vegas-credentials: source profile 'default': the secret-service store is locked \([^\n]*\): unlock the keyring[^\n]*\n$/,
    );
    const cleaned = await runCli(sandbox, ["cache", "clean"]);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.match(cleaned.stdout, /, 0 MFA sessions,/);
    assert.match(
      cleaned.stderr,
      /the MFA session of source profile 'default' stays: the secret-service store is locked/,
    );
    // Both entries are still there (the keyring is locked: their items are found, not read).
    const search = await keyring.secretTool(["search", "--all", "service", "vegas-credentials"]);
    assert.equal(search.match(/^\[/gm)?.length, 2, search);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
