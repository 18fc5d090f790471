/**
 * YubiKey input: ykman's command line, reading its output and errors, finding ykman, and the
 * password flow against a fake ykman (password on stdin only).
 */
import assert from "node:assert/strict";
import { findYkman, parseYkman, ykmanArgs, yubikeyDriver } from "../../src/mfa/yubikey_input.ts";
import {
  MfaCancelled,
  type MfaInput,
  MfaInputError,
  type MfaRequest,
} from "../../src/mfa/types.ts";
import type { ResolvedProfile } from "../../src/config/resolve.ts";
import type { Ui } from "../../src/ui.ts";
import type { Console } from "../../src/terminal.ts";

const LABEL = "arn:aws:iam::111111111111:mfa/FrankSinatra";
const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });
const failed = (stderr: string, code = 1) => ({ code, stdout: "", stderr });
const context = { label: LABEL, passwordSent: false };

Deno.test("ykman arguments: --device only with a serial, the label as the single query", () => {
  assert.deepEqual(ykmanArgs({ yubikeyLabel: LABEL }), [
    "oath",
    "accounts",
    "code",
    "--single",
    LABEL,
  ]);
  assert.deepEqual(ykmanArgs({ yubikeySerial: "12345678", yubikeyLabel: "aws:work" }), [
    "--device",
    "12345678",
    "oath",
    "accounts",
    "code",
    "--single",
    "aws:work",
  ]);
});

Deno.test("ykman output: the 6-digit code", () => {
  assert.deepEqual(parseYkman(ok("123456\n"), context), { kind: "code", code: "123456" });
  assert.deepEqual(parseYkman(ok("\r\n012345\r\n"), context), { kind: "code", code: "012345" });
  assert.deepEqual(parseYkman(ok("12345678\n"), context), {
    kind: "error",
    message: `OATH account '${LABEL}' gives 8-digit codes; AWS needs 6`,
  });
  assert.deepEqual(parseYkman(ok(""), context), {
    kind: "error",
    message: "ykman printed no 6-digit code",
  });
});

Deno.test("ykman password errors: locked key vs wrong password", () => {
  const stderr = "Error: Authentication to the YubiKey failed. Wrong password?\n";
  assert.deepEqual(parseYkman(failed(stderr), context), { kind: "password-required" });
  assert.deepEqual(parseYkman(failed(stderr), { ...context, passwordSent: true }), {
    kind: "wrong-password",
  });
});

Deno.test("ykman errors map to clear messages", () => {
  const cases: [string, string, string?][] = [
    [
      "Error: No YubiKey detected!\n",
      "No YubiKey detected (plug it in; on Linux the pcscd service must run: " +
      "sudo apt install pcscd && sudo systemctl enable --now pcscd)",
    ],
    [
      "Error: Multiple YubiKeys detected. Use --device SERIAL to specify which one to use.\n",
      "several YubiKeys are plugged in: set vegas_yubikey_serial to the one to use " +
      "(`ykman list --serials`)",
    ],
    [
      "Error: Failed connecting to a YubiKey with serial: 99.\nMake sure the application has " +
      "the required permissions.\n",
      "No YubiKey with serial 99 detected (vegas_yubikey_serial; `ykman list --serials` shows " +
      "the keys plugged in)",
      "99",
    ],
    [
      "Error: No matching account found.\n",
      `YubiKey 99 has no OATH account '${LABEL}' (set vegas_yubikey_label; ` +
      "`ykman oath accounts list` shows them)",
      "99",
    ],
    [
      "Error: Multiple matches, please make the query more specific.\n\naws:a\naws:b\n",
      `several OATH accounts on the YubiKey match '${LABEL}': set vegas_yubikey_label to the ` +
      "full account name",
    ],
    ["Touch your YubiKey...\nError: Touch account timed out!\n", "YubiKey was not touched in time"],
    [
      "Error: Command 'oath' requires one of the following USB interfaces to be enabled: 'CCID'.",
      "the YubiKey's smart card (CCID) interface is off: ykman config usb --enable CCID",
    ],
    [
      "Error: Failed to establish context: SCardEstablishContext failed\n",
      "cannot reach the smart card service; on Linux the pcscd service must run: " +
      "sudo apt install pcscd && sudo systemctl enable --now pcscd",
    ],
    ["Traceback…\nValueError: odd\n", "ykman failed (exit code 1): ValueError: odd"],
  ];
  for (const [stderr, message, serial] of cases) {
    assert.deepEqual(parseYkman(failed(stderr), { ...context, serial }), {
      kind: "error",
      message,
    }, stderr);
  }
  assert.deepEqual(
    parseYkman(
      failed(
        "WARNING: PC/SC not available. Smart card protocols will not function.\n" +
          "Error: Failed connecting to a YubiKey with serial: 123.\n",
      ),
      { ...context, serial: "123" },
    ),
    {
      kind: "error",
      message:
        "No YubiKey with serial 123 detected (vegas_yubikey_serial; `ykman list --serials` " +
        "shows the keys plugged in); on Linux the pcscd service must run: " +
        "sudo apt install pcscd && sudo systemctl enable --now pcscd",
    },
  );
  assert.deepEqual(parseYkman(failed("", -1), context), {
    kind: "error",
    message: "ykman failed (killed)",
  });
});

