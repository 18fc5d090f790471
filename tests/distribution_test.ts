/**
 * Tests of the release tooling: scripts/compile.ts (argv, names, archives, checksums), the Homebrew
 * and Scoop generators, and the release workflow's tag check. Nothing here runs `deno compile`
 * itself (it needs dl.deno.land); the argv it would run is checked instead.
 * @module
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  compileArgs,
  crc32,
  describeCompileFailure,
  packArchive,
  parseCompileArgs,
  permissionFlagsFromTasks,
  runFlags,
  sha256Hex,
  sha256sums,
  tarGz,
  zipFile,
} from "../scripts/compile.ts";
import { renderFormula } from "../scripts/formula.ts";
import { renderScoopManifest, scoopManifest } from "../scripts/scoop.ts";
import {
  archiveName,
  artifactName,
  DEFAULT_REPOSITORY,
  parseGeneratorArgs,
  parseSha256Sums,
  TARGETS,
} from "../scripts/release_config.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DENO_JSON = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
const VERSION: string = DENO_JSON.version;
const UNIX_TARGETS = TARGETS.filter((t) => t.os !== "windows").map((t) => t.triple);
const WINDOWS = "x86_64-pc-windows-msvc";

function taskCommand(name: string): string {
  const task = DENO_JSON.tasks[name];
  return typeof task === "string" ? task : task.command;
}

/** Runs a command; a missing program fails the test with `hint` instead of being skipped. */
async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; hint?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      assert.fail(`${cmd} is not installed; ${options.hint ?? `install ${cmd}`} (CI installs it)`);
    }
    throw error;
  }
}

/** Fake archives for `version` in `dir` and their SHA256SUMS, written by the real helper. */
async function fakeRelease(dir: string, version: string, targets = TARGETS.map((t) => t.triple)) {
  const files = [];
  for (const target of targets) {
    const file = join(dir, archiveName(target, version));
    await Deno.writeTextFile(file, `fake archive for ${target}\n`);
    files.push(file);
  }
  const text = await sha256sums(files);
  await Deno.writeTextFile(join(dir, "SHA256SUMS"), text);
  return parseSha256Sums(text);
}

// ---------------------------------------------------------------------------------------------
// Permission flags: one definition in deno.json, used by cli, assume and deno compile

Deno.test("cli and assume tasks and deno compile use the same permission flags", () => {
  const cli = runFlags(taskCommand("cli"));
  const assume = runFlags(taskCommand("assume"));
  assert.deepEqual(assume, cli);
  assert.deepEqual(permissionFlagsFromTasks(DENO_JSON), cli);
  // The permission set named by -P exists in deno.json, and nothing grants more on the side.
  const setFlag = cli.find((f) => f.startsWith("-P=") || f.startsWith("--permission-set="));
  assert.ok(setFlag, `cli task has no -P=NAME: ${cli.join(" ")}`);
  assert.ok(DENO_JSON.permissions?.[setFlag.split("=")[1]], `no permission set ${setFlag}`);
  assert.ok(!cli.some((f) => /^(-A|--allow-)/.test(f)), `extra grants in ${cli.join(" ")}`);
  for (const { triple } of TARGETS) {
    const argv = compileArgs(triple, VERSION, permissionFlagsFromTasks(DENO_JSON));
    assert.deepEqual(argv.slice(1, argv.indexOf("--target")), cli);
  }
});

Deno.test("permissionFlagsFromTasks rejects diverging or malformed tasks", () => {
  const base = { tasks: { cli: "deno run -q -P=vegas --no-prompt main.ts" } };
  assert.deepEqual(permissionFlagsFromTasks(base), ["-q", "-P=vegas", "--no-prompt"]);
  assert.deepEqual(
    permissionFlagsFromTasks({
      tasks: {
        cli: { command: "deno run -P=vegas main.ts" },
        assume: "deno run -P=vegas main.ts assume",
      },
    }),
    ["-P=vegas"],
  );
  assert.throws(
    () =>
      permissionFlagsFromTasks({
        tasks: { ...base.tasks, assume: "deno run -q -A main.ts assume" },
      }),
    /"assume" task's flags \(-q -A\) differ/,
  );
  assert.throws(() => permissionFlagsFromTasks({ tasks: {} }), /no "cli" task/);
  assert.throws(() => permissionFlagsFromTasks({ tasks: { cli: "node main.ts" } }), /deno run/);
  assert.throws(
    () => permissionFlagsFromTasks({ tasks: { cli: "deno run -A main.ts" } }),
    /no permission set/,
  );
});

