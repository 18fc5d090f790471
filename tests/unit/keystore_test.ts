/**
 * The OS store backends piece by piece. macOS and Windows cannot run here, so their backends run
 * against stand-ins for `security` and `powershell.exe`: shell scripts that record their argv,
 * environment and stdin and answer as the real programs do. That checks the exact command lines
 * and scripts, the parsing of the answers, and that no secret is ever in argv.
 */
import assert from "node:assert/strict";
import {
  commandLines as macLines,
  failure as macFailure,
  keychain,
  parseDump,
  quoted,
} from "../../src/keystore/macos.ts";
import {
  commandLine as psCommandLine,
  MARKERS,
  parseList,
  script as psScript,
  VARIABLES,
  wincred,
} from "../../src/keystore/windows.ts";
import {
  commandLines as ssLines,
  failure as ssFailure,
  parseSearch,
} from "../../src/keystore/secret_service.ts";
import { failure as passFailure, pass, passName } from "../../src/keystore/pass.ts";
import { runHelper } from "../../src/keystore/helper.ts";
import { openKeystore } from "../../src/keystore/backends.ts";
import { KeystoreError } from "../../src/keystore/types.ts";
import {
  decodeKeys,
  decodeSession,
  encodeKeys,
  encodeSession,
} from "../../src/keystore/payload.ts";
import type { Env } from "../../src/config/files.ts";
import { run } from "../../src/cli/run.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const KEYS = encodeKeys({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET });
const ENTRY = { kind: "keys", profile: 'odd "name" \\ x' } as const;

/** A directory with a stand-in `program` that records argv, environment and stdin. */
function standIn(
  program: string,
  answer: string,
): { env: Env; dir: string; log: () => Record<string, string> } {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-standin-" });
  Deno.writeTextFileSync(
    `${dir}/${program}`,
    [
      "#!/bin/sh",
      `for a in "$@"; do printf '%s\\n' "$a"; done > '${dir}/argv'`,
      `env > '${dir}/env'`,
      `cat > '${dir}/stdin'`,
      answer,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const vars: Record<string, string> = { PATH: dir, HOME: dir };
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return "";
    }
  };
  return {
    env: (name) => vars[name],
    dir,
    log: () => ({ argv: read("argv"), env: read("env"), stdin: read("stdin") }),
  };
}

Deno.test("keychain: the write goes to security -i on stdin; argv holds no secret", async () => {
  const fake = standIn("security", "exit 0");
  try {
    await keychain(fake.env).write(ENTRY, KEYS, "AKIA…MPLE");
    const { argv, stdin } = fake.log();
    assert.equal(argv, "-i\n");
    assert.equal(
      stdin,
      'add-generic-password -U -s "vegas-credentials" -a "odd \\"name\\" \\\\ x" ' +
        '-l "vegas-credentials odd \\"name\\" \\\\ x" -j "AKIA…MPLE" -w ' +
        `"${KEYS.replaceAll('"', '\\"')}"\n`,
    );
    assert.ok(!argv.includes(SECRET));
  } finally {
    Deno.removeSync(fake.dir, { recursive: true });
  }
});

Deno.test("keychain: reads, removes and lists with fixed arguments; answers parsed", async () => {
  const found = standIn("security", `printf '%s\\n' '${KEYS}'`);
  try {
    assert.equal(await keychain(found.env).read({ kind: "session", profile: "p" }), KEYS);
    assert.equal(
      found.log().argv,
      "find-generic-password\n-s\nvegas-credentials-session\n-a\np\n-w\n",
    );
  } finally {
    Deno.removeSync(found.dir, { recursive: true });
  }
  const missing = standIn(
    "security",
    "echo 'security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.' >&2; exit 44",
  );
  try {
    assert.equal(await keychain(missing.env).read(ENTRY), undefined);
    assert.equal(await keychain(missing.env).remove(ENTRY), false);
  } finally {
    Deno.removeSync(missing.dir, { recursive: true });
  }
  assert.deepEqual(macLines.remove({ kind: "keys", profile: "-x" }), [
    "delete-generic-password",
    "-s",
    "vegas-credentials",
    "-a",
    "-x",
  ]);
  assert.deepEqual(macLines.list(), ["dump-keychain"]);
  const locked = macFailure({
    code: 36,
    signal: null,
    stdout: "",
    stderr: "security: SecKeychainItemCopyContent: User interaction is not allowed.\n",
  });
  assert.ok(locked instanceof KeystoreError && locked.problem === "locked");
  assert.match(
    locked.message,
    /^the macOS keychain is locked \(.*User interaction is not allowed\.\): unlock it/,
  );
  assert.throws(() => quoted("a\nb"), /line break/);
});

