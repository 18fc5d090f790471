/**
 * The cached provider (src/assume/cached.ts) on a real private cache directory with the real
 * per-device lock: hits, misses, two callers on one lock, the holder's MFA outcome shared with a
 * waiter in another process, and an unsafe directory.
 */
import assert from "node:assert/strict";
import { cachedCredentials, type CacheSlot, readFresh } from "../../src/assume/cached.ts";
import { acquireLock, readOutcome } from "../../src/cache/lock.ts";
import { readEntry } from "../../src/cache/read.ts";
import { writeEntry } from "../../src/cache/store.ts";
import type { Credentials } from "../../src/credentials.ts";
import { MfaFailed } from "../../src/mfa/types.ts";
import { Ui } from "../../src/ui.ts";

const NAME = "role.singer.0123456789abcdef.json";

/** The real Ui, keeping its lines instead of writing them to the terminal. */
class RecordingUi extends Ui {
  readonly infoLines: string[] = [];
  readonly debugLines: string[] = [];
  /** Called with every line (info or debug). */
  onLine: (text: string) => void = () => {};
  constructor() {
    super({ verbose: false, color: false, emoji: false, noGui: true });
  }
  override info(text: string): void {
    this.infoLines.push(text);
    this.onLine(text);
  }
  override debug(text: string): void {
    this.debugLines.push(text);
    this.onLine(text);
  }
}

/** A temporary directory holding a private (0700) cache directory. */
function tempCache() {
  const root = Deno.makeTempDirSync({ prefix: "vegas-cached-" });
  const dir = `${root}/cache`;
  Deno.mkdirSync(dir, { mode: 0o700 });
  Deno.chmodSync(dir, 0o700);
  const slot: CacheSlot = {
    dir,
    name: NAME,
    replacesPrefix: "role.singer.",
    meta: {
      profile: "singer",
      kind: "role",
      roleArn: "arn:aws:iam::222222222222:role/SingerRole",
      mfaSerial: "arn:aws:iam::111111111111:mfa/singer",
      durationSeconds: 3600,
    },
  };
  return {
    root,
    dir,
    slot,
    path: `${dir}/${NAME}`,
    lockPath: `${dir}/mfa.0123456789abcdef.lock`,
    [Symbol.dispose]() {
      Deno.removeSync(root, { recursive: true });
    },
  };
}

function credentials(secondsLeft: number, id: string): Credentials {
  return {
    accessKeyId: `ASIA${id}`,
    secretAccessKey: `test-secret-${id}`,
    sessionToken: `test-token-${id}`,
    expiration: new Date(Date.now() + secondsLeft * 1000),
  };
}

function store(slot: CacheSlot, stored: Credentials) {
  writeEntry(slot.dir, slot.name, {
    ...slot.meta,
    createdAt: new Date().toISOString(),
    credentials: stored,
  });
}

