/**
 * Issue 10, the security audit: each test performs the attack or the bad case against one module
 * and checks that it fails safely. The end-to-end counterparts are in tests/e2e/security_*_test.ts.
 */
import assert from "node:assert/strict";
import { ensureCacheDir, readEntry, removeMatching, writeEntry } from "../../src/cache/store.ts";
import { cacheDir } from "../../src/cache/key.ts";
import { commandWord } from "../../src/commands/common.ts";
import { formatVariables } from "../../src/commands/env.ts";
import { VegasError } from "../../src/errors.ts";
import { findOnPath } from "../../src/find_program.ts";
import * as windows from "../../src/mfa/gui/windows.ts";
import { codeDialog } from "../../src/mfa/gui/dialog.ts";
import { describeRequest, type MfaRequest } from "../../src/mfa/types.ts";
import { CAN_ACT_AS_OTHER_USER, OTHER_UID, startSwapper } from "../support/other_user.ts";

const ATTACKER_KEY = "ASIAATTACKERATTACKER";

const genuine = () => ({
  profile: "singer",
  kind: "role" as const,
  roleArn: "arn:aws:iam::222222222222:role/SingerRole",
  createdAt: new Date().toISOString(),
  credentials: {
    accessKeyId: "ASIAGENUINEGENUINE00",
    secretAccessKey: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0",
    sessionToken: "IQoJb3JpZ2luX2VjEgenuine",
    expiration: new Date(Date.now() + 3000_000),
  },
});

/** The genuine file's JSON with the attacker's access key in it. */
function forged(path: string): string {
  const data = JSON.parse(Deno.readTextFileSync(path));
  data.accessKeyId = ATTACKER_KEY;
  return JSON.stringify(data);
}

/**
 * Reads `path` over and over while a swapper flips `watched` (checked with lstat between reads),
 * for at least 300 ms and until `watched` was seen flipping 200 times (at most 10 s). Returns how
 * often the attacker's credentials came back, and how many flips were seen.
 */
function raceReads(path: string, watched: string): { won: number; flips: number } {
  let won = 0;
  let flips = 0;
  let last: number | null = null;
  const started = Date.now();
  while ((Date.now() - started < 300 || flips < 200) && Date.now() - started < 10_000) {
    for (let i = 0; i < 100; i++) {
      if (readEntry(path).entry?.credentials.accessKeyId === ATTACKER_KEY) won++;
      const inode = Deno.lstatSync(watched).ino;
      if (inode !== last) (flips++, last = inode);
    }
  }
  return { won, flips };
}

