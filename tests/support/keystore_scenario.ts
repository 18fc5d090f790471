/**
 * The end-to-end scenario every real store runs (tests/e2e/keystore_*_test.ts): keys add, import
 * (the credentials file afterwards byte-identical but for the removed lines), assume against the
 * STS emulator with the keys only in the store, an MFA session kept in the store, export, remove;
 * then the store missing an entry, unusable and locked — one line each, exit 1, no STS call. All
 * along: no secret on any helper's command line or in its environment, in any output, in any
 * file of the sandbox home.
 * @module
 */
import assert from "node:assert/strict";
import {
  parseCredentialOutput,
  runCli,
  type RunResult,
  TEST_USER,
  TOTP_COMMAND,
} from "./harness.ts";
import { makeWorld, ROLES } from "./world.ts";
import { filesContaining, spyOn } from "./keystores.ts";

/** The store under test, already running. */
export interface StoreUnderTest {
  /** Its `vegas_keystore` name. */
  readonly name: "secret-service" | "pass";
  /** How messages name it. */
  readonly label: RegExp;
  /** Variables that point the program at it (set for every run). */
  readonly env: Record<string, string>;
  /** The helper programs to spy on. */
  readonly programs: readonly string[];
  /** The secret of an entry as the store's own tool shows it; undefined when there is none. */
  lookup(kind: "keys" | "session", profile: string): Promise<string | undefined>;
  /** Variables under which the store cannot be reached at all. */
  readonly unreachable: Record<string, string>;
  /** Locks the store (keyring locked, GPG key behind a passphrase no pinentry can ask for). */
  lock(): Promise<void>;
}

const SPARE = { id: "AKIASPARESPARESPARE0", secret: "spareSecretKeyValue0000000000000000000000" };

const MFA = `mfa_serial = ${TEST_USER.mfaSerial}\nvegas_mfa_process = ${TOTP_COMMAND}`;

function role(name: string, arn: string, source: string): string {
  return [
    `[profile ${name}]`,
    `credential_process = vegas-credentials assume --profile=${name}`,
    `vegas_role_arn = ${arn}`,
    `vegas_source_profile = ${source}`,
    "",
  ].join("\n");
}

/** Two source profiles of the test user (`crew` with an MFA session), their roles, a ghost. */
const CONFIG = [
  "[default]",
  MFA,
  "",
  "[profile crew]",
  MFA,
  "vegas_mfa_session_duration = 43200",
  "",
  "[profile nobody]",
  MFA,
  "",
  role("singer", ROLES.main, "default"),
  role("keeper", ROLES.long, "default"),
  role("dancer", ROLES.withPath, "crew"),
  role("drummer", ROLES.main, "crew"),
  role("ghost", ROLES.main, "nobody"),
].join("\n");

/** A credentials file as people write them: comments, a second section, a kept setting. */
const CREDENTIALS = [
  "# keys of the IAM user",
  "[default]",
  `aws_access_key_id = ${TEST_USER.accessKeyId}`,
  "; rotated in spring",
  `aws_secret_access_key = ${TEST_USER.secretAccessKey}`,
  "",
  "[crew]",
  "region = eu-west-1",
  `aws_access_key_id=${TEST_USER.accessKeyId}`,
  `aws_secret_access_key=${TEST_USER.secretAccessKey}`,
  "# the end",
].join("\r\n") + "\r\n";

/** The credentials file after importing `default` (its section emptied) and `crew`. */
const IMPORTED = [
  "# keys of the IAM user",
  "; rotated in spring",
  "",
  "[crew]",
  "region = eu-west-1",
  "# the end",
].join("\r\n") + "\r\n";