Deno.test("keychain: dump-keychain output is parsed without any secret in it", () => {
  const dump = [
    'keychain: "/Users/frank/Library/Keychains/login.keychain-db"',
    "version: 512",
    'class: "genp"',
    "attributes:",
    '    0x00000007 <blob>="vegas-credentials default"',
    '    "acct"<blob>="default"',
    '    "icmt"<blob>=0x414B4941E280A64D504C45  "AKIA\\342\\200\\246MPLE"',
    '    "svce"<blob>="vegas-credentials"',
    'keychain: "/Users/frank/Library/Keychains/login.keychain-db"',
    'class: "genp"',
    "attributes:",
    '    "acct"<blob>=0x636166C3A9  "caf\\303\\251"',
    '    "icmt"<blob>=<NULL>',
    '    "svce"<blob>="vegas-credentials-session"',
    'keychain: "/Users/frank/Library/Keychains/login.keychain-db"',
    'class: "genp"',
    "attributes:",
    '    "acct"<blob>="someone"',
    '    "svce"<blob>="another-app"',
    'keychain: "/Users/frank/Library/Keychains/login.keychain-db"',
    'class: "inet"',
    "attributes:",
    '    "acct"<blob>="web"',
    '    "svce"<blob>="vegas-credentials"',
  ].join("\n");
  assert.deepEqual(parseDump(dump), [
    { kind: "keys", profile: "default", hint: "AKIA…MPLE" },
    { kind: "session", profile: "café", hint: undefined },
  ]);
});

Deno.test("wincred: a fixed script as -EncodedCommand, the request in the environment, the secret on stdin", async () => {
  const args = psCommandLine();
  assert.deepEqual(args.slice(0, 3), ["-NoProfile", "-NonInteractive", "-EncodedCommand"]);
  const bytes = Uint8Array.from(atob(args[3]), (char) => char.charCodeAt(0));
  assert.equal(new TextDecoder("utf-16le").decode(bytes), psScript());
  // The script is fixed text: no profile name, no secret, whatever the entry.
  assert.ok(!psScript().includes("default"));
  for (
    const name of [
      "CredReadW",
      "CredWriteW",
      "CredDeleteW",
      "CredEnumerateW",
      "[Console]::In.ReadToEnd()",
    ]
  ) {
    assert.ok(psScript().includes(name), name);
  }

  const fake = standIn("powershell.exe", "exit 0");
  try {
    await wincred(fake.env).write(ENTRY, KEYS, "AKIA…MPLE");
    const { argv, env, stdin } = fake.log();
    assert.equal(argv, args.join("\n") + "\n");
    assert.ok(!argv.includes(SECRET) && !env.includes(SECRET));
    assert.match(env, new RegExp(`^${VARIABLES.operation}=write$`, "m"));
    assert.ok(env.includes(`\n${VARIABLES.target}=vegas-credentials/keys/odd "name" \\ x\n`));
    assert.match(env, new RegExp(`^${VARIABLES.comment}=AKIA…MPLE$`, "m"));
    const sent = new TextDecoder().decode(
      Uint8Array.from(atob(stdin.trim()), (c) => c.charCodeAt(0)),
    );
    assert.equal(sent, KEYS);
  } finally {
    Deno.removeSync(fake.dir, { recursive: true });
  }
});