Deno.test("cache: a file swapped for a symlink between the check and the read is never used", async () => {
  const base = Deno.makeTempDirSync();
  try {
    const dir = `${base}/cache`;
    ensureCacheDir(dir);
    writeEntry(dir, "role.json", genuine());
    Deno.writeTextFileSync(`${dir}/forged.json`, forged(`${dir}/role.json`), { mode: 0o600 });
    Deno.symlinkSync(`${dir}/forged.json`, `${dir}/swap`);
    // The path flips between the genuine file and a symlink to the forged one, all the time.
    await using _swapper = await startSwapper(dir, "role.json", "swap", { sameUser: true });
    const { won, flips } = raceReads(`${dir}/role.json`, `${dir}/role.json`);
    assert.ok(flips >= 200, `the swapper barely ran (${flips} flips seen)`);
    assert.equal(won, 0, `the forged file was used ${won} times`);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test({
  name: "cache: another user swapping directories in an ancestor they own never gets their " +
    "credentials used (root only: needs a second user)",
  ignore: !CAN_ACT_AS_OTHER_USER,
}, async () => {
  const base = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(base, 0o711);
    // The attacker owns the parent of the cache directory (e.g. they created /tmp/cache-$USER).
    const shared = `${base}/shared`;
    Deno.mkdirSync(shared);
    Deno.chmodSync(shared, 0o755);
    Deno.chownSync(shared, OTHER_UID, OTHER_UID);
    const mine = `${base}/mine`;
    writeEntry(mine, "role.json", genuine());
    Deno.mkdirSync(`${shared}/cache`, { mode: 0o700 });
    Deno.renameSync(`${mine}/role.json`, `${shared}/cache/role.json`);
    // The attacker's directory holds their own file under the same name.
    Deno.mkdirSync(`${shared}/evil`, { mode: 0o700 });
    Deno.writeTextFileSync(`${shared}/evil/role.json`, forged(`${shared}/cache/role.json`), {
      mode: 0o600,
    });
    Deno.chownSync(`${shared}/evil/role.json`, OTHER_UID, OTHER_UID);
    Deno.chownSync(`${shared}/evil`, OTHER_UID, OTHER_UID);
    await using _swapper = await startSwapper(shared, "cache", "evil");
    const { won, flips } = raceReads(`${shared}/cache/role.json`, `${shared}/cache`);
    assert.ok(flips >= 200, `the swapper barely ran (${flips} flips seen)`);
    assert.equal(won, 0, `the attacker's file was used ${won} times`);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("cache: an existing directory is never chmodded; a shared one is refused", () => {
  const base = Deno.makeTempDirSync();
  try {
    const readable = `${base}/readable`;
    Deno.mkdirSync(readable);
    Deno.chmodSync(readable, 0o755);
    ensureCacheDir(readable); // readable by others, but only we can write: usable as it is
    assert.equal(Deno.statSync(readable).mode! & 0o7777, 0o755);

    const shared = `${base}/shared`;
    Deno.mkdirSync(shared);
    Deno.chmodSync(shared, 0o1777); // a shared directory, sticky like /tmp
    assert.throws(() => ensureCacheDir(shared), /writable by other users/);
    assert.equal(Deno.statSync(shared).mode! & 0o7777, 0o1777, "its sticky bit was stripped");
    assert.throws(() => writeEntry(shared, "role.json", genuine()), /writable by other users/);
    assert.deepEqual([...Deno.readDirSync(shared)], []);

    const created = `${base}/new/deeper/cache`;
    ensureCacheDir(created);
    for (const dir of [`${base}/new`, `${base}/new/deeper`, created]) {
      assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700, dir);
    }
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test({
  name: "cache clean only removes this user's files (root only: needs a second user)",
  ignore: !CAN_ACT_AS_OTHER_USER,
}, () => {
  const base = Deno.makeTempDirSync();
  try {
    const dir = `${base}/cache`;
    writeEntry(dir, "role.mine.0000000000000000.json", genuine());
    writeEntry(dir, "role.theirs.0000000000000000.json", genuine());
    Deno.chownSync(`${dir}/role.theirs.0000000000000000.json`, OTHER_UID, OTHER_UID);
    assert.equal(removeMatching(dir, (name) => name.startsWith("role.")), 1);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "role.theirs.0000000000000000.json",
    ]);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("cache: a relative VEGAS_CREDENTIALS_CACHE_DIR is refused", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.throws(
    () => cacheDir(env({ HOME: "/h", VEGAS_CREDENTIALS_CACHE_DIR: "cache" }), "linux"),
    /VEGAS_CREDENTIALS_CACHE_DIR 'cache' is not an absolute path/,
  );
  assert.throws(
    () => cacheDir(env({ VEGAS_CREDENTIALS_CACHE_DIR: "cache\\x" }), "windows"),
    /not an absolute path/,
  );
  assert.equal(cacheDir(env({ VEGAS_CREDENTIALS_CACHE_DIR: "C:\\c" }), "windows"), "C:\\c");
  assert.equal(cacheDir(env({ VEGAS_CREDENTIALS_CACHE_DIR: "/o" }), "linux"), "/o");
});

Deno.test("vegas_mfa_process is shown as its program only: no VAR=SECRET prefix", () => {
  assert.equal(commandWord("TOKEN=hunter2 oathtool --totp -b -"), "oathtool …");
  assert.equal(commandWord(`A='x y' B="p q" /opt/my\\ tools/otp`), "/opt/my tools/otp");
  assert.equal(commandWord("'/opt/my tools/otp' --secret s"), "/opt/my tools/otp …");
  assert.equal(commandWord("SECRET=hunter2"), "(a shell command)");
  assert.equal(commandWord("pass-otp"), "pass-otp");
});

Deno.test("env: every format unsets AWS_PROFILE and AWS_DEFAULT_PROFILE", () => {
  const vars: [string, string][] = [["AWS_ACCESS_KEY_ID", "ASIAX"]];
  assert.equal(
    formatVariables(vars, "sh"),
    "unset AWS_PROFILE\nunset AWS_DEFAULT_PROFILE\nexport AWS_ACCESS_KEY_ID='ASIAX'\n",
  );
  assert.equal(
    formatVariables(vars, "fish"),
    "set -e -g AWS_PROFILE;\nset -e -g AWS_DEFAULT_PROFILE;\nset -gx AWS_ACCESS_KEY_ID 'ASIAX';\n",
  );
  assert.equal(
    formatVariables(vars, "powershell"),
    "$Env:AWS_PROFILE = $null\n$Env:AWS_DEFAULT_PROFILE = $null\n" +
      "$Env:AWS_ACCESS_KEY_ID = 'ASIAX'\n",
  );
  assert.deepEqual(JSON.parse(formatVariables(vars, "json")), {
    AWS_PROFILE: null,
    AWS_DEFAULT_PROFILE: null,
    AWS_ACCESS_KEY_ID: "ASIAX",
  });
});

Deno.test("env: a value with a control character is refused, not printed", () => {
  for (const format of ["sh", "fish", "powershell", "json"] as const) {
    assert.throws(
      () => formatVariables([["AWS_REGION", "eu-west-1\nRemove-Item -Recurse ~"]], format),
      (error: Error) =>
        error instanceof VegasError && /AWS_REGION/.test(error.message) &&
        !error.message.includes("Remove-Item"),
      format,
    );
  }
});

Deno.test("prompt: a profile name cannot send escape sequences to the terminal", () => {
  const request = {
    profile: { profile: "a\x1b[2Jb", roleArn: "arn:aws:iam::1:role/R", mfaSerial: "GAHT1" },
  } as unknown as MfaRequest;
  assert.equal(describeRequest(request).includes("\x1b"), false);
});

Deno.test("windows dialog: untrusted text is data, never PowerShell source", () => {
  // U+2019 is a single quote to PowerShell: `’` ends the string, `;` starts a command.
  for (const quote of ["'", "\u2018", "\u2019", "\u201a", "\u201b"]) {
    const profile = `x${quote}; Start-Process calc; ${quote}`;
    const spec = codeDialog({ profile, roleArn: "arn:aws:iam::1:role/R", mfaSerial: "GAHT1" });
    const command = windows.command(spec);
    assert.ok(!command.stdin!.includes("Start-Process"), `${quote}: the name is in the script`);
    assert.ok(JSON.stringify(command).includes("Start-Process"), "the name is passed as data");
  }
});

Deno.test("helper discovery skips relative PATH entries", () => {
  const base = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${base}/bin`);
    Deno.writeTextFileSync(`${base}/bin/ykman`, "#!/bin/sh\n", { mode: 0o755 });
    // The same directory, written relative to the current directory.
    const relative = "../".repeat(Deno.cwd().split("/").filter(Boolean).length) +
      `${base.slice(1)}/bin`;
    assert.equal(Deno.statSync(`${relative}/ykman`).isFile, true);
    const env = (path: string) => (name: string) => name === "PATH" ? path : undefined;
    assert.equal(findOnPath("ykman", env(relative), "linux"), undefined);
    assert.equal(findOnPath("ykman", env(`${relative}:${base}/bin`), "linux"), `${base}/bin/ykman`);
    assert.equal(findOnPath("ykman.exe", env("bin;.\\tools"), "windows"), undefined);
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});
