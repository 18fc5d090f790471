/**
 * Command-line details a new user runs into: `-V`, group help, a repeated option, `exec` without
 * `--`, and `--help` on every script. The real program as a subprocess, in a sandbox HOME.
 */
import assert from "node:assert/strict";
import {
  makeSandbox,
  REPO,
  runCli,
  standardConfig,
  standardCredentials,
} from "../support/harness.ts";
import denoJson from "../../deno.json" with { type: "json" };

function sandbox() {
  const box = makeSandbox();
  box.writeConfig(standardConfig());
  box.writeCredentials(standardCredentials());
  return box;
}

Deno.test("cli: -V and --version print the version", async () => {
  await using box = sandbox();
  for (const flag of ["-V", "--version"]) {
    const result = await runCli(box, [flag]);
    assert.equal(result.code, 0, `${flag}: ${result.stderr}`);
    assert.equal(result.stdout, `vegas-credentials ${denoJson.version}\n`);
    assert.equal(result.stderr, "");
  }
  // Like every other command, version takes no stray argument (`version --ful` is caught too).
  for (const args of [["version", "full"], ["version", "--full", "extra"]]) {
    const result = await runCli(box, args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stdout}`);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^vegas-credentials: unexpected argument '(full|extra)'\n$/);
  }
});

Deno.test("cli: --version after a command prints the version and runs nothing (as --help does)", async () => {
  await using box = sandbox();
  const marker = `${box.home}/ran`;
  for (
    const args of [
      ["exec", "-p", "singer", "--version", "--", "touch", marker],
      ["cache", "clean", "-V"],
      ["status", "--version"],
    ]
  ) {
    const result = await runCli(box, args);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, `vegas-credentials ${denoJson.version}\n`, args.join(" "));
    assert.equal(result.stderr, "");
  }
  assert.throws(() => Deno.statSync(marker), Deno.errors.NotFound, "exec ran its command");
});

Deno.test("cli: config --help and cache --help print the group's help", async () => {
  await using box = sandbox();
  for (const group of ["config", "cache"]) {
    const result = await runCli(box, [group, "--help"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.match(result.stdout, new RegExp(`^Commands of '${group}':\n`));
    assert.match(result.stdout, new RegExp(`^  ${group} \\S+ +\\S`, "m"));
    // The same text as `help GROUP`.
    assert.equal((await runCli(box, ["help", group])).stdout, result.stdout);
    assert.equal((await runCli(box, ["-h", group])).stdout, result.stdout);
  }
  const config = await runCli(box, ["config", "--help"]);
  assert.match(config.stdout, /config list/);
  assert.match(config.stdout, /config show-profile/);
  // Without --help a bare group is still a usage error.
  const bare = await runCli(box, ["config"]);
  assert.equal(bare.code, 2);
  assert.equal(bare.stdout, "");
});

Deno.test("cli: an option given twice is a usage error, not 'last one wins'", async () => {
  await using box = sandbox();
  for (
    const args of [
      ["doctor", "-p", "singer", "-p", "other"],
      ["assume", "--profile=singer", "--profile", "other"],
      ["env", "-psinger", "--format=sh", "--format=json", "-p", "singer"],
    ]
  ) {
    const result = await runCli(box, args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^vegas-credentials: option --(profile|format) is given twice/);
  }
});

Deno.test("cli: exec with the command not after -- says to put it there", async () => {
  await using box = sandbox();
  const cases: [string[], string][] = [
    [["exec", "-p", "singer", "ls", "-l"], "--profile=singer -- ls -l"],
    [
      ["exec", "-p", "singer", "aws", "s3", "ls", "--no-cli-pager"],
      "--profile=singer -- aws s3 ls --no-cli-pager",
    ],
    [["exec", "--profile=singer", "true"], "--profile=singer -- true"],
    [
      ["exec", "-p", "singer", "sh", "-c", "echo 'x'"],
      `--profile=singer -- sh -c 'echo '\\''x'\\'''`,
    ],
    // Everything from the command word on is the command's: `-p singer` here is not ours.
    [["exec", "ls", "-p", "singer"], "--profile=NAME -- ls -p singer"],
  ];
  for (const [args, suggestion] of cases) {
    const result = await runCli(box, args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      `vegas-credentials: put the command after --: vegas-credentials exec ${suggestion}\n`,
    );
  }
  // With -- nothing after it is read as an option (the profile is missing: exit 1, not a usage error).
  const proper = await runCli(box, ["exec", "-p", "nobody", "--", "ls", "-l"]);
  assert.equal(proper.code, 1);
  assert.match(proper.stderr, /profile 'nobody' is not in/);
});

/** The scripts a user runs: those that read arguments (not shared modules, not the empty baseline). */
function runnableScripts(): string[] {
  return [...Deno.readDirSync(`${REPO}scripts`)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".ts"))
    .filter((name) => /Deno\.args/.test(Deno.readTextFileSync(`${REPO}scripts/${name}`)))
    .sort();
}

Deno.test("scripts: every script has --help", async () => {
  const scripts = runnableScripts();
  assert.deepEqual(scripts, ["bench.ts", "compile.ts", "formula.ts", "scoop.ts"]);
  for (const script of scripts) {
    for (const flag of ["--help", "-h"]) {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "-A", `${REPO}scripts/${script}`, flag],
        cwd: Deno.makeTempDirSync(),
        stdin: "null",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      assert.equal(output.code, 0, `${script} ${flag}: ${new TextDecoder().decode(output.stderr)}`);
      assert.match(stdout, new RegExp(`^Usage: deno run -A scripts/${script}`), script);
      assert.match(stdout, /--help/, script);
    }
  }
});

Deno.test("scripts: `deno task compile -- --target …` (npm habit) works as well as without --", async () => {
  const { parseCompileArgs } = await import("../../scripts/compile.ts");
  const { parseGeneratorArgs } = await import("../../scripts/release_config.ts");
  const target = "aarch64-apple-darwin";
  assert.deepEqual(parseCompileArgs(["--", "--target", target], "x").targets, [target]);
  assert.deepEqual(
    parseCompileArgs(["--", "--target", target], "x"),
    parseCompileArgs(["--target", target], "x"),
  );
  assert.equal(parseGeneratorArgs(["--", "--out", "x.rb"], "d").out, "x.rb");
});

Deno.test("LICENSE: the Apache License 2.0 the packaging declares, word for word", async () => {
  const { LICENSE } = await import("../../scripts/release_config.ts");
  assert.equal(LICENSE, "Apache-2.0");
  // Debian's copy of the license text (base-files, on every Debian system) is the reference.
  assert.equal(
    Deno.readTextFileSync(`${REPO}LICENSE`),
    Deno.readTextFileSync("/usr/share/common-licenses/Apache-2.0"),
  );
});
