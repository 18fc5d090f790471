import assert from "node:assert/strict";
import { firstValidName, passwdFullName, sanitiseSessionName } from "../../src/session_name.ts";
import { parseArgs } from "../../src/cli/args.ts";
import { findCommand } from "../../src/cli/run.ts";
import { UsageError } from "../../src/errors.ts";
import { codeFromOutput, shellCommand } from "../../src/mfa/process_input.ts";
import { normaliseCode } from "../../src/mfa/types.ts";
import { msUntilNextWindow, TEST_CLOCK_OFFSET_ENV, totpNow } from "../../src/assume/mfa_retry.ts";
import { CLOCK_OFFSET_ENV, msUntilNextStep } from "../support/totp.ts";
import { optionsFromEnv } from "../../src/ui.ts";

Deno.test("session names: sanitised like STS wants, 2-64 characters", () => {
  assert.equal(sanitiseSessionName("Frank Sinatra (The Voice)"), "FrankSinatraTheVoice");
  assert.equal(sanitiseSessionName("a".repeat(80)).length, 64);
  assert.equal(sanitiseSessionName("é@x+=,.-_"), "@x+=,.-_");
  assert.equal(firstValidName(["  ", "ö", "frank", "host"]), "frank");
  assert.equal(firstValidName([undefined, undefined]), "vegas-credentials");
  assert.equal(
    passwdFullName(
      "root:x:0:0:root:/root:/bin/sh\nfs:x:1000:1000:Frank Sinatra,,,:/home/fs:/bin/sh\n",
      1000,
    ),
    "Frank Sinatra",
  );
  assert.equal(passwdFullName("fs:x:1000:1000::/home/fs:/bin/sh\n", 1000), undefined);
});

Deno.test("args: every form of --profile", () => {
  const specs = { profile: { type: "string", short: "p", description: "" } } as const;
  for (const args of [["--profile=x"], ["--profile", "x"], ["-p", "x"], ["-px"], ["-p=x"]]) {
    assert.equal(parseArgs(args, specs).values.profile, "x", args.join(" "));
  }
  assert.throws(() => parseArgs(["--profile"], specs), /needs a value/);
  assert.throws(
    () => parseArgs(["--profil=x"], specs),
    (e: unknown) => e instanceof UsageError && /did you mean --profile/.test(e.message),
  );
  assert.deepEqual(parseArgs(["a", "--", "-p", "b"], specs).rest, ["-p", "b"]);
});

Deno.test("args: the command is found around global flags", () => {
  assert.equal(findCommand(["--no-gui", "assume", "-p", "x"]).command?.name, "assume");
  assert.equal(findCommand(["-p", "version", "assume"]).command?.name, "assume");
  assert.equal(findCommand(["nope"]).command, undefined);
});

Deno.test("mfa codes: 6 digits, spaces allowed, last token of a command's output", () => {
  assert.equal(normaliseCode(" 123 456\n"), "123456");
  assert.equal(normaliseCode("12345"), undefined);
  assert.equal(normaliseCode("1234567"), undefined);
  assert.equal(normaliseCode("abcdef"), undefined);
  assert.equal(codeFromOutput("Touch your key\nCode: 123456\n"), "123456");
  assert.equal(codeFromOutput("111111 then 222222"), "222222");
  assert.equal(codeFromOutput("serial 12345678, no code"), undefined);
  const unix = shellCommand("op item get x --otp", "linux");
  assert.equal(unix.cmd, "/bin/sh");
  assert.equal(unix.stdin, "op item get x --otp");
  assert.ok(!unix.args.join(" ").includes("op item"), "the line is not on the command line");
  assert.equal(shellCommand("x", "windows").cmd, "cmd.exe");
});

Deno.test("totp window: waits into the next 30-second step", () => {
  assert.equal(msUntilNextWindow(30_000 * 100 + 29_000), 2_000);
  assert.equal(msUntilNextWindow(30_000 * 100), 31_000);
});

Deno.test("totp window: the test clock offset shifts the windows, the same name as the suite's", () => {
  assert.equal(TEST_CLOCK_OFFSET_ENV, CLOCK_OFFSET_ENV);
  const envWith = (offset?: string) => (name: string) =>
    name === TEST_CLOCK_OFFSET_ENV ? offset : undefined;
  const shift = (offset?: string) => {
    const before = Date.now();
    const now = totpNow(envWith(offset));
    return [now - Date.now(), now - before]; // the offset lies in this range
  };
  const cases: [string | undefined, number][] = [
    ["90000", 90_000],
    ["-4500", -4_500],
    [undefined, 0],
    ["", 0], // anything but an integer is no offset
    ["1e3", 0],
    ["12 s", 0],
  ];
  for (const [offset, expected] of cases) {
    const [low, high] = shift(offset);
    assert.ok(low <= expected && expected <= high, `'${offset}': ${low}..${high}`);
  }
  // One second before a shifted window ends, the program waits 2 s, not up to 31 s.
  const wait = msUntilNextWindow(totpNow(envWith(`${msUntilNextStep() - 1_000}`)));
  assert.ok(wait <= 2_000 && wait > 1_000, `${wait}`);
});

Deno.test("env switches: set unless empty, false or 0; TERM=dumb", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(optionsFromEnv(env({ NO_COLOR: "1" })).color, false);
  assert.equal(optionsFromEnv(env({ NO_COLOR: "false" })).color, true);
  assert.equal(optionsFromEnv(env({ VEGAS_CREDENTIALS_VERBOSE: "yes" })).verbose, true);
  assert.equal(optionsFromEnv(env({ VERBOSE: "0" })).verbose, false);
  assert.equal(optionsFromEnv(env({ TERM: "dumb" })).emoji, false);
  assert.equal(optionsFromEnv(env({ VEGAS_CREDENTIALS_NO_GUI: "true" })).noGui, true);
  assert.equal(optionsFromEnv(env({}), { verbose: true }).verbose, true);
});
