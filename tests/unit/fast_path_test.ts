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

import { makeSandbox, standardConfig, standardCredentials } from "../support/harness.ts";
import { assumeProfile } from "../../src/assume/pipeline.ts";
import { hitIndexName } from "../../src/cache/hit_index.ts";
import { Ui } from "../../src/ui.ts";

/** A sandbox whose profile `singer` has been assumed once (the pipeline wrote entry and index). */
async function assumedOnce() {
  const sandbox = makeSandbox();
  sandbox.writeConfig(standardConfig({ source: "vegas_mfa_process = false" }));
  sandbox.writeCredentials(standardCredentials());
  const vars: Record<string, string | undefined> = { ...sandbox.env };
  const env = (name: string) => vars[name];
  // A fresh entry written by hand, as STS would have; the pipeline finds it and writes the index.
  const { resolveProfile } = await import("../../src/config/resolve.ts");
  const { roleSlot } = await import("../../src/assume/pipeline.ts");
  const { writeEntry } = await import("../../src/cache/store.ts");
  const slot = roleSlot(resolveProfile("singer", env), env);
  writeEntry(slot.dir, slot.name, {
    ...slot.meta,
    createdAt: new Date().toISOString(),
    credentials: {
      accessKeyId: "ASIAHITINDEXEXAMPLE1",
      secretAccessKey: "secret",
      sessionToken: "token",
      expiration: new Date(Date.now() + 3600_000),
    },
  });
  const quiet = new Ui({ verbose: false, color: false, emoji: false, noGui: true });
  await assumeProfile("singer", quiet, env);
  return { sandbox, vars, env };
}

const ASSUME = ["assume", "--profile=singer"];

Deno.test("fast path: answers from the hit index the pipeline wrote", async () => {
  const { sandbox, env } = await assumedOnce();
  await using _ = sandbox;
  Deno.statSync(`${sandbox.cacheDir}/${hitIndexName("singer")}`);
  assert.match(cachedAssume(ASSUME, env) ?? "", /"AccessKeyId":"ASIAHITINDEXEXAMPLE1"/);
  // Another profile never borrows it.
  assert.equal(cachedAssume(["assume", "-p", "dancer"], env), undefined);
});

Deno.test("fast path: any change to what the profile was resolved from steps aside", async () => {
  const cases: [string, (box: Awaited<ReturnType<typeof assumedOnce>>) => void][] = [
    [
      "config edited",
      ({ sandbox }) => Deno.writeTextFileSync(sandbox.configFile, "\n", { append: true }),
    ],
    [
      "credentials replaced",
      ({ sandbox }) => sandbox.writeCredentials(standardCredentials() + "\n"),
    ],
    ["credentials removed", ({ sandbox }) => Deno.removeSync(sandbox.credentialsFile)],
    ["a variable resolution read (AWS_REGION)", ({ vars }) => vars.AWS_REGION = "eu-west-1"],
    ["another config file", ({ vars, sandbox }) => vars.AWS_CONFIG_FILE = `${sandbox.home}/other`],
    ["the recursion guard", ({ vars }) => vars.VEGAS_CREDENTIALS_PROFILE_CHAIN = "singer"],
    [
      "a foreign index",
      ({ sandbox }) => Deno.chmodSync(`${sandbox.cacheDir}/${hitIndexName("singer")}`, 0o644),
    ],
  ];
  for (const [what, change] of cases) {
    const box = await assumedOnce();
    await using _ = box.sandbox;
    assert.ok(cachedAssume(ASSUME, box.env), `${what}: hit before the change`);
    change(box);
    assert.equal(cachedAssume(ASSUME, box.env), undefined, what);
  }
});
