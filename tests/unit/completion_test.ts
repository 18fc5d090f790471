/**
 * The completion scripts cover the whole command table (the shells themselves run the scripts in
 * tests/e2e/completion_test.ts).
 */
import assert from "node:assert/strict";
import { COMMANDS, GLOBAL_OPTIONS } from "../../src/cli/commands.ts";
import { completionModel, completionScript, SHELLS } from "../../src/cli/completion.ts";

Deno.test("completion: every command, option and choice of the table is in every script", () => {
  for (const shell of SHELLS) {
    const script = completionScript(shell);
    for (const command of COMMANDS) {
      for (const word of command.name.split(" ")) {
        assert.ok(script.includes(word), `${shell}: ${word}`);
      }
      for (const [name, spec] of Object.entries({ ...command.options, ...GLOBAL_OPTIONS })) {
        assert.ok(script.includes(name), `${shell}: ${command.name} --${name}`);
        for (const choice of spec.choices ?? []) assert.ok(script.includes(choice), choice);
      }
    }
    assert.ok(script.includes("__complete"), `${shell} asks the program for profile names`);
    assert.ok(script.includes("role-profiles"), `${shell}: config import's own profile list`);
  }
});

Deno.test("completion: the model", () => {
  const model = completionModel();
  assert.deepEqual(model.groups.get("config"), ["list", "show-profile", "import"]);
  assert.deepEqual(model.groups.get("cache"), ["clean"]);
  assert.ok(
    model.firstWords.some((w) => w.word === "config" && /list, show-profile/.test(w.summary)),
  );
  const help = model.commands.find((c) => c.name === "help")!;
  assert.deepEqual(help.arguments, model.firstWords.map((w) => w.word));
  const importProfile = model.commands.find((c) => c.name === "config import")!.options
    .find((o) => o.long === "profile")!;
  assert.deepEqual(importProfile.value, { kind: "role-profiles" });
  const envFormat = model.commands.find((c) => c.name === "env")!.options
    .find((o) => o.long === "format")!;
  assert.deepEqual(envFormat.value, {
    kind: "choices",
    choices: ["sh", "fish", "powershell", "json"],
  });
  assert.ok(model.global.some((o) => o.long === "version" && o.short === "V"));
});
