/**
 * Issue 10: the parts the fixes are built from — the text sanitiser, the credential alphabet, the
 * helpers' environment, the cache location rules, the cache binding, the config file modes.
 */
import assert from "node:assert/strict";
import { colour, hasControlCharacter, printable } from "../../src/sanitize.ts";
import { checkedStsCredentials, credentialsProblem } from "../../src/credential_check.ts";
import { helperEnvironment } from "../../src/mfa/helper_env.ts";
import { describeCommand, shellCommand } from "../../src/mfa/process_input.ts";
import { runChild } from "../../src/mfa/spawn.ts";
import {
  cacheLocationProblem,
  ensureCacheDir,
  readEntry,
  UnsafeCacheLocation,
  writeEntry,
} from "../../src/cache/store.ts";
import { sharedFileWarnings } from "../../src/config/file_safety.ts";
import { receivesTerminalSignals } from "../../src/commands/exec.ts";
import { VegasError } from "../../src/errors.ts";
import { CAN_ACT_AS_OTHER_USER, OTHER_UID } from "../support/other_user.ts";

const credentials = {
  accessKeyId: "ASIAEXAMPLEEXAMPLE00",
  secretAccessKey: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0",
  sessionToken: "IQoJb3JpZ2luX2VjE+/=",
  expiration: new Date(Date.now() + 3000_000),
};

function withBase(fn: (base: string) => void | Promise<void>) {
  return async () => {
    const base = Deno.makeTempDirSync();
    try {
      await fn(base);
    } finally {
      Deno.removeSync(base, { recursive: true });
    }
  };
}

Deno.test("printable: terminal controls become visible escapes, text and line breaks stay", () => {
  assert.equal(printable("plain text, tabs\tand\nlines"), "plain text, tabs\tand\nlines");
  assert.equal(printable("a\x1b]0;title\x07b"), "a\\x1b]0;title\\x07b");
  assert.equal(printable("CSI \x9b2J, DEL \x7f, CR \r"), "CSI \\x9b2J, DEL \\x7f, CR \\x0d");
  assert.equal(printable("line\r\nnext"), "line\nnext");
  assert.equal(printable("\u202eevil\u2066"), "\\u202eevil\\u2066");
  assert.equal(printable("café ☕"), "café ☕");
  assert.equal(hasControlCharacter("a\tb"), true);
  assert.equal(hasControlCharacter("eu-west-1"), false);
});

Deno.test("STS credentials outside their alphabet are refused, naming the field only", () => {
  assert.equal(credentialsProblem(credentials), undefined);
  const bad: [Partial<typeof credentials>, RegExp][] = [
    [{ accessKeyId: "ASIA\nX" }, /AccessKeyId/],
    [{ accessKeyId: "ASIA'X" }, /AccessKeyId/],
    [{ secretAccessKey: "abc\x1b[2J" }, /SecretAccessKey/],
    [{ sessionToken: "tok en" }, /SessionToken/],
    [{ expiration: new Date("nonsense") }, /Expiration/],
  ];
  for (const [change, field] of bad) {
    assert.throws(
      () => checkedStsCredentials("AssumeRole", { ...credentials, ...change }),
      (error: Error) =>
        error instanceof VegasError && field.test(error.message) &&
        !error.message.includes("ASIA") && !error.message.includes("abc"),
    );
  }
});

Deno.test("helper environment: no AWS credential or profile variable, the rest kept", () => {
  const parent = {
    PATH: "/usr/bin",
    HOME: "/h",
    AWS_ACCESS_KEY_ID: "k",
    aws_secret_access_key: "s",
    AWS_SESSION_TOKEN: "t",
    AWS_SECURITY_TOKEN: "t",
    AWS_PROFILE: "p",
    AWS_DEFAULT_PROFILE: "p",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1/",
    AWS_CONTAINER_AUTHORIZATION_TOKEN: "c",
    AWS_WEB_IDENTITY_TOKEN_FILE: "/t",
    AWS_ROLE_ARN: "arn",
    AWS_REGION: "eu-west-1",
    AWS_CONFIG_FILE: "/h/.aws/config",
  };
  assert.deepEqual(helperEnvironment({ EXTRA: "1" }, parent), {
    PATH: "/usr/bin",
    HOME: "/h",
    AWS_REGION: "eu-west-1",
    AWS_CONFIG_FILE: "/h/.aws/config",
    EXTRA: "1",
  });
});