Deno.test("wincred: answers and Win32 errors are parsed", async () => {
  const secret = btoa(KEYS);
  for (
    const [answer, expected] of [
      [`printf '${MARKERS.secret}${secret}'`, KEYS],
      [`printf '${MARKERS.missing}'`, undefined],
    ] as const
  ) {
    const fake = standIn("powershell.exe", answer);
    try {
      assert.equal(await wincred(fake.env).read(ENTRY), expected);
    } finally {
      Deno.removeSync(fake.dir, { recursive: true });
    }
  }
  const item = btoa("vegas-credentials/keys/default\nAKIA\u2026MPLE".replace("\u2026", "..."));
  assert.deepEqual(parseList(`noise\r\n${MARKERS.item}${item}\r\n`), [
    { kind: "keys", profile: "default", hint: "AKIA...MPLE" },
  ]);
  const failed = standIn("powershell.exe", `echo '${MARKERS.error} 1312' >&2; exit 1`);
  try {
    await assert.rejects(wincred(failed.env).read(ENTRY), (error: KeystoreError) => {
      assert.equal(error.problem, "unavailable");
      assert.match(error.message, /no logon session/);
      return true;
    });
  } finally {
    Deno.removeSync(failed.dir, { recursive: true });
  }
});

Deno.test("secret-service: argv of each operation, search output split over stdout and stderr", () => {
  const entry = { kind: "keys", profile: "-odd" } as const;
  assert.deepEqual(ssLines.lookup(entry), [
    "lookup",
    "--",
    "service",
    "vegas-credentials",
    "kind",
    "keys",
    "profile",
    "-odd",
  ]);
  assert.deepEqual(ssLines.store(entry, "AKIA…MPLE").slice(0, 3), [
    "store",
    "--label=vegas-credentials keys of profile -odd (AKIA…MPLE)",
    "--",
  ]);
  const stdout = "[/1]\nlabel = vegas-credentials keys of profile a (AKIA…MPLE)\nsecret = s\n" +
    "[/2]\nlabel = vegas-credentials MFA session of profile b\n";
  const stderr =
    "attribute.kind = keys\nattribute.profile = a\nattribute.service = vegas-credentials\n" +
    "attribute.profile = b\nattribute.service = vegas-credentials\nattribute.kind = session\n";
  const items = parseSearch(stdout, stderr);
  assert.equal(items.length, 2);
  assert.equal(items[0].get("attribute.profile"), "a");
  assert.equal(items[1].get("attribute.kind"), "session");
  assert.ok(![...items[0].values()].includes("s"), "the secret line is kept");
  const result = (stderr: string, code = 1) => ({ code, signal: null, stdout: "", stderr });
  assert.equal(ssFailure(result("")), undefined);
  assert.equal(
    ssFailure(result("secret-tool: Cannot autolaunch D-Bus without X11 $DISPLAY\n"))?.problem,
    "unavailable",
  );
  assert.equal(
    ssFailure(result("secret-tool: Cannot create an item in a locked collection\n"))?.problem,
    "locked",
  );
  assert.equal(ssFailure(result("", 1), false)?.problem, "failed");
});