// ---------------------------------------------------------------------------------------------
// compile.ts: argv, names, options

Deno.test("compileArgs gives the exact deno compile argv for every target", () => {
  const flags = ["-q", "-P=vegas", "--no-prompt"];
  const expected: Record<string, string> = {
    "x86_64-unknown-linux-gnu": "dist/vegas-credentials-1.2.3-x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu": "dist/vegas-credentials-1.2.3-aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin": "dist/vegas-credentials-1.2.3-x86_64-apple-darwin",
    "aarch64-apple-darwin": "dist/vegas-credentials-1.2.3-aarch64-apple-darwin",
    "x86_64-pc-windows-msvc": "dist/vegas-credentials-1.2.3-x86_64-pc-windows-msvc.exe",
  };
  assert.deepEqual(TARGETS.map((t) => t.triple), Object.keys(expected));
  for (const [target, output] of Object.entries(expected)) {
    assert.deepEqual(compileArgs(target, "1.2.3", flags), [
      "compile",
      "-q",
      "-P=vegas",
      "--no-prompt",
      "--target",
      target,
      "--output",
      output,
      "main.ts",
    ]);
  }
  assert.equal(
    compileArgs(WINDOWS, "1.2.3", flags, "out/")[7],
    "out/" + artifactName(WINDOWS, "1.2.3"),
  );
  assert.throws(() => compileArgs("riscv64gc-unknown-linux-gnu", "1.2.3", flags), /unsupported/);
});

Deno.test("artifact and archive names carry deno.json's version; .exe/.zip only for Windows", () => {
  assert.match(VERSION, /^\d+\.\d+\.\d+/);
  for (const { triple, os } of TARGETS) {
    const binary = artifactName(triple, VERSION);
    const archive = archiveName(triple, VERSION);
    assert.ok(binary.startsWith(`vegas-credentials-${VERSION}-${triple}`), binary);
    assert.equal(binary.endsWith(".exe"), os === "windows", binary);
    assert.equal(
      archive,
      `vegas-credentials-${VERSION}-${triple}${os === "windows" ? ".zip" : ".tar.gz"}`,
    );
  }
});

Deno.test("parseCompileArgs: host default, --all, --target, --out", () => {
  const all = TARGETS.map((t) => t.triple);
  assert.deepEqual(parseCompileArgs([], "aarch64-apple-darwin"), {
    targets: ["aarch64-apple-darwin"],
    out: "dist",
  });
  assert.deepEqual(parseCompileArgs(["--all", "--out", "build"], "x"), {
    targets: all,
    out: "build",
  });
  assert.deepEqual(
    parseCompileArgs(
      ["--target", WINDOWS, "--target=x86_64-apple-darwin", "--target", WINDOWS],
      "x",
    ),
    { targets: [WINDOWS, "x86_64-apple-darwin"], out: "dist" },
  );
  assert.throws(() => parseCompileArgs([], "x86_64-unknown-linux-musl"), /not a release target/);
  assert.throws(() => parseCompileArgs(["--all", "--target", WINDOWS], "x"), /exclude/);
  assert.throws(() => parseCompileArgs(["--target"], "x"), /needs a value/);
  assert.throws(() => parseCompileArgs(["--target", "wasm32"], "x"), /unsupported target "wasm32"/);
  assert.throws(() => parseCompileArgs(["--release"], "x"), /unknown argument --release/);
});

Deno.test("a failed runtime download is reported as one line about dl.deno.land", () => {
  const stderr = "\u001b[0m\u001b[1m\u001b[31merror\u001b[0m: Writing deno compile executable to " +
    "temporary file 'out.tmp-2019dd4d69ee8a10'\n\nCaused by:\n    0: Setting up base binary.\n" +
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-" +
    "unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address " +
    "information: Name or service not known\n    2: client error (Connect)\n    3: dns error\n\n" +
    "Stack backtrace:\n   0: <unknown>\n";
  const message = describeCompileFailure(stderr, "x86_64-unknown-linux-gnu");
  assert.equal(message.split("\n").length, 1, message);
  assert.match(message, /needs network access to dl\.deno\.land/);
  assert.match(message, /x86_64-unknown-linux-gnu/);
  assert.match(message, /release machine/);

  const typeError = 'error: Module not found "file:///x/main.ts".\n\nStack backtrace:\n  0: x\n';
  const other = describeCompileFailure(typeError, WINDOWS);
  assert.match(other, /Module not found/);
  assert.doesNotMatch(other, /backtrace|dl\.deno\.land/);
});

