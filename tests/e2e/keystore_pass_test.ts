/**
 * Keys and MFA sessions in `pass` with a throwaway GPG key (tests/support/keystore_scenario.ts
 * has the scenario).
 */
import assert from "node:assert/strict";
import { startPass } from "../support/keystores.ts";
import { makeWorld, waitFor } from "../support/world.ts";
import { runCli, TOTP_COMMAND } from "../support/harness.ts";
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

Deno.test("keystore: keys list with every source profile on pass needs no Secret Service (headless)", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-pass-" });
  try {
    await using store = await startPass(dir);
    // The README's advice for headless Linux: vegas_keystore = pass on the source profile. No
    // D-Bus session here (the sandbox has none), so the OS default store cannot be reached.
    await using world = await makeWorld({ source: "vegas_keystore = pass" });
    const { sandbox } = world;
    Object.assign(sandbox.env, store.env);
    sandbox.writeCredentials("");
    const added = await runCli(sandbox, ["keys", "add", "-p", "default"], {
      stdin: "AKIASPARESPARESPARE0\nspareSecretKeyValue0000000000000000000000\n",
    });
    assert.equal(added.code, 0, added.stderr);
    const list = await runCli(sandbox, ["keys", "list"]);
    assert.equal(list.stderr, "");
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^default +pass +AKIA…ARE0$/m);
    // A source profile that does use the unreachable default store still gets its one line.
    sandbox.writeConfig(
      Deno.readTextFileSync(sandbox.configFile) +
        "\n[profile other]\nmfa_serial = arn:aws:iam::111111111111:mfa/Other\n" +
        "\n[profile otherrole]\nvegas_role_arn = arn:aws:iam::222222222222:role/SingerRole\n" +
        "vegas_source_profile = other\n",
    );
    const both = await runCli(sandbox, ["keys", "list"]);
    assert.equal(both.code, 1);
    assert.match(both.stdout, /^default +pass +AKIA…ARE0$/m);
    assert.match(both.stderr, /^vegas-credentials: the secret-service store cannot be reached/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("keystore: status does not call an MFA session kept in the store 'none'", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-pass-" });
  try {
    await using store = await startPass(dir);
    await using world = await makeWorld({
      source: `vegas_keystore = pass\nvegas_mfa_process = ${TOTP_COMMAND}\n` +
        "vegas_mfa_session_duration = 43200",
    });
    const { sandbox } = world;
    Object.assign(sandbox.env, store.env);
    const imported = await runCli(sandbox, ["keys", "import", "-p", "default"]);
    assert.equal(imported.code, 0, imported.stderr);
    const assumed = await runCli(sandbox, ["assume", "--profile=singer"]);
    assert.equal(assumed.code, 0, assumed.stderr);
    assert.ok(await store.pass(["show", "vegas-credentials/session/default"]), "no stored session");

    // status does not open the store (it may ask to be unlocked), so it cannot know the session's
    // state: it says where the session is instead of 'none', and no NEXT MFA it cannot know.
    const json = await runCli(sandbox, ["status", "--json", "-p", "singer"]);
    assert.equal(json.code, 0, json.stderr);
    const [singer] = JSON.parse(json.stdout);
    assert.equal(singer.cached, "fresh");
    assert.equal(singer.session.state, "unknown");
    assert.equal(singer.session.store, "pass");
    assert.equal(singer.nextMfaInSeconds, null);
    const table = await runCli(sandbox, ["status", "-p", "singer"]);
    assert.match(table.stdout, /^singer .* fresh +(59m|1h 0m) +in the pass store +-$/m);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