/** A temporary directory; removed on dispose. */
function tempDir() {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-yk-" });
  return { dir, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

const envOf = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("findYkman: vegas_ykman_path, then PATH, never a shell", () => {
  using tmp = tempDir();
  const ykman = `${tmp.dir}/ykman`;
  Deno.writeTextFileSync(ykman, "#!/bin/sh\n", { mode: 0o755 });
  Deno.writeTextFileSync(`${tmp.dir}/plain`, "", { mode: 0o644 });
  assert.deepEqual(findYkman({}, envOf({ PATH: `/nonexistent:${tmp.dir}` }), "linux"), {
    path: ykman,
    origin: "PATH",
  });
  assert.deepEqual(findYkman({ ykmanPath: ykman }, envOf({ PATH: "" }), "linux"), {
    path: ykman,
    origin: "vegas_ykman_path",
  });
  assert.deepEqual(findYkman({ ykmanPath: "~/ykman" }, envOf({ HOME: tmp.dir }), "linux"), {
    path: ykman,
    origin: "vegas_ykman_path",
  });
  assert.deepEqual(findYkman({ ykmanPath: `${tmp.dir}/plain` }, envOf({}), "linux"), {
    reason: `vegas_ykman_path '${tmp.dir}/plain' is not an executable file`,
  });
  assert.deepEqual(findYkman({}, envOf({ PATH: "/nonexistent" }), "linux"), {
    reason: "ykman is not installed (not on PATH; set vegas_ykman_path)",
  });
  Deno.renameSync(ykman, `${tmp.dir}/ykman.exe`);
  assert.deepEqual(findYkman({}, envOf({ PATH: tmp.dir }), "windows"), {
    path: `${tmp.dir}/ykman.exe`,
    origin: "PATH",
  });
});

// --- the driver against a fake ykman (a shell script) ---

interface FakeConsole extends Console {
  readonly written: string[];
  readonly hiddenReads: number;
}

function fakeConsole(answers: (string | undefined)[]): FakeConsole {
  const written: string[] = [];
  let hiddenReads = 0;
  return {
    isStdio: false,
    written,
    get hiddenReads() {
      return hiddenReads;
    },
    write: (text) => void written.push(text),
    notice: (text) => void written.push(`${text}\n`),
    readLine: (_signal, options) => {
      if (options?.hidden) hiddenReads++;
      return Promise.resolve(answers.shift());
    },
  };
}

function request(
  options: {
    env?: Record<string, string>;
    console?: Console;
    mfaInputs?: string[];
    serial?: string;
    info?: string[];
  },
): MfaRequest {
  const profile = {
    profile: "singer",
    roleArn: "arn:aws:iam::222222222222:role/SingerRole",
    mfaSerial: LABEL,
    yubikeyLabel: LABEL,
    yubikeySerial: options.serial,
    mfaInputs: options.mfaInputs,
    origins: { yubikeyLabel: "default (mfa_serial)" },
  } as unknown as ResolvedProfile;
  const ui = {
    options: { verbose: false, color: false, emoji: false, noGui: false },
    console: options.console,
    info: (text: string) => options.info?.push(text),
    debug() {},
    error() {},
  } as unknown as Ui;
  return { profile, attempt: 1, ui, env: envOf(options.env ?? {}), childEnv: {} };
}

/**
 * A fake ykman: logs argv and stdin per call, wants `password` on stdin when given, prints the
 * touch prompt when `touch`.
 */
function fakeYkman(dir: string, options: { password?: string; touch?: boolean } = {}) {
  const path = `${dir}/ykman`;
  Deno.writeTextFileSync(`${dir}/expected`, options.password ?? "");
  Deno.writeTextFileSync(
    path,
    [
      "#!/bin/sh",
      `d='${dir}'`,
      `printf '%s\\n' "$@" "--" >> "$d/argv"`,
      `IFS= read -r line || line=''`,
      `printf '%s\\n' "$line" >> "$d/stdin"`,
      `if [ -s "$d/expected" ] && [ "$line" != "$(cat "$d/expected")" ]; then`,
      `  echo 'Error: Authentication to the YubiKey failed. Wrong password?' >&2; exit 1`,
      "fi",
      options.touch ? "echo 'Touch your YubiKey...' >&2; sleep 0.2" : "",
      "echo 424242",
    ].join("\n") + "\n",
    { mode: 0o755 },
  );
  return path;
}

function detect(req: MfaRequest): MfaInput {
  const input = yubikeyDriver.detect(req);
  if (typeof input === "string") throw new Error(`yubikey not detected: ${input}`);
  return input;
}

const signal = () => new AbortController().signal;

Deno.test("yubikey input: code from ykman, touch prompt forwarded, an empty stdin line", async () => {
  using tmp = tempDir();
  fakeYkman(tmp.dir, { touch: true });
  const info: string[] = [];
  const req = request({ env: { PATH: tmp.dir }, serial: "12345678", info });
  const input = detect(req);
  assert.equal(input.generator, true);
  assert.equal(await input.read(req, signal()), "424242");
  assert.equal(
    Deno.readTextFileSync(`${tmp.dir}/argv`),
    `--device\n12345678\noath\naccounts\ncode\n--single\n${LABEL}\n--\n`,
  );
  assert.equal(Deno.readTextFileSync(`${tmp.dir}/stdin`), "\n");
  assert.deepEqual(info, ["Touch your YubiKey… (MFA code for profile singer)"]);
});

Deno.test("yubikey input: password asked hidden on a free terminal, sent on stdin only", async () => {
  using tmp = tempDir();
  fakeYkman(tmp.dir, { password: "s3cret pw" });
  const console = fakeConsole(["wrong", "s3cret pw"]);
  const req = request({ env: { PATH: tmp.dir }, console, mfaInputs: ["yubikey"] });
  assert.equal(await detect(req).read(req, signal()), "424242");
  assert.equal(console.hiddenReads, 2);
  assert.deepEqual(console.written, [
    "OATH password of the YubiKey (profile singer): ",
    "Wrong password. OATH password of the YubiKey (profile singer): ",
  ]);
  assert.equal(Deno.readTextFileSync(`${tmp.dir}/stdin`), "\nwrong\ns3cret pw\n");
  assert.ok(!Deno.readTextFileSync(`${tmp.dir}/argv`).includes("s3cret"));
  assert.ok(!Deno.readTextFileSync(`${tmp.dir}/argv`).includes("--password"));
  // Remembered for this process: a retry in the next TOTP window does not ask again.
  assert.equal(await detect(req).read(req, signal()), "424242");
  assert.equal(console.hiddenReads, 2);
});

Deno.test("yubikey input: three wrong passwords, or an empty answer (Ctrl-D) to cancel", async () => {
  using tmp = tempDir();
  fakeYkman(tmp.dir, { password: "right" });
  const serial = "777";
  {
    const console = fakeConsole(["a", "b", "c"]);
    const req = request({ env: { PATH: tmp.dir }, console, mfaInputs: ["yubikey"], serial });
    await assert.rejects(
      detect(req).read(req, signal()),
      (error: unknown) =>
        error instanceof MfaInputError && error.message === "wrong YubiKey OATH password",
    );
  }
  {
    const console = fakeConsole([undefined]);
    const req = request({ env: { PATH: tmp.dir }, console, mfaInputs: ["yubikey"], serial });
    await assert.rejects(detect(req).read(req, signal()), MfaCancelled);
  }
});

Deno.test("yubikey input: no password prompt on a terminal the MFA prompt is reading", async () => {
  using tmp = tempDir();
  fakeYkman(tmp.dir, { password: "right" });
  const console = fakeConsole(["right"]);
  const req = request({ env: { PATH: tmp.dir }, console, serial: "888" });
  await assert.rejects(
    detect(req).read(req, signal()),
    (error: unknown) =>
      error instanceof MfaInputError && /ykman oath access remember/.test(error.message),
  );
  assert.equal(console.hiddenReads, 0);
});

Deno.test("yubikey input: unavailable without ykman", () => {
  assert.equal(
    yubikeyDriver.detect(request({ env: { PATH: "/nonexistent" } })),
    "ykman is not installed (not on PATH; set vegas_ykman_path)",
  );
});