// ---------------------------------------------------------------------------------------------
// Checksums and archives

Deno.test("sha256sums writes sorted sha256sum lines that sha256sum -c accepts", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "b.zip"), "abc");
    await Deno.writeTextFile(join(dir, "a.tar.gz"), "");
    const text = await sha256sums([join(dir, "b.zip"), join(dir, "a.tar.gz")]);
    assert.equal(
      text,
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.tar.gz\n" +
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.zip\n",
    );
    await Deno.writeTextFile(join(dir, "SHA256SUMS"), text);
    const check = await run("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.deepEqual(
      [...parseSha256Sums(text)],
      [
        ["a.tar.gz", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
        ["b.zip", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
      ],
    );
    assert.throws(() => parseSha256Sums("abc  file\n"), /line 1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("tar.gz and zip archives unpack with tar/unzip to an executable of the same bytes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 1000 bytes: not a multiple of 512, so tar padding is exercised; incompressible-ish content.
    const binary = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) % 251);
    await Deno.writeFile(
      join(dir, "x.tar.gz"),
      await tarGz("vegas-credentials", binary, 0o755, 1700000000),
    );
    const list = await run("tar", ["-tzvf", "x.tar.gz"], { cwd: dir });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^-rwxr-xr-x .* 1000 .*vegas-credentials\n$/);
    const untar = await run("tar", ["-xzf", "x.tar.gz", "-C", dir], { cwd: dir });
    assert.equal(untar.code, 0, untar.stderr);
    assert.deepEqual(await Deno.readFile(join(dir, "vegas-credentials")), binary);
    assert.equal((await Deno.stat(join(dir, "vegas-credentials"))).mode! & 0o777, 0o755);

    await Deno.writeFile(
      join(dir, "x.zip"),
      await zipFile("vegas-credentials.exe", binary, 0o755, 1700000000),
    );
    const hint = "install unzip (apt-get install unzip)";
    const test = await run("unzip", ["-t", "x.zip"], { cwd: dir, hint });
    assert.equal(test.code, 0, test.stdout + test.stderr);
    const names = await run("unzip", ["-Z1", "x.zip"], { cwd: dir, hint });
    assert.equal(names.stdout, "vegas-credentials.exe\n");
    const unzip = await run("unzip", ["-o", "x.zip", "-d", join(dir, "z")], { cwd: dir, hint });
    assert.equal(unzip.code, 0, unzip.stderr);
    assert.deepEqual(await Deno.readFile(join(dir, "z", "vegas-credentials.exe")), binary);

    // packArchive picks the format and the installed name per target.
    const windows = await packArchive(WINDOWS, binary);
    assert.deepEqual([...windows.slice(0, 4)], [0x50, 0x4b, 0x03, 0x04]); // PK\3\4
    const linux = await packArchive("aarch64-unknown-linux-gnu", binary);
    assert.deepEqual([...linux.slice(0, 2)], [0x1f, 0x8b]); // gzip
    await Deno.writeFile(join(dir, "l.tar.gz"), linux);
    const names2 = await run("tar", ["-tzf", "l.tar.gz"], { cwd: dir });
    assert.equal(names2.stdout, "vegas-credentials\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Homebrew formula

/** The `on_OS do … on_CPU do … end` block of a formula. */
function formulaBlock(formula: string, os: "macos" | "linux", cpu: "arm" | "intel"): string {
  const osBlock = formula.split(`  on_${os} do\n`)[1]?.split("\n  end\n")[0] ?? "";
  return osBlock.split(`    on_${cpu} do\n`)[1]?.split("\n    end")[0] ?? "";
}

Deno.test("formula has the right URL and sha256 per platform and passes ruby -c", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sums = await fakeRelease(dir, VERSION, UNIX_TARGETS);
    const formula = renderFormula({ version: VERSION, repo: "acme/vc", sums });
    assert.match(formula, /^class VegasCredentials < Formula$/m);
    assert.match(formula, /^ {2}version "(.*)"$/m);
    assert.equal(/^ {2}version "(.*)"$/m.exec(formula)![1], VERSION);
    assert.match(formula, /^ {2}license "Apache-2\.0"$/m);
    assert.match(formula, /^ {2}homepage "https:\/\/github\.com\/acme\/vc"$/m);
    assert.match(formula, /^ {2}desc "[^"]{10,79}"$/m);
    assert.match(formula, /def install\n\s+bin\.install "vegas-credentials"\n\s+end/);
    assert.match(
      formula,
      /test do\n\s+assert_match version\.to_s, shell_output\("#\{bin\}\/vegas-credentials --version"\)\n\s+end/,
    );
    const platforms = [
      ["macos", "arm", "aarch64-apple-darwin"],
      ["macos", "intel", "x86_64-apple-darwin"],
      ["linux", "arm", "aarch64-unknown-linux-gnu"],
      ["linux", "intel", "x86_64-unknown-linux-gnu"],
    ] as const;
    const seen = new Set<string>();
    for (const [os, cpu, target] of platforms) {
      const block = formulaBlock(formula, os, cpu);
      const file = archiveName(target, VERSION);
      assert.equal(
        block,
        `      url "https://github.com/acme/vc/releases/download/v${VERSION}/${file}"\n` +
          `      sha256 "${sums.get(file)}"`,
        `${os}/${cpu}`,
      );
      seen.add(sums.get(file)!);
    }
    assert.equal(seen.size, 4, "each platform has its own checksum");
    assert.doesNotMatch(formula, /windows/);

    await Deno.writeTextFile(join(dir, "f.rb"), formula);
    const ruby = await run("ruby", ["-c", join(dir, "f.rb")], {
      hint: "install ruby (apt-get install ruby) to syntax-check the formula",
    });
    assert.equal(ruby.code, 0, ruby.stdout + ruby.stderr);
    assert.match(ruby.stdout, /Syntax OK/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("formula.ts and scoop.ts command lines write what the renderers return", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sums = await fakeRelease(dir, VERSION);
    const sumsPath = join(dir, "SHA256SUMS");
    for (
      const [script, out, expected] of [
        [
          "formula.ts",
          "out/f.rb",
          renderFormula({ version: VERSION, repo: DEFAULT_REPOSITORY, sums }),
        ],
        ["scoop.ts", "out/s.json", renderScoopManifest({ version: VERSION, repo: "a/b", sums })],
      ]
    ) {
      const args = [
        "run",
        "-q",
        "-A",
        join(ROOT, "scripts", script),
        "--sums",
        sumsPath,
        "--out",
        join(dir, out),
      ];
      if (script === "scoop.ts") args.push("--repo=a/b");
      const result = await run(Deno.execPath(), args, { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await Deno.readTextFile(join(dir, out)), expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Scoop manifest

Deno.test("scoop manifest is valid JSON with the Windows URL and hash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sums = await fakeRelease(dir, VERSION);
    const text = renderScoopManifest({ version: VERSION, repo: "acme/vc", sums });
    const manifest = JSON.parse(text);
    const zip = archiveName(WINDOWS, VERSION);
    assert.equal(manifest.version, VERSION);
    assert.equal(manifest.license, "Apache-2.0");
    assert.equal(manifest.homepage, "https://github.com/acme/vc");
    assert.equal(typeof manifest.description, "string");
    assert.deepEqual(manifest.architecture, {
      "64bit": {
        url: `https://github.com/acme/vc/releases/download/v${VERSION}/${zip}`,
        hash: sums.get(zip),
      },
    });
    assert.equal(manifest.bin, "vegas-credentials.exe");
    assert.deepEqual(manifest.checkver, { github: "https://github.com/acme/vc" });
    assert.equal(
      manifest.autoupdate.architecture["64bit"].url,
      "https://github.com/acme/vc/releases/download/v$version/vegas-credentials-$version-x86_64-pc-windows-msvc.zip",
    );
    assert.equal(manifest.autoupdate.hash.url, "$baseurl/SHA256SUMS");
    // Scoop's autoupdate regex must find this release's own line in SHA256SUMS.
    const regex = new RegExp(
      manifest.autoupdate.hash.regex.replace("$sha256", "([a-fA-F\\d]{64})").replace(
        "$basename",
        zip.replace(/[.]/g, "\\."),
      ),
    );
    assert.equal(regex.exec(await Deno.readTextFile(join(dir, "SHA256SUMS")))?.[1], sums.get(zip));
    assert.ok(text.endsWith("}\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Missing checksums and bad options

Deno.test("generators fail clearly when a platform's checksum is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sums = await fakeRelease(dir, VERSION);
    for (const { triple, os } of TARGETS) {
      const partial = new Map(sums);
      partial.delete(archiveName(triple, VERSION));
      const missing = new RegExp(
        `no checksum for ${archiveName(triple, VERSION).replace(/\./g, "\\.")}`,
      );
      if (os === "windows") {
        assert.throws(
          () => scoopManifest({ version: VERSION, repo: "a/b", sums: partial }),
          missing,
        );
        renderFormula({ version: VERSION, repo: "a/b", sums: partial });
      } else {
        assert.throws(
          () => renderFormula({ version: VERSION, repo: "a/b", sums: partial }),
          missing,
        );
        scoopManifest({ version: VERSION, repo: "a/b", sums: partial });
      }
    }
    // Checksums of another version do not count.
    assert.throws(
      () => renderFormula({ version: "99.0.0", repo: "a/b", sums }),
      /no checksum for vegas-credentials-99\.0\.0-/,
    );

    // On the command line: exit 1, one "error:" line, no stack trace, nothing written.
    const text = await Deno.readTextFile(join(dir, "SHA256SUMS"));
    await Deno.writeTextFile(
      join(dir, "PARTIAL"),
      text.split("\n").filter((l) => !l.includes("apple-darwin")).join("\n"),
    );
    for (
      const [script, args, message] of [
        [
          "formula.ts",
          ["--sums", join(dir, "PARTIAL")],
          /^error: SHA256SUMS has no checksum for vegas-credentials-.*-darwin\.tar\.gz/,
        ],
        [
          "scoop.ts",
          ["--sums", join(dir, "NOPE")],
          /^error: .*NOPE not found; run "deno task compile:all"/,
        ],
        [
          "scoop.ts",
          ["--sums", join(dir, "SHA256SUMS"), "--repo", "not a repo"],
          /^error: --repo must be a GitHub OWNER\/NAME/,
        ],
        ["formula.ts", ["--bogus"], /^error: unknown option --bogus/],
      ] as const
    ) {
      const out = join(dir, `should-not-exist-${script}`);
      const result = await run(Deno.execPath(), [
        "run",
        "-q",
        "-A",
        join(ROOT, "scripts", script),
        ...args,
        "--out",
        out,
      ]);
      assert.equal(result.code, 1, `${script} ${args.join(" ")}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generator options: defaults and overrides", () => {
  assert.deepEqual(parseGeneratorArgs([], "dist/x.rb"), {
    sums: "dist/SHA256SUMS",
    repo: "vegas-credentials/vegas-credentials",
    out: "dist/x.rb",
  });
  assert.deepEqual(parseGeneratorArgs(["--repo", "me/fork", "--sums=s", "--out", "o"], "d"), {
    sums: "s",
    repo: "me/fork",
    out: "o",
  });
  assert.throws(() => parseGeneratorArgs(["--out"], "d"), /--out needs a value/);
});

// ---------------------------------------------------------------------------------------------
// Release workflow

/** The `run: |` script of the step named `name` in a workflow file, dedented. */
function stepScript(workflow: string, name: string): string {
  const lines = workflow.split("\n");
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  assert.ok(start >= 0, `no step named "${name}"`);
  const runAt = lines.findIndex((l, i) => i > start && /^\s+run: \|\s*$/.test(l));
  assert.ok(runAt > start, `step "${name}" has no run: | block`);
  const indent = lines[runAt].search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(runAt + 1)) {
    if (line.trim() !== "" && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const margin = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return body.map((l) => l.slice(margin)).join("\n");
}

Deno.test("release workflow's tag check compares the tag with deno.json's version", async () => {
  const workflow = await Deno.readTextFile(join(ROOT, ".github/workflows/release.yml"));
  assert.match(workflow, /tags: \["v\*"\]/);
  const script = stepScript(workflow, "Check the tag matches deno.json's version");
  assert.match(script, /deno\.json/);
  const dir = await Deno.makeTempDir();
  try {
    const env = (tag: string) => ({
      GITHUB_REF_NAME: tag,
      GITHUB_OUTPUT: join(dir, "output"),
      PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`,
    });
    // Run for real: in the repository (the real version) and in a copy with another version.
    const ok = await run("bash", ["-euo", "pipefail", "-c", script], {
      cwd: ROOT,
      env: env(`v${VERSION}`),
    });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "output")), `version=${VERSION}\n`);

    const bad = await run("bash", ["-euo", "pipefail", "-c", script], {
      cwd: ROOT,
      env: env("v99.99.99"),
    });
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stdout + bad.stderr,
      new RegExp(`v99\\.99\\.99 does not match .*${VERSION.replace(/\./g, "\\.")}`),
    );

    const other = join(dir, "repo");
    await Deno.mkdir(other);
    await Deno.writeTextFile(join(other, "deno.json"), JSON.stringify({ version: "7.8.9" }));
    const moved = await run("bash", ["-euo", "pipefail", "-c", script], {
      cwd: other,
      env: env("v7.8.9"),
    });
    assert.equal(moved.code, 0, moved.stdout + moved.stderr);
    const stale = await run("bash", ["-euo", "pipefail", "-c", script], {
      cwd: other,
      env: env(`v${VERSION}`),
    });
    assert.notEqual(stale.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("release workflow publishes archives, SHA256SUMS, formula and manifest", async () => {
  const workflow = await Deno.readTextFile(join(ROOT, ".github/workflows/release.yml"));
  assert.match(workflow, /deno task compile:all/);
  assert.match(workflow, /vegas-credentials-\$VERSION-x86_64-unknown-linux-gnu" --version/);
  assert.match(workflow, /gh release create[\s\S]*\.tar\.gz[\s\S]*\.zip[\s\S]*dist\/SHA256SUMS/);
  assert.match(workflow, /deno task formula/);
  assert.match(workflow, /deno task scoop/);
  assert.match(workflow, /secrets\.TAP_GITHUB_TOKEN/);
  assert.match(workflow, /::notice::TAP_GITHUB_TOKEN is not set/);
  assert.match(
    workflow,
    /publish homebrew-tap dist\/vegas-credentials\.rb Formula\/vegas-credentials\.rb/,
  );
  assert.match(
    workflow,
    /publish scoop-bucket dist\/vegas-credentials\.json vegas-credentials\.json/,
  );
  const deno = /deno-version: (\S+)/.exec(workflow)?.[1];
  const ci = await Deno.readTextFile(join(ROOT, ".github/workflows/ci.yml"));
  assert.equal(deno, /deno-version: (\S+)/.exec(ci)?.[1], "both workflows pin the same Deno");
  assert.match(deno ?? "", /^\d+\.\d+\.\d+$/, "workflows pin an exact Deno version");
});

Deno.test("every lazily loaded module is embedded by deno compile", async () => {
  const { lazyModules } = await import("../scripts/compile.ts");
  const modules = lazyModules("src");
  for (
    const path of [
      "src/assume/role.ts",
      "src/assume/sts.ts",
      "src/terminal.ts",
      "src/cache/lock.ts",
    ]
  ) {
    assert.ok(modules.includes(path), `${path} is not in the --include list`);
  }
  let calls = 0;
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (path.endsWith(".ts") && path !== "src/lazy.ts") {
        const text = Deno.readTextFileSync(path);
        calls += [...text.matchAll(/\bload</g)].length;
        // Each load() spells its module twice, as a type and as a path: they must agree.
        for (const call of text.matchAll(/\bload<typeof import\("([^"]+)"\)>\(\s*"([^"]+)"/g)) {
          assert.equal(call[1], call[2], `${path}: load of ${call[2]} typed as ${call[1]}`);
        }
        assert.equal(
          [...text.matchAll(/\bload</g)].length,
          [...text.matchAll(/\bload<typeof import\("[^"]+"\)>\(\s*"[^"]+",\s*import\.meta\.url/g)]
            .length,
          `${path}: every load() is load<typeof import("X")>("X", import.meta.url)`,
        );
        // A literal import() would put the module back into the start-up graph of every run.
        assert.doesNotMatch(
          text,
          /(?<!typeof )\bimport\(\s*["'`]/,
          `${path} has an analysable dynamic import`,
        );
      }
    }
  };
  walk("src");
  assert.ok(calls >= modules.length);
  for (const path of modules) assert.ok(Deno.statSync(path).isFile, path);
  const argv = compileArgs("x86_64-unknown-linux-gnu", "1.2.3", ["-q"], "dist", modules);
  assert.deepEqual(argv.slice(2, 4), ["--include", modules[0]]);
});