Deno.test("vegas_mfa_process: the line is read by the shell from stdin, the command's stdin is empty", async () => {
  const line = `printf 'argv:%s\\n' "$0"; cat; echo "done $((6 * 7))"`;
  const shell = shellCommand(line, "linux");
  const result = await runChild(shell.cmd, shell.args, {
    signal: new AbortController().signal,
    stdin: shell.stdin,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "argv:/bin/sh\ndone 42\n");
  assert.equal(describeCommand("  op read 'op://vault/aws/otp'  "), "op …");
  assert.equal(describeCommand(`"/opt/x y/bin/otp"`), "/opt/x y/bin/otp");
  assert.equal(describeCommand("TOKEN=s3cr3t;oathtool"), "(a shell command)");
  assert.equal(describeCommand("$(cat ~/.otp-command)"), "(a shell command)");
  assert.equal(describeCommand("gen;rm -rf ~"), "gen …");
});

Deno.test("exec: who gets a terminal's Ctrl-C by itself", () => {
  // This process has no controlling terminal here (or is not in its foreground group in CI).
  const child = new Deno.Command("setsid", { args: ["sleep", "5"] }).spawn();
  try {
    assert.equal(receivesTerminalSignals(child.pid, "linux"), false);
  } finally {
    child.kill("SIGKILL");
  }
  assert.equal(receivesTerminalSignals(child.pid, "windows"), true);
  assert.equal(receivesTerminalSignals(2 ** 30, "linux"), false, "a process that is gone");
});

Deno.test(
  "cache location: ancestors writable by others refused unless sticky and root's",
  withBase((base) => {
    assert.equal(cacheLocationProblem(`${base}/cache`), undefined); // not there yet: fine
    ensureCacheDir(`${base}/cache`);
    assert.equal(cacheLocationProblem(`${base}/cache`), undefined);
    Deno.chmodSync(base, 0o777);
    assert.match(cacheLocationProblem(`${base}/cache`)!, /is writable by other users \(mode 777\)/);
    assert.equal(readEntry(`${base}/cache/role.json`).reason?.includes("not safe"), true);
    Deno.chmodSync(base, 0o1777); // sticky, but ours rather than root's (unless root runs this)
    const sticky = cacheLocationProblem(`${base}/cache`);
    assert.equal(sticky === undefined, Deno.uid() === 0);
    Deno.chmodSync(base, 0o770);
    assert.throws(() => ensureCacheDir(`${base}/cache`), UnsafeCacheLocation);
    Deno.chmodSync(base, 0o700);
    // A symlinked component of our own is followed and its target checked.
    Deno.symlinkSync(`${base}/cache`, `${base}/link`);
    assert.equal(cacheLocationProblem(`${base}/link`), undefined);
    Deno.chmodSync(`${base}/cache`, 0o775);
    assert.match(cacheLocationProblem(`${base}/link`)!, /cache is writable by other users/);
  }),
);

Deno.test({
  name: "cache location: an ancestor or a symlink owned by another user is refused (root only)",
  ignore: !CAN_ACT_AS_OTHER_USER,
  fn: withBase((base) => {
    Deno.mkdirSync(`${base}/theirs/mine`, { recursive: true, mode: 0o700 });
    Deno.chownSync(`${base}/theirs`, OTHER_UID, OTHER_UID);
    assert.match(
      cacheLocationProblem(`${base}/theirs/mine`)!,
      new RegExp(`${base}/theirs is owned by uid ${OTHER_UID}, neither by you nor by root`),
    );
    Deno.mkdirSync(`${base}/real`, { mode: 0o700 });
    Deno.symlinkSync(`${base}/real`, `${base}/link`);
    const chown = new Deno.Command("chown", { args: ["-h", `${OTHER_UID}`, `${base}/link`] });
    assert.equal(chown.outputSync().success, true);
    assert.match(cacheLocationProblem(`${base}/link`)!, /is a symbolic link owned by uid 65534/);
  }),
});

Deno.test(
  "cache binding: another slot's entry, a changed role or an over-long expiry is a miss",
  withBase((base) => {
    const dir = `${base}/cache`;
    const meta = {
      profile: "singer",
      kind: "role" as const,
      roleArn: "arn:aws:iam::2:role/Singer",
      mfaSerial: "GAHT12345678",
      durationSeconds: 3600,
    };
    writeEntry(dir, "role.singer.1.json", { ...meta, createdAt: "", credentials });
    assert.ok(readEntry(`${dir}/role.singer.1.json`, meta).entry);
    Deno.copyFileSync(`${dir}/role.singer.1.json`, `${dir}/role.dancer.1.json`);
    assert.match(readEntry(`${dir}/role.dancer.1.json`).reason!, /another file name/);
    assert.match(
      readEntry(`${dir}/role.singer.1.json`, { ...meta, roleArn: "arn:aws:iam::2:role/Other" })
        .reason!,
      /written for another profile, role/,
    );
    const long = { ...credentials, expiration: new Date(Date.now() + 7200_000) };
    writeEntry(dir, "role.singer.2.json", { ...meta, createdAt: "", credentials: long });
    assert.match(
      readEntry(`${dir}/role.singer.2.json`, meta).reason!,
      /claims to last \d+ s, more than the 3600 s asked for/,
    );
    // A non-ASCII profile name survives the ASCII file format.
    writeEntry(dir, "role.caf%c3%a9.1.json", {
      ...meta,
      profile: "café",
      createdAt: "",
      credentials,
    });
    assert.equal(
      readEntry(`${dir}/role.caf%c3%a9.1.json`, { ...meta, profile: "café" }).entry?.profile,
      "café",
    );
  }),
);

Deno.test(
  "doctor's file checks: writable config, keys in a readable file, a writable directory",
  withBase((base) => {
    const configFile = `${base}/config`;
    const credentialsFile = `${base}/credentials`;
    Deno.writeTextFileSync(configFile, "", { mode: 0o600 });
    Deno.writeTextFileSync(credentialsFile, "", { mode: 0o600 });
    Deno.chmodSync(base, 0o700);
    const keys = new Map([["default", new Map([["aws_secret_access_key", "s"]])]]);
    const none = new Map<string, Map<string, string>>();
    const files = (configKeys: typeof keys) => ({
      configFile,
      credentialsFile,
      config: configKeys,
      credentials: keys,
    });
    assert.deepEqual(sharedFileWarnings(files(none), "linux"), []);
    Deno.chmodSync(configFile, 0o664);
    Deno.chmodSync(credentialsFile, 0o644);
    const found = sharedFileWarnings(files(none), "linux").map((w) => `${w.message} | ${w.fix}`);
    assert.deepEqual(found, [
      `config file ${configFile} has mode 664: other users can change it, and through ` +
      `credential_process or vegas_mfa_process run commands as you | chmod go-w ${configFile}`,
      `credentials file ${credentialsFile} holds secret keys and has mode 644: other users can ` +
      `read them | chmod 600 ${credentialsFile}`,
    ]);
    // Keys in a readable config file; a group-writable ~/.aws.
    Deno.chmodSync(configFile, 0o644);
    Deno.chmodSync(credentialsFile, 0o600);
    Deno.chmodSync(base, 0o770);
    const more = sharedFileWarnings(files(keys), "linux").map((w) => w.fix);
    assert.deepEqual(more, [`chmod go-w ${base}`, `chmod 600 ${configFile}`, `chmod go-w ${base}`]);
    assert.deepEqual(sharedFileWarnings(files(keys), "windows"), []);
  }),
);

Deno.test("colour: our marks become colours only after outside text was made inert", () => {
  assert.equal(printable(colour("32", "ok")), "\x1b[32mok\x1b[0m");
  // Outside text with an escape inside a coloured cell stays visible and inert.
  assert.equal(printable(colour("31", "a\x1b]0;title\x07")), "\x1b[31ma\\x1b]0;title\\x07\x1b[0m");
  // Marks in outside text can produce a colour at most, never another sequence.
  assert.equal(printable("\uE0002;\uE001x"), "\uE0002;\uE001x");
});
