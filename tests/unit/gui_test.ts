/**
 * GUI dialogs: exact command lines and result parsing for every dialog program and OS, the choice
 * of dialog per OS, and the `gui` input against fake dialog programs.
 */
import assert from "node:assert/strict";
import * as zenity from "../../src/mfa/gui/zenity.ts";
import * as kdialog from "../../src/mfa/gui/kdialog.ts";
import * as qarma from "../../src/mfa/gui/qarma.ts";
import * as matedialog from "../../src/mfa/gui/matedialog.ts";
import * as osascript from "../../src/mfa/gui/osascript.ts";
import * as windows from "../../src/mfa/gui/windows.ts";
import {
  codeDialog,
  type DialogSpec,
  guiAvailability,
  guiDriver,
  passwordDialog,
} from "../../src/mfa/gui/mod.ts";
import {
  MfaCancelled,
  type MfaInput,
  MfaInputError,
  type MfaRequest,
} from "../../src/mfa/types.ts";
import type { ResolvedProfile } from "../../src/config/resolve.ts";
import type { Ui } from "../../src/ui.ts";

const SUBJECT = {
  profile: "singer",
  roleArn: "arn:aws:iam::222222222222:role/deploy_ci/SingerRole",
  mfaSerial: "arn:aws:iam::111111111111:mfa/FrankSinatra",
};

const CODE: DialogSpec = {
  title: "vegas-credentials: MFA code for singer",
  text: "Enter the MFA code for profile singer\n" +
    "Role: arn:aws:iam::222222222222:role/deploy_ci/SingerRole\n" +
    "MFA device: arn:aws:iam::111111111111:mfa/FrankSinatra",
  hidden: false,
};

const HIDDEN: DialogSpec = { title: "Pass 'word\"", text: 'a\\b "q" it\'s', hidden: true };

const result = (code: number, stdout = "", stderr = "") => ({ code, stdout, stderr });

Deno.test("codeDialog names the profile, the role and the MFA device", () => {
  assert.deepEqual(codeDialog(SUBJECT), CODE);
  const retry = codeDialog(SUBJECT, "STS rejected that code.");
  assert.equal(retry.text, `STS rejected that code.\n\n${CODE.text}`);
});

