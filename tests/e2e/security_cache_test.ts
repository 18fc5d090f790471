/**
 * Issue 10, the cache as a local attacker sees it, end to end: the real program against the STS
 * emulator, with the cache in places other users can reach.
 */
import assert from "node:assert/strict";
import { parseCredentialOutput, runCli, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld, ROLES, type World } from "../support/world.ts";
import { CAN_ACT_AS_OTHER_USER, OTHER_UID } from "../support/other_user.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { roleCacheName } from "../../src/cache/key.ts";

/** The MFA command answers only while `$HOME/allow` exists, so a test can tell hits from prompts. */
const GATED_MFA = `vegas_mfa_process = [ -e "$HOME/allow" ] && ${TOTP_COMMAND}`;

async function gatedWorld(target = ""): Promise<World> {
  const world = await makeWorld({ source: GATED_MFA, target });
  Deno.writeTextFileSync(`${world.sandbox.home}/allow`, "");
  return world;
}

/** The non-empty lines of stderr. */
const lines = (text: string) => text.split("\n").filter(Boolean);

/** A directory under a fresh base that only root can list (so the other user can traverse it). */
function attackerBase(): string {
  const base = Deno.makeTempDirSync({ prefix: "vegas-attack-" });
  Deno.chmodSync(base, 0o711);
  return base;
}