/** A promise with its resolve function, to order the steps of two callers. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => open = resolve);
  return { promise, open };
}

/** Fails instead of hanging when what the test waits for never comes (the code is broken). */
async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The line a caller shows (or logs, on the holder's own terminal) while it waits for the lock. */
const isWaitingLine = (text: string) =>
  text.startsWith("Waiting for another vegas-credentials prompt for the same MFA device");

Deno.test("readFresh: a fresh entry is returned; a stale or missing one is not", () => {
  using cache = tempCache();
  const ui = new RecordingUi();
  assert.equal(readFresh(cache.slot, ui), undefined); // missing
  const fresh = credentials(3000, "FRESH");
  store(cache.slot, fresh);
  assert.deepEqual(readFresh(cache.slot, ui), fresh);
  // The profile's own refresh window counts, not only the default margin.
  assert.equal(readFresh({ ...cache.slot, refreshWithinSeconds: 3100 }, ui), undefined);
  store(cache.slot, credentials(300, "STALE")); // within the 10-minute margin
  assert.equal(readFresh(cache.slot, ui), undefined);
  assert.deepEqual(ui.infoLines, []); // why not is for --verbose only
  assert.ok(ui.debugLines.includes("cached role credentials expire within 10 minutes"));
});

Deno.test("cachedCredentials: a fresh entry is returned without fetching or taking the lock", async () => {
  using cache = tempCache();
  const fresh = credentials(3000, "FRESH");
  store(cache.slot, fresh);
  let calls = 0;
  const got = await cachedCredentials({
    slot: cache.slot,
    ui: new RecordingUi(),
    lockPath: cache.lockPath,
    lockTimeoutMs: 1_000,
    fetchFresh: () => {
      calls++;
      return Promise.resolve(credentials(3600, "NEW"));
    },
  });
  assert.deepEqual(got, fresh);
  assert.equal(calls, 0);
  assert.throws(() => Deno.lstatSync(cache.lockPath), Deno.errors.NotFound);
});

for (const state of ["missing", "stale"] as const) {
  Deno.test(`cachedCredentials: a ${state} entry is fetched once under the lock and cached 0600`, async () => {
    using cache = tempCache();
    if (state === "stale") store(cache.slot, credentials(300, "STALE"));
    const older = `${cache.dir}/role.singer.fedcba9876543210.json`; // the profile's old config hash
    Deno.writeTextFileSync(older, "{}", { mode: 0o600 });
    const fetched = credentials(3600, "NEW");
    let calls = 0;
    let probe: ReturnType<typeof acquireLock> | undefined;
    const got = await cachedCredentials({
      slot: cache.slot,
      ui: new RecordingUi(),
      lockPath: cache.lockPath,
      lockTimeoutMs: 1_000,
      fetchFresh: async () => {
        calls++;
        // Someone else asking for the lock now has to wait: fetchFresh runs under it.
        const waiting = gate();
        probe = acquireLock(cache.lockPath, 5_000, () => waiting.open());
        await within(
          Promise.race([
            waiting.promise,
            probe.then(() => Promise.reject(new Error("the lock was free during fetchFresh"))),
          ]),
          "the probe to wait for the lock",
        );
        return fetched;
      },
    });
    assert.deepEqual(got, fetched);
    assert.equal(calls, 1);
    // Released afterwards: the probe gets it.
    const held = await within(probe!, "the lock to be released");
    assert.equal(held.waited, true);
    held[Symbol.dispose]();

    assert.equal(Deno.statSync(cache.path).mode! & 0o777, 0o600);
    assert.deepEqual(readEntry(cache.path, cache.slot.meta).entry?.credentials, fetched);
    assert.throws(() => Deno.lstatSync(older), Deno.errors.NotFound);
  });
}

/**
 * Starts a holder whose fetchFresh waits for `release`, and returns once it is inside fetchFresh
 * (so it holds the lock).
 */
async function startHolder(
  cache: ReturnType<typeof tempCache>,
  fetch: () => Promise<Credentials>,
) {
  const inside = gate();
  const release = gate();
  const holder = {
    calls: 0,
    release: release.open,
    result: cachedCredentials({
      slot: cache.slot,
      ui: new RecordingUi(),
      lockPath: cache.lockPath,
      lockTimeoutMs: 5_000,
      fetchFresh: async () => {
        holder.calls++;
        inside.open();
        await release.promise;
        return fetch();
      },
    }),
  };
  holder.result.catch(() => {}); // awaited by the test
  await within(inside.promise, "the holder to fetch");
  return holder;
}

/** A second caller in this process, fetching `own` if it gets to fetch. */
function startWaiter(cache: ReturnType<typeof tempCache>, own: Credentials) {
  const ui = new RecordingUi();
  const waiting = gate();
  ui.onLine = (text) => {
    if (isWaitingLine(text)) waiting.open();
  };
  const waiter = {
    calls: 0,
    /** Resolves when it says that it waits for the lock. */
    waiting: within(waiting.promise, "the second caller to wait for the lock"),
    result: cachedCredentials({
      slot: cache.slot,
      ui,
      lockPath: cache.lockPath,
      lockTimeoutMs: 5_000,
      fetchFresh: () => {
        waiter.calls++;
        return Promise.resolve(own);
      },
    }),
  };
  waiter.result.catch(() => {}); // awaited by the test
  return waiter;
}

Deno.test("cachedCredentials: two callers on one lock fetch once; the waiter reads the holder's entry", async () => {
  using cache = tempCache();
  const fetched = credentials(3600, "HOLDER");
  const holder = await startHolder(cache, () => Promise.resolve(fetched));
  try {
    const waiter = startWaiter(cache, credentials(3600, "WAITER"));
    await waiter.waiting;
    holder.release();
    assert.deepEqual(await holder.result, fetched);
    assert.deepEqual(await within(waiter.result, "the waiter to end"), fetched);
    assert.equal(holder.calls + waiter.calls, 1);
  } finally {
    holder.release();
    await holder.result.catch(() => {});
  }
});

Deno.test("cachedCredentials: an error that is not an MFA outcome is not shared; the waiter fetches itself", async () => {
  using cache = tempCache();
  const holder = await startHolder(cache, () => Promise.reject(new Error("STS unreachable")));
  try {
    const own = credentials(3600, "WAITER");
    const waiter = startWaiter(cache, own);
    await waiter.waiting;
    holder.release();
    await assert.rejects(holder.result, /^Error: STS unreachable$/);
    assert.deepEqual(await within(waiter.result, "the waiter to end"), own);
    assert.equal(waiter.calls, 1);
  } finally {
    holder.release();
    await holder.result.catch(() => {});
  }
});

/**
 * A caller waiting on the lock in another process, as parallel invocations are: it prints `waiting`
 * when it waits for the lock, then its result as one line of JSON. (A waiter in this process would
 * leave its abandoned lock() pending past the test when it gives up on the holder's outcome.)
 */
const WAITER_SCRIPT = (cached: string, ui: string) => `
import { cachedCredentials } from ${JSON.stringify(cached)};
import { Ui } from ${JSON.stringify(ui)};
const [slot, lockPath] = [JSON.parse(Deno.args[0]), Deno.args[1]];
class Watching extends Ui {
  override info(text: string) { this.debug(text); }
  override debug(text: string) { if (text.startsWith("Waiting for another")) console.log("waiting"); }
}
let fetched = 0;
try {
  await cachedCredentials({
    slot, lockPath, lockTimeoutMs: 5000,
    ui: new Watching({ verbose: false, color: false, emoji: false, noGui: true }),
    fetchFresh: () => {
      fetched++;
      return Promise.resolve({ accessKeyId: "ASIAWAITER", secretAccessKey: "s",
        expiration: new Date(Date.now() + 3600000) });
    },
  });
  console.log(JSON.stringify({ result: "credentials", fetched }));
} catch (error) {
  console.log(JSON.stringify({ result: error.name, message: error.message, outcome: error.outcome, fetched }));
}
`;

/** Starts {@link WAITER_SCRIPT} on `cache`; dispose it to end it and read its pipes to the end. */
function spawnWaiter(cache: ReturnType<typeof tempCache>) {
  const script = `${cache.root}/waiter.ts`;
  Deno.writeTextFileSync(
    script,
    WAITER_SCRIPT(
      new URL("../../src/assume/cached.ts", import.meta.url).href,
      new URL("../../src/ui.ts", import.meta.url).href,
    ),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-lock",
      "--no-config",
      script,
      JSON.stringify(cache.slot),
      cache.lockPath,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = [gate<string>(), gate<string>()]; // `waiting`, then the result
  let out = "";
  const stdout = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      out += chunk;
      out.split("\n").slice(0, -1).forEach((line, i) => lines[i]?.open(line));
    }
    lines.forEach((line) => line.open("(ended)"));
  })();
  return {
    /** The first line: `waiting` once it waits for the lock. */
    waiting: within(lines[0].promise, "the other process to wait for the lock"),
    /** Its result, parsed. */
    result: async () => {
      const line = await within(lines[1].promise, "the other process to end its call");
      try {
        return JSON.parse(line);
      } catch {
        await finish();
        throw new Error(`the other process printed ${line}: ${await stderr}`);
      }
    },
    /** Its exit status and stderr, once it ended. */
    ended: finish,
    async [Symbol.asyncDispose]() {
      try {
        child.kill();
      } catch { /* ended already */ }
      await finish();
    },
  };
  async function finish() {
    const status = await child.status;
    await stdout;
    return { code: status.code, stderr: await stderr };
  }
}