Deno.test("passwordDialog is hidden and names the YubiKey and the profile", () => {
  const spec = passwordDialog(SUBJECT, { serial: "12345678" });
  assert.equal(spec.hidden, true);
  assert.equal(spec.title, "vegas-credentials: YubiKey 12345678 OATH password");
  assert.match(spec.text, /OATH accounts on the YubiKey 12345678 are password-protected/);
  assert.match(spec.text, /profile singer\nRole: arn:aws:iam::222222222222:role\/deploy_ci\//);
  assert.match(spec.text, /MFA device: arn:aws:iam::111111111111:mfa\/FrankSinatra$/);
  assert.match(passwordDialog(SUBJECT, { retry: true }).text, /^Wrong password, try again\./);
  assert.equal(passwordDialog(SUBJECT, {}).title, "vegas-credentials: YubiKey OATH password");
});

Deno.test("zenity: exact command line, GTK escapes for underscores and backslashes", () => {
  assert.deepEqual(zenity.command(CODE), {
    cmd: "zenity",
    args: [
      "--entry",
      "--title",
      "vegas-credentials: MFA code for singer",
      "--text",
      "Enter the MFA code for profile singer\n" +
      "Role: arn:aws:iam::222222222222:role/deploy__ci/SingerRole\n" +
      "MFA device: arn:aws:iam::111111111111:mfa/FrankSinatra",
      "--width",
      "460",
    ],
  });
  assert.deepEqual(zenity.command(HIDDEN, "/usr/bin/zenity"), {
    cmd: "/usr/bin/zenity",
    args: [
      "--entry",
      "--hide-text",
      "--title",
      "Pass 'word\"",
      "--text",
      'a\\\\b "q" it\'s',
      "--width",
      "460",
    ],
  });
});

Deno.test("matedialog takes zenity's arguments; qarma without GTK escapes or --width", () => {
  assert.deepEqual(matedialog.command(CODE, "/usr/bin/matedialog"), {
    ...zenity.command(CODE),
    cmd: "/usr/bin/matedialog",
  });
  assert.deepEqual(qarma.command(HIDDEN), {
    cmd: "qarma",
    args: ["--entry", "--hide-text", "--title", "Pass 'word\"", "--text", 'a\\b "q" it\'s'],
  });
  assert.deepEqual(qarma.command(CODE).args, [
    "--entry",
    "--title",
    CODE.title,
    "--text",
    CODE.text,
  ]);
});

Deno.test("zenity family: exit codes", () => {
  for (const dialog of [zenity, matedialog, qarma]) {
    assert.deepEqual(dialog.parse(result(0, "123456\n")), { kind: "answer", text: "123456" });
    assert.deepEqual(dialog.parse(result(0, " pass word \n")), {
      kind: "answer",
      text: " pass word ",
    });
    assert.deepEqual(
      dialog.parse(
        result(1, "", "Gtk-Message: 10:00:00.000: GtkDialog mapped without a transient"),
      ),
      { kind: "cancelled" },
    );
    // A dead display also exits 1: not a cancel, or the race would end.
    assert.deepEqual(
      dialog.parse(result(1, "", "(zenity:1): Gtk-WARNING **: 02:10: cannot open display: :77")),
      {
        kind: "error",
        message: `${dialog.name} failed (exit code 1): ` +
          "(zenity:1): Gtk-WARNING **: 02:10: cannot open display: :77",
      },
    );
    assert.deepEqual(dialog.parse(result(5)), {
      kind: "error",
      message: `${dialog.name} dialog timed out`,
    });
    assert.deepEqual(dialog.parse(result(255, "", "boom\n")), {
      kind: "error",
      message: `${dialog.name} failed (exit code 255): boom`,
    });
  }
});

Deno.test("kdialog: --inputbox, --password for hidden input, exit codes", () => {
  assert.deepEqual(kdialog.command(CODE), {
    cmd: "kdialog",
    args: ["--title", CODE.title, "--inputbox", CODE.text, ""],
  });
  assert.deepEqual(kdialog.command(HIDDEN, "/opt/kdialog"), {
    cmd: "/opt/kdialog",
    args: ["--title", HIDDEN.title, "--password", HIDDEN.text],
  });
  // The password prompt is rich text: escaped, with <br> for line breaks.
  assert.deepEqual(kdialog.command({ title: "T", text: "a<b> & c\nd", hidden: true }).args, [
    "--title",
    "T",
    "--password",
    "a&lt;b&gt; &amp; c<br>d",
  ]);
  assert.deepEqual(kdialog.parse(result(0, "654321\n")), { kind: "answer", text: "654321" });
  assert.deepEqual(kdialog.parse(result(1)), { kind: "cancelled" });
  assert.deepEqual(
    kdialog.parse(result(134, "", "qt.qpa.xcb: could not connect to display :77\n")),
    {
      kind: "error",
      message: "kdialog failed (exit code 134): qt.qpa.xcb: could not connect to display :77",
    },
  );
});

Deno.test("osascript: display dialog with title, buttons and escaped text", () => {
  assert.deepEqual(osascript.command(CODE), {
    cmd: "osascript",
    args: [
      "-e",
      'display dialog "Enter the MFA code for profile singer\\n' +
      "Role: arn:aws:iam::222222222222:role/deploy_ci/SingerRole\\n" +
      'MFA device: arn:aws:iam::111111111111:mfa/FrankSinatra" default answer "" ' +
      'with title "vegas-credentials: MFA code for singer" ' +
      'buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel"',
    ],
  });
  assert.deepEqual(osascript.command(HIDDEN, "/usr/bin/osascript"), {
    cmd: "/usr/bin/osascript",
    args: [
      "-e",
      'display dialog "a\\\\b \\"q\\" it\'s" default answer "" with hidden answer ' +
      'with title "Pass \'word\\"" buttons {"Cancel", "OK"} default button "OK" ' +
      'cancel button "Cancel"',
    ],
  });
});

Deno.test("osascript: text returned, User canceled (-128), errors", () => {
  assert.deepEqual(osascript.parse(result(0, "button returned:OK, text returned:123456\n")), {
    kind: "answer",
    text: "123456",
  });
  assert.deepEqual(osascript.parse(result(0, "button returned:OK, text returned:a, b:c\n")), {
    kind: "answer",
    text: "a, b:c",
  });
  assert.deepEqual(
    osascript.parse(result(1, "", "0:150: execution error: User canceled. (-128)\n")),
    { kind: "cancelled" },
  );
  assert.deepEqual(osascript.parse(result(0, "button returned:OK\n")), {
    kind: "error",
    message: "osascript printed no answer",
  });
  assert.deepEqual(osascript.parse(result(1, "", "0:5: syntax error: Expected end of line\n")), {
    kind: "error",
    message: "osascript failed (exit code 1): 0:5: syntax error: Expected end of line",
  });
});

Deno.test("windows: PowerShell with the WinForms script on stdin, masked only when hidden", () => {
  const visible = windows.command(CODE);
  assert.equal(visible.cmd, "powershell.exe");
  assert.deepEqual(visible.args, ["-NoProfile", "-NonInteractive", "-Command", "-"]);
  const lines = visible.stdin!.split("\r\n");
  assert.equal(lines.at(-1), "");
  assert.ok(lines.includes("$form.Text = $env:VEGAS_DIALOG_TITLE"));
  assert.ok(lines.includes("$label.Text = $env:VEGAS_DIALOG_TEXT"));
  assert.deepEqual(visible.env, {
    VEGAS_DIALOG_TITLE: "vegas-credentials: MFA code for singer",
    VEGAS_DIALOG_TEXT: "Enter the MFA code for profile singer\r\n" +
      "Role: arn:aws:iam::222222222222:role/deploy_ci/SingerRole\r\n" +
      "MFA device: arn:aws:iam::111111111111:mfa/FrankSinatra",
  });
  assert.ok(!visible.stdin!.includes("UseSystemPasswordChar"));
  assert.ok(
    lines.includes(
      "if ($form.ShowDialog() -eq [System.Windows.Forms.DialogResult]::OK) " +
        "{ [Console]::Out.Write('vegas-answer:' + $box.Text) }",
    ),
  );
  const hidden = windows.command(HIDDEN, "C:\\Windows\\System32\\powershell.exe");
  assert.equal(hidden.cmd, "C:\\Windows\\System32\\powershell.exe");
  const hiddenLines = hidden.stdin!.split("\r\n");
  assert.ok(hiddenLines.includes("$box.UseSystemPasswordChar = $true"));
  assert.equal(hidden.env?.VEGAS_DIALOG_TITLE, `Pass 'word"`);
  assert.equal(hidden.env?.VEGAS_DIALOG_TEXT, `a\\b "q" it's`);
  // The script is the same fixed text whatever the dialog says.
  assert.equal(hidden.stdin, windows.script({ hidden: true }));
  // Nothing but fixed flags on the command line.
  assert.deepEqual(hidden.args, visible.args);
});

Deno.test("windows: marker + answer, empty output = cancelled, errors", () => {
  assert.deepEqual(windows.parse(result(0, "vegas-answer:123456")), {
    kind: "answer",
    text: "123456",
  });
  assert.deepEqual(windows.parse(result(0, "noise\r\nvegas-answer: p w \r\n")), {
    kind: "answer",
    text: " p w ",
  });
  assert.deepEqual(windows.parse(result(0, "")), { kind: "cancelled" });
  assert.deepEqual(windows.parse(result(0, "\r\n")), { kind: "cancelled" });
  assert.deepEqual(windows.parse(result(1, "", "Add-Type : Cannot add type.\r\n")), {
    kind: "error",
    message: "PowerShell dialog failed (exit code 1): Add-Type : Cannot add type.",
  });
});

/** A temporary directory with fake executables; removed on dispose. */
function fakeBin(names: readonly string[], body = "#!/bin/sh\nexit 0\n") {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-gui-" });
  for (const name of names) Deno.writeTextFileSync(`${dir}/${name}`, body, { mode: 0o755 });
  return {
    dir,
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

const envOf = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("guiAvailability on Linux/BSD: needs a display, then zenity, kdialog, qarma, matedialog", () => {
  using bin = fakeBin(["matedialog", "qarma", "kdialog"]);
  Deno.writeTextFileSync(`${bin.dir}/zenity`, "not executable", { mode: 0o644 });
  const path = `/nonexistent:${bin.dir}`;
  assert.deepEqual(guiAvailability(envOf({ PATH: path }), "linux"), {
    reason: "no desktop session (DISPLAY and WAYLAND_DISPLAY are not set)",
  });
  assert.deepEqual(guiAvailability(envOf({ PATH: path, DISPLAY: ":0" }), "linux"), {
    driver: "kdialog",
    path: `${bin.dir}/kdialog`,
  });
  Deno.chmodSync(`${bin.dir}/zenity`, 0o755);
  assert.deepEqual(
    guiAvailability(envOf({ PATH: path, WAYLAND_DISPLAY: "wayland-0" }), "freebsd"),
    {
      driver: "zenity",
      path: `${bin.dir}/zenity`,
    },
  );
  Deno.removeSync(`${bin.dir}/zenity`);
  Deno.removeSync(`${bin.dir}/kdialog`);
  assert.equal(guiAvailability(envOf({ PATH: path, DISPLAY: ":0" }), "linux").driver, "qarma");
  Deno.removeSync(`${bin.dir}/qarma`);
  assert.equal(guiAvailability(envOf({ PATH: path, DISPLAY: ":0" }), "linux").driver, "matedialog");
  Deno.removeSync(`${bin.dir}/matedialog`);
  assert.deepEqual(guiAvailability(envOf({ PATH: path, DISPLAY: ":0" }), "linux"), {
    reason: "none of zenity, kdialog, qarma, matedialog is installed",
  });
  assert.deepEqual(
    guiAvailability(envOf({ PATH: path, DISPLAY: ":0" }), "linux", { noGui: true }),
    {
      reason: "turned off (--no-gui or VEGAS_CREDENTIALS_NO_GUI)",
    },
  );
});

Deno.test("guiAvailability on macOS: osascript, not over SSH", () => {
  using bin = fakeBin(["osascript"]);
  assert.deepEqual(guiAvailability(envOf({ PATH: bin.dir }), "darwin"), {
    driver: "osascript",
    path: `${bin.dir}/osascript`,
  });
  assert.deepEqual(guiAvailability(envOf({ PATH: bin.dir, SSH_CONNECTION: "1 2 3 4" }), "darwin"), {
    reason: "SSH session: no desktop to show a dialog on",
  });
});

Deno.test("guiAvailability on Windows: powershell.exe through PATH and PATHEXT", () => {
  using bin = fakeBin(["powershell.exe"]);
  assert.deepEqual(guiAvailability(envOf({ PATH: `C:\\nowhere;${bin.dir}` }), "windows"), {
    driver: "powershell",
    path: `${bin.dir}/powershell.exe`,
  });
  assert.deepEqual(guiAvailability(envOf({ PATH: "C:\\nowhere" }), "windows"), {
    reason: "powershell.exe not found",
  });
  assert.deepEqual(guiAvailability(envOf({ PATH: bin.dir, SSH_TTY: "/dev/pts/1" }), "windows"), {
    reason: "SSH session: no desktop to show a dialog on",
  });
});

// --- the gui input against a fake zenity (Linux only: the fakes are shell scripts) ---

function fakeRequest(env: Record<string, string>, noGui = false): MfaRequest {
  const profile = {
    profile: "singer",
    roleArn: SUBJECT.roleArn,
    mfaSerial: SUBJECT.mfaSerial,
    yubikeyLabel: SUBJECT.mfaSerial,
    origins: {},
  } as unknown as ResolvedProfile;
  const ui = {
    options: { verbose: false, color: false, emoji: false, noGui },
    console: undefined,
    info() {},
    debug() {},
    error() {},
  } as unknown as Ui;
  return { profile, attempt: 1, ui, env: envOf(env), childEnv: { VEGAS_TEST_CHILD: "1" } };
}

/** A fake zenity that plays `script` (a shell snippet) and logs its arguments. */
function fakeZenity(script: string) {
  const bin = fakeBin([]);
  Deno.writeTextFileSync(
    `${bin.dir}/zenity`,
    `#!/bin/sh\nprintf '%s\\n' "$@" "--" >> "${bin.dir}/argv"\n` +
      `echo "$VEGAS_TEST_CHILD" > "${bin.dir}/child-env"\n${script}\n`,
    { mode: 0o755 },
  );
  return bin;
}

function detectGui(request: MfaRequest): MfaInput {
  const input = guiDriver.detect(request);
  if (typeof input === "string") throw new Error(`gui not detected: ${input}`);
  return input;
}

Deno.test("gui input: the typed code, with the child environment", async () => {
  using bin = fakeZenity("echo '123 456'");
  const request = fakeRequest({ PATH: bin.dir, DISPLAY: ":0" });
  const input = detectGui(request);
  assert.equal(input.name, "gui");
  assert.equal(input.generator, false);
  assert.equal(await input.read(request, new AbortController().signal), "123456");
  const argv = Deno.readTextFileSync(`${bin.dir}/argv`);
  assert.match(argv, /^--entry\n--title\nvegas-credentials: MFA code for singer\n--text\n/);
  assert.equal(Deno.readTextFileSync(`${bin.dir}/child-env`), "1\n");
});

Deno.test("gui input: Cancel is MfaCancelled, a broken dialog an MfaInputError", async () => {
  {
    using bin = fakeZenity("exit 1");
    const request = fakeRequest({ PATH: bin.dir, DISPLAY: ":0" });
    await assert.rejects(
      detectGui(request).read(request, new AbortController().signal),
      MfaCancelled,
    );
  }
  {
    using bin = fakeZenity("echo 'cannot open display: :9' >&2; exit 1");
    const request = fakeRequest({ PATH: bin.dir, DISPLAY: ":9" });
    await assert.rejects(
      detectGui(request).read(request, new AbortController().signal),
      (error: unknown) =>
        error instanceof MfaInputError && /zenity failed \(exit code 1\)/.test(error.message),
    );
  }
});

Deno.test("gui input: asks again after an answer that is not 6 digits", async () => {
  using bin = fakeZenity(
    `if [ -e "$(dirname "$0")/asked" ]; then echo 654321; else touch "$(dirname "$0")/asked"; echo 12a; fi`,
  );
  const request = fakeRequest({ PATH: bin.dir, DISPLAY: ":0" });
  assert.equal(await detectGui(request).read(request, new AbortController().signal), "654321");
  const calls = Deno.readTextFileSync(`${bin.dir}/argv`).split("--\n").filter(Boolean);
  assert.equal(calls.length, 2);
  assert.match(calls[1], /--text\nThe MFA code is 6 digits\.\n\nEnter the MFA code/);
});

Deno.test("gui input: abort closes the dialog at once", async () => {
  using bin = fakeZenity(`echo $$ > "$(dirname "$0")/pid"; exec sleep 30`);
  const request = fakeRequest({ PATH: bin.dir, DISPLAY: ":0" });
  const controller = new AbortController();
  const reading = detectGui(request).read(request, controller.signal);
  for (let i = 0; i < 100; i++) {
    try {
      if (Deno.readTextFileSync(`${bin.dir}/pid`).trim()) break;
    } catch { /* not started yet */ }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = Number(Deno.readTextFileSync(`${bin.dir}/pid`));
  const started = Date.now();
  controller.abort();
  await assert.rejects(reading, MfaInputError);
  assert.ok(Date.now() - started < 2000);
  assert.throws(() => Deno.statSync(`/proc/${pid}`));
});

Deno.test("gui input: unavailable with --no-gui or without a display", () => {
  using bin = fakeZenity("echo 123456");
  assert.equal(
    guiDriver.detect(fakeRequest({ PATH: bin.dir, DISPLAY: ":0" }, true)),
    "turned off (--no-gui or VEGAS_CREDENTIALS_NO_GUI)",
  );
  assert.equal(
    guiDriver.detect(fakeRequest({ PATH: bin.dir })),
    "no desktop session (DISPLAY and WAYLAND_DISPLAY are not set)",
  );
});
