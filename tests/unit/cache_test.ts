import assert from "node:assert/strict";
import { ensureCacheDir, readEntry, writeEntry } from "../../src/cache/store.ts";
import { hash64, roleCacheName, sessionCacheName } from "../../src/cache/key.ts";
import type { ResolvedProfile } from "../../src/config/resolve.ts";
import { cacheDir } from "../../src/cache/key.ts";
import { credentialProcessJson, isFresh } from "../../src/credentials.ts";

const credentials = (secondsLeft: number) => ({
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "secret",
  sessionToken: "token",
  expiration: new Date(Date.now() + secondsLeft * 1000),
});

const entry = (secondsLeft = 3600) => ({
  profile: "p",
  kind: "role" as const,
  createdAt: new Date().toISOString(),
  credentials: credentials(secondsLeft),
});

function withDir(fn: (dir: string) => void) {
  const dir = Deno.makeTempDirSync();
  try {
    fn(`${dir}/cache`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("hash64: stable, 16 hex characters, sensitive to every character", () => {
  assert.equal(hash64("abc"), hash64("abc"));
  assert.match(hash64(""), /^[0-9a-f]{16}$/);
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) seen.add(hash64(`profile-${i}`));
  assert.equal(seen.size, 20000);
  assert.notEqual(hash64("ab"), hash64("ba"));
  assert.notEqual(hash64("a\u0100"), hash64("a\u0000"));
});

Deno.test("cache names change with every value of the STS call", () => {
  const base = {
    profile: "p",
    roleArn: "arn:aws:iam::222222222222:role/R",
    sourceProfile: "default",
    durationSeconds: 3600,
    region: "us-east-1",
    useGlobalEndpoint: false,
    mfaSerial: "arn:aws:iam::111111111111:mfa/u",
    source: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s" },
  } as unknown as ResolvedProfile;
  const name = roleCacheName(base);
  assert.match(name, /^role\.p\.[0-9a-f]{16}\.json$/);
  for (
    const change of [
      { roleArn: "arn:aws:iam::222222222222:role/Other" },
      { sourceProfile: "other" },
      { source: { accessKeyId: "AKIAOTHEROTHEROTHER", secretAccessKey: "s" } },
      { mfaSerial: "arn:aws:iam::111111111111:mfa/v" },
      { durationSeconds: 900 },
      { roleSessionName: "x" },
      { externalId: "xx" },
      { region: "eu-west-1" },
      { endpoint: "http://127.0.0.1:1" },
    ]
  ) assert.notEqual(roleCacheName({ ...base, ...change } as ResolvedProfile), name);
  // The secret key is not part of the name: rotating it keeps cached role credentials valid.
  assert.equal(roleCacheName({ ...base, source: { ...base.source, secretAccessKey: "t" } }), name);
});

Deno.test("cache names of keys in the OS store: the store and entry stand for the key", () => {
  const base = {
    profile: "p",
    roleArn: "arn:aws:iam::222222222222:role/R",
    sourceProfile: "default",
    durationSeconds: 3600,
    region: "us-east-1",
    useGlobalEndpoint: false,
    mfaSerial: "arn:aws:iam::111111111111:mfa/u",
    source: { store: "secret-service", entry: "default" },
  } as unknown as ResolvedProfile;
  const role = roleCacheName(base);
  const session = sessionCacheName(base);
  assert.match(role, /^role\.p\.[0-9a-f]{16}\.json$/);
  for (
    const source of [{ store: "pass", entry: "default" }, { store: "secret-service", entry: "x" }]
  ) {
    assert.notEqual(roleCacheName({ ...base, source }), role);
    assert.notEqual(sessionCacheName({ ...base, source }), session);
  }
  // Moving the keys into the store is a new identity (the commands drop the old entries too).
  const inFile = { ...base, source: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s" } };
  assert.notEqual(roleCacheName(inFile), role);
});

Deno.test("freshness: more than 10 minutes left", () => {
  assert.equal(isFresh(credentials(601)), true);
  assert.equal(isFresh(credentials(599)), false);
  assert.equal(isFresh(credentials(-5)), false);
});

Deno.test("credential_process JSON: Version number, RFC 3339 expiry, one line", () => {
  const text = credentialProcessJson({
    ...credentials(0),
    expiration: new Date("2026-01-02T03:04:05.678Z"),
  });
  assert.equal(
    text,
    '{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","SessionToken":"token","Expiration":"2026-01-02T03:04:05Z"}',
  );
});

Deno.test("cache dir per platform and override", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(cacheDir(env({ HOME: "/h" }), "linux"), "/h/.cache/vegas-credentials");
  assert.equal(
    cacheDir(env({ HOME: "/h", XDG_CACHE_HOME: "/x" }), "linux"),
    "/x/vegas-credentials",
  );
  assert.equal(cacheDir(env({ HOME: "/h" }), "darwin"), "/h/Library/Caches/vegas-credentials");
  assert.equal(cacheDir(env({ LOCALAPPDATA: "C:\\L" }), "windows"), "C:\\L\\vegas-credentials");
  assert.equal(cacheDir(env({ HOME: "/h", VEGAS_CREDENTIALS_CACHE_DIR: "/o" }), "linux"), "/o");
});

Deno.test("cache files: 0700 directory, 0600 file, round trip, old files replaced", () => {
  withDir((dir) => {
    writeEntry(dir, "role.p.aaaa.json", entry(), "role.p.");
    writeEntry(dir, "role.p.bbbb.json", entry(), "role.p.");
    assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700);
    assert.equal(Deno.statSync(`${dir}/role.p.bbbb.json`).mode! & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["role.p.bbbb.json"]);
    const read = readEntry(`${dir}/role.p.bbbb.json`);
    assert.equal(read.entry?.credentials.accessKeyId, "ASIAEXAMPLE");
  });
});

Deno.test("cache files: an existing directory readable by others is used as it is", () => {
  withDir((dir) => {
    Deno.mkdirSync(dir, { mode: 0o755 });
    Deno.chmodSync(dir, 0o755);
    ensureCacheDir(dir); // only we can write to it; its files are 0600
    assert.equal(Deno.statSync(dir).mode! & 0o777, 0o755);
  });
});

Deno.test("cache files: corrupt, truncated, foreign-format, readable by others or symlinked are not trusted", () => {
  withDir((dir) => {
    ensureCacheDir(dir);
    const cases: [string, () => void, RegExp][] = [
      [
        "corrupt",
        () => Deno.writeTextFileSync(`${dir}/corrupt`, "{not json", { mode: 0o600 }),
        /corrupt JSON/,
      ],
      ["truncated", () => {
        writeEntry(dir, "full", entry());
        const text = Deno.readTextFileSync(`${dir}/full`);
        Deno.writeTextFileSync(`${dir}/truncated`, text.slice(0, text.length / 2), { mode: 0o600 });
      }, /corrupt JSON/],
      [
        "foreign",
        () => Deno.writeTextFileSync(`${dir}/foreign`, '{"a":1}', { mode: 0o600 }),
        /expected format/,
      ],
      ["readable", () => {
        writeEntry(dir, "readable", entry());
        Deno.chmodSync(`${dir}/readable`, 0o644);
      }, /lets others read it/],
      ["link", () => {
        writeEntry(dir, "target", entry());
        Deno.symlinkSync(`${dir}/target`, `${dir}/link`);
      }, /symbolic link/],
      ["missing", () => {}, /no cached credentials/],
      // Someone else's file (only root can make one here; CI runs as root).
      ...(Deno.uid() === 0
        ? [["foreign-owner", () => {
          writeEntry(dir, "foreign-owner", entry());
          Deno.chownSync(`${dir}/foreign-owner`, 65534, 65534);
        }, /owned by uid 65534/] as [string, () => void, RegExp]]
        : []),
    ];
    for (const [name, make, reason] of cases) {
      make();
      const read = readEntry(`${dir}/${name}`);
      assert.equal(read.entry, undefined, name);
      assert.match(read.reason!, reason, name);
    }
    // The next write replaces an untrusted file (a symlink is replaced, its target left alone).
    writeEntry(dir, "link", entry());
    assert.equal(Deno.lstatSync(`${dir}/link`).isSymlink, false);
    assert.ok(readEntry(`${dir}/link`).entry);
  });
});

Deno.test("cache files: a reader in another process never sees a partial file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A writer process rewrites a large entry in a loop while this process keeps reading it; a
    // non-atomic write (truncate, then write) shows up here as corrupt JSON.
    const store = new URL("../../src/cache/store.ts", import.meta.url).href;
    const writer = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { writeEntry } from "${store}";
         const token = "t".repeat(512 * 1024);
         for (let i = 0; i < 150; i++) writeEntry("${dir}", "f.json", { profile: "p", kind: "role",
           createdAt: "", credentials: { accessKeyId: "ASIA" + i, secretAccessKey: "s",
           sessionToken: token, expiration: new Date(Date.now() + 3600000) } });`,
      ],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    let reads = 0;
    let torn = 0;
    let done = false;
    const status = writer.status.then((s) => (done = true, s));
    while (!done) {
      const read = readEntry(`${dir}/f.json`);
      if (read.entry) reads++;
      else if (!/no cached credentials/.test(read.reason)) torn++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.equal((await status).success, true);
    assert.equal(torn, 0);
    assert.ok(reads > 0, "the reader never overlapped the writer");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["f.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
