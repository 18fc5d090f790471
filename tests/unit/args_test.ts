import assert from "node:assert/strict";
import { parseArgs } from "../../src/cli/args.ts";
import { findCommand } from "../../src/cli/run.ts";
import { UsageError } from "../../src/errors.ts";

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