Deno.test({
  name: "cache under a directory another user owns: not used, one warning, the prompt works " +
    "(root only: needs a second user)",
  ignore: !CAN_ACT_AS_OTHER_USER,
}, async () => {
  await using world = await gatedWorld();
  const base = attackerBase();
  try {
    // e.g. XDG_CACHE_HOME=/tmp/cache-$USER, created first by someone else.
    const theirs = `${base}/cache-victim`;
    Deno.mkdirSync(theirs);
    Deno.chmodSync(theirs, 0o755);
    Deno.chownSync(theirs, OTHER_UID, OTHER_UID);
    const env = { VEGAS_CREDENTIALS_CACHE_DIR: `${theirs}/vegas-credentials` };
    const result = await runCli(world.sandbox, ["assume", "--profile=singer"], { env });
    assert.equal(result.code, 0, result.stderr);
    parseCredentialOutput(result.stdout);
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`${theirs} is owned by uid ${OTHER_UID}`));
    assert.match(result.stderr, /VEGAS_CREDENTIALS_CACHE_DIR/);
    let cached: string[] = [];
    try {
      cached = [...Deno.readDirSync(env.VEGAS_CREDENTIALS_CACHE_DIR)].map((e) => e.name);
    } catch { /* never created: fine */ }
    assert.deepEqual(cached.filter((name) => name.endsWith(".json")), []);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test({
  name: "a cache directory another user created first: one warning, the prompt works " +
    "(root only: needs a second user)",
  ignore: !CAN_ACT_AS_OTHER_USER,
}, async () => {
  await using world = await gatedWorld();
  const base = attackerBase();
  try {
    const dir = `${base}/vegas-credentials`;
    Deno.mkdirSync(dir, { mode: 0o700 });
    Deno.chownSync(dir, OTHER_UID, OTHER_UID);
    const env = { VEGAS_CREDENTIALS_CACHE_DIR: dir };
    const result = await runCli(world.sandbox, ["assume", "--profile=singer"], { env });
    assert.equal(result.code, 0, result.stderr);
    parseCredentialOutput(result.stdout);
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`${dir} is owned by uid ${OTHER_UID}`));
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("a shared (sticky, world-writable) cache directory keeps its mode and is not used", async () => {
  await using world = await gatedWorld();
  const shared = `${world.sandbox.home}/shared`;
  Deno.mkdirSync(shared);
  Deno.chmodSync(shared, 0o1777);
  const env = { VEGAS_CREDENTIALS_CACHE_DIR: shared };
  const result = await runCli(world.sandbox, ["assume", "--profile=singer"], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(Deno.statSync(shared).mode! & 0o7777, 0o1777, "the sticky bit was stripped");
  assert.equal(lines(result.stderr).length, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`${shared} is writable by other users`));
  assert.deepEqual([...Deno.readDirSync(shared)].filter((e) => e.name.endsWith(".json")), []);
});

Deno.test("a relative VEGAS_CREDENTIALS_CACHE_DIR is refused with one line", async () => {
  await using world = await gatedWorld();
  const script = `cd "$HOME" && exec vegas-credentials assume --profile=singer`;
  const result = await runCli(world.sandbox, [], {
    command: ["sh", "-c", script],
    env: { VEGAS_CREDENTIALS_CACHE_DIR: "relcache" },
  });
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(lines(result.stderr).length, 1, result.stderr);
  assert.match(result.stderr, /VEGAS_CREDENTIALS_CACHE_DIR 'relcache' is not an absolute path/);
  assert.throws(() => Deno.statSync(`${world.sandbox.home}/relcache`));
});

Deno.test("a cache file is bound to its profile, role and config", async () => {
  await using world = await gatedWorld(
    `\n[profile dancer]\nvegas_role_arn = ${ROLES.withPath}\nvegas_source_profile = default\n`,
  );
  const { sandbox } = world;
  const dancer = await runCli(sandbox, ["assume", "--profile=dancer"]);
  assert.equal(dancer.code, 0, dancer.stderr);
  const dancerKey = parseCredentialOutput(dancer.stdout).AccessKeyId;
  Deno.removeSync(`${sandbox.home}/allow`); // from now on only the cache can answer

  const env = (name: string) => sandbox.env[name];
  const dancerFile = `${sandbox.cacheDir}/${roleCacheName(resolveProfile("dancer", env))}`;
  const singerFile = `${sandbox.cacheDir}/${roleCacheName(resolveProfile("singer", env))}`;
  const hit = await runCli(sandbox, ["assume", "--profile=dancer"]);
  assert.equal(hit.code, 0, "the gate should leave cache hits alone");

  // dancer's credentials put in singer's slot must not be handed out for singer.
  Deno.copyFileSync(dancerFile, singerFile);
  const swapped = await runCli(sandbox, ["assume", "--profile=singer"]);
  assert.ok(!swapped.stdout.includes(dancerKey), "singer got dancer's credentials");
  assert.notEqual(swapped.code, 0);
});

Deno.test("a cache entry claiming to outlive the duration asked for is not trusted", async () => {
  await using world = await gatedWorld();
  const { sandbox } = world;
  const first = await runCli(sandbox, ["assume", "--profile=singer"]);
  assert.equal(first.code, 0, first.stderr);
  Deno.removeSync(`${sandbox.home}/allow`); // from now on only the cache can answer
  const env = (name: string) => sandbox.env[name];
  const file = `${sandbox.cacheDir}/${roleCacheName(resolveProfile("singer", env))}`;
  // 10 days, where the profile asks for the default 1 hour.
  const data = JSON.parse(Deno.readTextFileSync(file));
  data.expiration = new Date(Date.now() + 10 * 86400_000).toISOString();
  Deno.writeTextFileSync(file, JSON.stringify(data), { mode: 0o600 });
  const stretched = await runCli(sandbox, ["assume", "--profile=singer"]);
  assert.equal(stretched.stdout, "", "an entry outliving its duration was used");
  assert.notEqual(stretched.code, 0);
});

Deno.test({
  name: "cache clean leaves other users' files alone (root only: needs a second user)",
  ignore: !CAN_ACT_AS_OTHER_USER,
}, async () => {
  await using world = await gatedWorld();
  const { sandbox } = world;
  const first = await runCli(sandbox, ["assume", "--profile=singer"]);
  assert.equal(first.code, 0, first.stderr);
  const theirs = `${sandbox.cacheDir}/role.theirs.0123456789abcdef.json`;
  Deno.writeTextFileSync(theirs, "{}", { mode: 0o600 });
  Deno.chownSync(theirs, OTHER_UID, OTHER_UID);
  const clean = await runCli(sandbox, ["cache", "clean"]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /Removed 1 role credential file/);
  assert.deepEqual([...Deno.readDirSync(sandbox.cacheDir)].map((e) => e.name), [
    "role.theirs.0123456789abcdef.json",
  ]);
});