Deno.test("cachedCredentials: the holder's MfaFailed ends a waiting process with the same message, without its fetch", async () => {
  using cache = tempCache();
  const message = "MFA prompt cancelled by user (terminal)";
  const holder = await startHolder(
    cache,
    () => Promise.reject(new MfaFailed(message, "cancelled")),
  );
  try {
    await using waiter = spawnWaiter(cache);
    assert.equal(await waiter.waiting, "waiting");
    holder.release();
    await assert.rejects(holder.result, (error: Error) => error instanceof MfaFailed);
    assert.deepEqual(await waiter.result(), {
      result: "MfaFailed",
      message,
      outcome: "cancelled",
      fetched: 0,
    });
    const { code, stderr } = await waiter.ended();
    assert.equal(code, 0, stderr);
    assert.equal(holder.calls, 1);
    assert.doesNotMatch(Deno.readTextFileSync(cache.lockPath), /ASIA|secret|token/i);
  } finally {
    holder.release(); // first: the other process may be waiting for its lock
    await holder.result.catch(() => {});
  }
});

Deno.test("cachedCredentials: a waiting process sees an outcome recorded while the lock is still held", async () => {
  using cache = tempCache();
  // The holder records its outcome, then takes its time to exit (other cleanups, Ctrl-C handling).
  const holder = await acquireLock(cache.lockPath, 1_000);
  let held = true;
  const release = () => {
    if (held) holder[Symbol.dispose]();
    held = false;
  };
  try {
    await using waiter = spawnWaiter(cache);
    assert.equal(await waiter.waiting, "waiting");
    const message =
      "no MFA code within 60 s for profile 'singer' (set vegas_mfa_timeout to wait longer)";
    holder.record({ kind: "timeout", message });
    // It answers while the lock is still held: from the outcome, not from the lock.
    assert.deepEqual(await waiter.result(), {
      result: "MfaFailed",
      message,
      outcome: "timeout",
      fetched: 0,
    });
    release(); // its abandoned lock() ends once granted, and the process with it
    const { code, stderr } = await waiter.ended();
    assert.equal(code, 0, stderr);
  } finally {
    release();
  }
});

