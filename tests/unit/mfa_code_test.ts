import assert from "node:assert/strict";
import { codeFromOutput, shellCommand } from "../../src/mfa/process_input.ts";
import { normaliseCode } from "../../src/mfa/types.ts";

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