/** Runs the scenario; `t` steps name each part. */
export async function storeScenario(t: Deno.TestContext, store: StoreUnderTest): Promise<void> {
  await using world = await makeWorld(CONFIG);
  const { sandbox } = world;
  sandbox.writeCredentials(CREDENTIALS);
  Deno.chmodSync(sandbox.credentialsFile, 0o600);
  const spies = spyOn(`${sandbox.home}/spies`, store.programs);
  Object.assign(sandbox.env, store.env, { PATH: `${spies.bin}:${sandbox.env.PATH}` });
  if (store.name === "pass") sandbox.env.VEGAS_CREDENTIALS_KEYSTORE = "pass";
  const outputs: string[] = [];
  const cli = async (args: string[], options: Parameters<typeof runCli>[2] = {}) => {
    const result = await runCli(sandbox, args, options);
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const ok = (result: RunResult, what: string) =>
    assert.equal(result.code, 0, `${what}: ${result.stderr}`);

  await t.step("keys add: two lines on stdin, nothing printed on stdout", async () => {
    const added = await cli(["keys", "add", "--profile=spare"], {
      stdin: `${SPARE.id}\n${SPARE.secret}\n`,
    });
    ok(added, "keys add");
    assert.equal(added.stdout, "");
    assert.match(added.stderr, /stored the keys of source profile 'spare' \(AKIA…ARE0\)/);
    assert.equal(JSON.parse((await store.lookup("keys", "spare"))!).SecretAccessKey, SPARE.secret);
    const list = await cli(["keys", "list"]);
    ok(list, "keys list");
    assert.match(list.stdout, new RegExp(`^spare +${store.name} +AKIA…ARE0$`, "m"));
  });

  await t.step(
    "keys import --dry-run: the diff with the keys masked, nothing changed",
    async () => {
      const dry = await cli(["keys", "import", "-p", "default", "--dry-run"]);
      ok(dry, "dry run");
      assert.match(dry.stdout, /^-aws_access_key_id = AKIA…MPLE\r?$/m);
      assert.match(dry.stdout, /^-aws_secret_access_key = \(not shown\)\r?$/m);
      assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), CREDENTIALS);
      assert.equal(await store.lookup("keys", "default"), undefined);
    },
  );

  await t.step("keys import: exactly the key lines go, every other byte stays", async () => {
    for (const profile of ["default", "crew"]) {
      const imported = await cli(["keys", "import", "--profile", profile]);
      ok(imported, `import ${profile}`);
      assert.equal(imported.stdout, "");
      const stored = JSON.parse((await store.lookup("keys", profile))!);
      assert.equal(stored.AccessKeyId, TEST_USER.accessKeyId);
      assert.equal(stored.SecretAccessKey, TEST_USER.secretAccessKey);
    }
    assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), IMPORTED);
    assert.equal(Deno.statSync(sandbox.credentialsFile).mode! & 0o777, 0o600);
    const again = await cli(["keys", "import", "-p", "default"]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^vegas-credentials: source profile 'default' has no aws_access_key_id and aws_secret_access_key in \S+ or \S+: nothing to import\n$/,
    );
  });

  let helperRuns = 0;
  await t.step("assume: keys only in the store, read on the miss, not on the hit", async () => {
    const first = await cli(["assume", "--profile=singer"]);
    ok(first, "assume");
    parseCredentialOutput(first.stdout);
    const call = world.sts.calls.at(-1)!;
    // The emulator checks the SigV4 signature: the stored secret signed this call.
    assert.equal(call.action, "AssumeRole");
    assert.equal(call.ok, true);
    assert.equal(call.accessKeyId, TEST_USER.accessKeyId);
    helperRuns = spies.cmdlines().length;
    assert.ok(helperRuns > 0, "the store was not asked");
    const hit = await cli(["assume", "--profile=singer"]);
    ok(hit, "cache hit");
    assert.equal(hit.stdout, first.stdout);
    assert.equal(spies.cmdlines().length, helperRuns, "the cache hit touched the store");
    assert.equal(world.sts.calls.length, 1);
  });

  await t.step("MFA session: kept in the store, not in the cache directory", async () => {
    world.nextWindow();
    const dancer = await cli(["assume", "--profile=dancer"]);
    ok(dancer, "dancer");
    assert.equal(world.sts.count("GetSessionToken", true), 1);
    const session = JSON.parse((await store.lookup("session", "crew"))!);
    assert.match(session.AccessKeyId, /^ASIA/);
    assert.ok(session.SessionToken);
    assert.deepEqual(
      [...Deno.readDirSync(sandbox.cacheDir)].map((f) => f.name).filter((n) =>
        /^session\./.test(n)
      ),
      [],
    );
    const before = spies.cmdlines().length;
    const drummer = await cli(["assume", "--profile=drummer"]);
    ok(drummer, "drummer");
    assert.equal(world.sts.count("GetSessionToken", true), 1, "a second MFA session");
    const assumed = world.sts.calls.at(-1)!;
    assert.equal(assumed.accessKeyId, session.AccessKeyId);
    assert.equal(assumed.params.TokenCode, undefined);
    // One store read for the whole miss: the session (no keys, no write).
    const reads = spies.cmdlines().slice(before).filter((line) => !/\bgpg\b/.test(line));
    assert.equal(reads.length, 1, reads.join("\n"));
    // Until `keys export` below, the long-term secret is in no file of the home at all.
    for (
      const secret of [session.SecretAccessKey, session.SessionToken, TEST_USER.secretAccessKey]
    ) {
      assert.deepEqual(filesContaining(sandbox.home, secret), []);
      assert.ok(!outputs.join("").includes(secret));
    }
    helperRuns = spies.cmdlines().length;
  });

  await t.step("cache clean --sessions ends a stored MFA session, in the store", async () => {
    const cleaned = await cli(["cache", "clean", "--profile=drummer", "--sessions"]);
    ok(cleaned, "cache clean --sessions");
    assert.match(cleaned.stdout, /, 1 MFA session for profile 'drummer'/);
    assert.equal(await store.lookup("session", "crew"), undefined);
    world.nextWindow();
    ok(await cli(["assume", "--profile=drummer"]), "a new session");
    assert.equal(world.sts.count("GetSessionToken", true), 2);
  });

  await t.step("a stored MFA session STS no longer accepts is replaced in the store", async () => {
    const old = JSON.parse((await store.lookup("session", "crew"))!);
    world.sts.expireIssuedCredentials();
    world.nextWindow();
    ok(await cli(["cache", "clean", "--profile=drummer"]), "cache clean");
    const before = world.sts.calls.length;
    const drummer = await cli(["assume", "--profile=drummer"]);
    ok(drummer, "drummer");
    assert.match(drummer.stderr, /no longer accepts the cached MFA session/);
    assert.deepEqual(
      world.sts.calls.slice(before).map((call) => `${call.action}:${call.errorCode ?? "ok"}`),
      ["AssumeRole:ExpiredToken", "GetSessionToken:ok", "AssumeRole:ok"],
    );
    const session = JSON.parse((await store.lookup("session", "crew"))!);
    assert.notEqual(session.AccessKeyId, old.AccessKeyId);
    assert.equal(world.sts.calls.at(-1)!.accessKeyId, session.AccessKeyId);
  });

  await t.step("keys export: back into the file's section, out of the store", async () => {
    const exported = await cli(["keys", "export", "--profile=crew"]);
    ok(exported, "export");
    assert.equal(exported.stdout, "");
    assert.equal(
      Deno.readTextFileSync(sandbox.credentialsFile),
      IMPORTED.replace(
        "[crew]\r\n",
        `[crew]\r\naws_access_key_id = ${TEST_USER.accessKeyId}\r\n` +
          `aws_secret_access_key = ${TEST_USER.secretAccessKey}\r\n`,
      ),
    );
    assert.equal(await store.lookup("keys", "crew"), undefined);
    assert.equal(await store.lookup("session", "crew"), undefined, "the session outlived its keys");
    const shown = await cli(["config", "show-profile", "-p", "dancer"]);
    assert.match(shown.stdout, /aws_access_key_id +AKIA…MPLE +\S+credentials/);
  });

  await t.step("keys remove: gone; a second remove says there is nothing", async () => {
    ok(await cli(["keys", "remove", "-p", "spare"]), "remove");
    assert.equal(await store.lookup("keys", "spare"), undefined);
    const again = await cli(["keys", "remove", "-p", "spare"]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, "");
    assert.match(again.stderr, /^vegas-credentials: .* has no keys for source profile 'spare'\n$/);
  });

  let rotatedSecret = "";
  await t.step(
    "rotate: the key in the store is replaced there; assume signs with the new key",
    async () => {
      const file = Deno.readTextFileSync(sandbox.credentialsFile);
      const singer = await cli(["assume", "--profile=singer"]);
      ok(singer, "a cached role credential made with the old key");
      world.sts.iam.propagationMs = 0;
      world.nextWindow();
      const rotated = await cli(["rotate", "--profile=default"]);
      ok(rotated, "rotate");
      assert.match(
        rotated.stdout,
        new RegExp(
          `^Rotated the access key of IAM user FrankSinatra in ${store.label.source}[^\n]*: ` +
            "AKIA…\\w{4} replaces AKIA…MPLE, which was deleted\n$",
        ),
      );
      const stored = JSON.parse((await store.lookup("keys", "default"))!);
      rotatedSecret = stored.SecretAccessKey;
      assert.notEqual(stored.AccessKeyId, TEST_USER.accessKeyId);
      assert.deepEqual(
        world.sts.iam.keys.map((key) => [key.accessKeyId, key.secretAccessKey]),
        [[stored.AccessKeyId, stored.SecretAccessKey]],
        "IAM holds exactly the stored key",
      );
      assert.equal(Deno.readTextFileSync(sandbox.credentialsFile), file, "the file was changed");
      world.nextWindow();
      const assumed = await cli(["assume", "--profile=singer"]);
      ok(assumed, "assume after rotate");
      assert.notEqual(assumed.stdout, singer.stdout, "the role credentials of the old key served");
      const call = world.sts.calls.findLast((c) => c.action === "AssumeRole")!;
      assert.equal(call.ok, true);
      assert.equal(call.accessKeyId, stored.AccessKeyId);
    },
  );

  await t.step("errors: entry missing, store unreachable, store locked", async () => {
    const calls = world.sts.calls.length;
    const oneLine = (result: RunResult, pattern: RegExp) => {
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /^vegas-credentials: [^\n]+\n$/);
      assert.match(result.stderr, pattern);
    };
    oneLine(
      await cli(["assume", "-p", "ghost"]),
      new RegExp(
        `source profile 'nobody' \\(of profile 'ghost'\\) has no aws_access_key_id and ` +
          `aws_secret_access_key in \\S+ or \\S+, and ${store.label.source} has no keys for it: ` +
          "run vegas-credentials keys add --profile nobody",
      ),
    );
    oneLine(
      await cli(["assume", "-p", "keeper"], { env: store.unreachable }),
      new RegExp(
        `has no aws_access_key_id .*, and ${store.label.source} (cannot be reached|is not set up)`,
      ),
    );
    oneLine(
      await cli(["rotate", "-p", "nobody"]),
      new RegExp(
        `^vegas-credentials: source profile 'nobody' has no aws_access_key_id and ` +
          `aws_secret_access_key in \\S+ or \\S+, and ${store.label.source} has no keys for ` +
          "it: there is no access key to rotate\n$",
      ),
    );
    await store.lock();
    oneLine(
      await cli(["assume", "-p", "keeper"]),
      new RegExp(
        `has no aws_access_key_id .*, and ${store.label.source} (is locked|cannot decrypt)`,
      ),
    );
    assert.equal(world.sts.calls.length, calls, "STS was called");
  });

  await t.step("no secret on a helper's command line, in its environment, output or files", () => {
    const secrets = [TEST_USER.secretAccessKey, SPARE.secret, rotatedSecret].filter(Boolean);
    const cmdlines = spies.cmdlines();
    assert.ok(cmdlines.some((line) => line.includes(store.programs[0])), "no helper ran");
    const environments = spies.environments();
    for (const secret of secrets) {
      for (const line of cmdlines) {
        assert.ok(!line.includes(secret), `in argv: ${line.slice(0, 60)}`);
      }
      assert.ok(!environments.includes(secret), "a secret in a helper's environment");
      assert.ok(!outputs.join("").includes(secret), "a secret in the output");
    }
    assert.deepEqual(filesContaining(sandbox.home, SPARE.secret), []);
    assert.doesNotMatch(environments, /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=/m);
  });
}