Deno.test("cachedCredentials: an outcome left by an earlier holder is not this call's", async () => {
  using cache = tempCache();
  const earlier = await acquireLock(cache.lockPath, 1_000);
  earlier.record({ kind: "cancelled", message: "MFA prompt cancelled by user (terminal)" });
  earlier[Symbol.dispose]();
  const recorded = readOutcome(cache.lockPath, 0)!.at;
  while (Date.now() <= recorded) { /* into the next millisecond: strictly before this call */ }
  const fetched = credentials(3600, "NEW");
  let calls = 0;
  const got = await cachedCredentials({
    slot: cache.slot,
    ui: new RecordingUi(),
    lockPath: cache.lockPath,
    lockTimeoutMs: 1_000,
    fetchFresh: () => {
      calls++;
      return Promise.resolve(fetched);
    },
  });
  assert.deepEqual(got, fetched);
  assert.equal(calls, 1);
});

Deno.test("cachedCredentials: an unsafe cache directory (0777) is neither read nor written", async () => {
  using cache = tempCache();
  store(cache.slot, credentials(3000, "PLANTED"));
  const before = Deno.readTextFileSync(cache.path);
  Deno.chmodSync(cache.dir, 0o777);
  const ui = new RecordingUi();
  const fetched = credentials(3600, "NEW");
  let calls = 0;
  const got = await cachedCredentials({
    slot: cache.slot,
    ui,
    lockPath: undefined, // as assume passes it when ensureCacheDir refused the directory
    lockTimeoutMs: 1_000,
    fetchFresh: () => {
      calls++;
      return Promise.resolve(fetched);
    },
  });
  assert.deepEqual(got, fetched);
  assert.equal(calls, 1);
  assert.equal(Deno.readTextFileSync(cache.path), before);
  assert.deepEqual([...Deno.readDirSync(cache.dir)].map((item) => item.name), [NAME]);
  assert.deepEqual(ui.infoLines, []); // the caller reported the location once already
});
