import assert from "node:assert/strict";
import { assumedProfile, cachedAssume } from "../../src/fast_path.ts";

Deno.test("fast path: only the plain assume forms qualify", () => {
  assert.equal(assumedProfile(["assume", "--profile=a@b"]), "a@b");
  assert.equal(assumedProfile(["assume", "--profile", "a"]), "a");
  assert.equal(assumedProfile(["assume", "-p", "a"]), "a");
  assert.equal(assumedProfile(["--no-gui", "assume", "-p", "a", "--no-color"]), "a");
  for (
    const args of [
      ["assume"],
      ["assume", "--profile="],
      ["assume", "-p", "--verbose"],
      ["assume", "-p", "a", "--verbose"],
      ["assume", "-p", "a", "extra"],
      ["env", "-p", "a"],
      ["--help"],
    ]
  ) assert.equal(assumedProfile(args), undefined, args.join(" "));
});

Deno.test("fast path: steps aside for --verbose in the environment and on any error", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    cachedAssume(["assume", "-p", "a"], env({ VERBOSE: "1", HOME: "/nonexistent" })),
    undefined,
  );
  assert.equal(cachedAssume(["assume", "-p", "a"], env({ HOME: "/nonexistent" })), undefined);
  assert.equal(cachedAssume(["assume", "-p", "a"], env({})), undefined);
});