Deno.test("pass: entry names, not-set-up stores and gpg's errors", async () => {
  assert.equal(passName({ kind: "keys", profile: "a/b c" }), "vegas-credentials/keys/a%2fb%20c");
  const result = (stderr: string) => ({ code: 1, signal: null, stdout: "", stderr });
  assert.equal(
    passFailure(result("Error: vegas-credentials/keys/x is not in the password store.\n")),
    undefined,
  );
  const locked = passFailure(
    result(
      "gpg: public key decryption failed: Inappropriate ioctl for device\ngpg: decryption failed: No secret key\n",
    ),
  );
  assert.equal(locked?.problem, "locked");
  assert.match(locked!.message, /cannot decrypt the entry \(gpg: public key decryption failed/);
  const dir = Deno.makeTempDirSync();
  try {
    const env: Env = (name) => ({ PASSWORD_STORE_DIR: `${dir}/none`, PATH: "/usr/bin:/bin" })[name];
    await assert.rejects(
      pass(env).read(ENTRY),
      /the pass store is not set up \(no .*\.gpg-id\): run pass init/,
    );
    await assert.rejects(pass(env).list(), /not set up/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("helpers: the secret reaches them on stdin only; no AWS credentials in their environment", async () => {
  const fake = standIn("secret-tool", "exit 0");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "callers-own-secret");
  try {
    await runHelper({
      store: "secret-service",
      program: "secret-tool",
      args: ["store"],
      stdin: SECRET,
      install: "",
    }, fake.env);
    const { argv, env, stdin } = fake.log();
    assert.equal(stdin, SECRET);
    assert.ok(!argv.includes(SECRET) && !env.includes(SECRET));
    assert.doesNotMatch(env, /AWS_SECRET_ACCESS_KEY|callers-own-secret/);
  } finally {
    Deno.env.delete("AWS_SECRET_ACCESS_KEY");
    Deno.removeSync(fake.dir, { recursive: true });
  }
  await assert.rejects(
    runHelper(
      { store: "pass", program: "pass", args: [], install: "apt install pass" },
      () => undefined,
    ),
    (error: KeystoreError) =>
      error.problem === "unavailable" &&
      /pass is not installed .*apt install pass/.test(error.message),
  );
});

Deno.test("backends: the keychain and the Credential Manager only on their own OS", async () => {
  await assert.rejects(
    openKeystore("keychain", () => undefined, "linux"),
    /exists only on macOS: on this system keep the keys in secret-service or pass/,
  );
  await assert.rejects(
    openKeystore("wincred", () => undefined, "darwin"),
    /exists only on Windows: on this system keep the keys in keychain/,
  );
});

Deno.test("payload: keys and sessions round trip; anything else is refused", () => {
  assert.deepEqual(decodeKeys(KEYS), {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: SECRET,
    sessionToken: undefined,
  });
  assert.match(decodeKeys("not json") as string, /not JSON/);
  assert.match(
    decodeKeys('{"Version":1,"AccessKeyId":"nope","SecretAccessKey":"x"}') as string,
    /not an AWS access key id/,
  );
  const session = {
    accessKeyId: "ASIAEXAMPLEEXAMPLE01",
    secretAccessKey: "c2VjcmV0",
    sessionToken: "dG9rZW4=",
    expiration: new Date("2030-01-01T00:00:00Z"),
  };
  const text = encodeSession(session, "session.default.0123456789abcdef.json");
  assert.deepEqual(decodeSession(text, "session.default.0123456789abcdef.json"), session);
  assert.equal(decodeSession(text, "session.default.fedcba9876543210.json"), undefined);
});

Deno.test("keys commands: --help for each, usage errors exit 2 before any store is touched", async () => {
  const env: Env = (name) => ({ HOME: "/nonexistent", PATH: "" })[name];
  const runs = async (args: string[]) => {
    let stdout = "";
    const code = await run(args, env, (text) => stdout += text);
    return { code, stdout };
  };
  for (const name of ["add", "import", "export", "remove", "list"]) {
    const help = await runs(["keys", name, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: vegas-credentials keys ${name}`, "m"));
  }
  for (
    const args of [
      ["keys"],
      ["keys", "add"],
      ["keys", "import", "--profile="],
      ["keys", "export", "-p", "a", "extra"],
      ["keys", "remove", "--force", "-p", "a"],
      ["keys", "list", "--profile=a"],
      ["keys", "import", "-p", "a", "--dry"],
      ["keys", "ad", "-p", "a"],
    ]
  ) {
    const result = await runs(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stdout, "");
  }
});
