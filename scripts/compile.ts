/**
 * Builds the standalone release binaries with `deno compile`, packs them and writes `SHA256SUMS`.
 *
 * ```sh
 * deno run -A scripts/compile.ts [--all | --target TRIPLE ...] [--out dist]
 * ```
 *
 * - default target: the host's (`Deno.build.target`); `--all`: every target in {@link TARGETS}.
 * - writes `OUT/vegas-credentials-<version>-<target>[.exe]`, an archive next to it (`.tar.gz` holding
 *   `vegas-credentials`, or `.zip` holding `vegas-credentials.exe` for Windows) and `OUT/SHA256SUMS`
 *   listing the archives built by this run.
 * - the version comes from deno.json; the permission flags are the ones of the `cli` task, so the
 *   binary runs with exactly the permission set `deno task cli` uses (`-P=vegas` in deno.json).
 *
 * `deno compile` downloads the Deno runtime for each target from dl.deno.land the first time; without
 * that host the script stops with one line saying so. Archives are built in TypeScript (no `tar` or
 * `zip` needed); their timestamps come from `SOURCE_DATE_EPOCH` when set.
 * @module
 */

import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  archiveName,
  artifactName,
  binaryNameInArchive,
  fail,
  readVersion,
  targetInfo,
  TARGETS,
  wantsHelp,
  withoutLeadingDashes,
} from "./release_config.ts";

export { archiveName, artifactName, TARGETS } from "./release_config.ts";

/** The entry point compiled into the binary. */
export const ENTRY_POINT = "main.ts";

/** A deno.json task value: a command string, or `{ command, description }`. */
type TaskValue = string | { command?: string; description?: string };

/** The command string of a task, or undefined when the task is absent. */
function taskCommand(denoJson: unknown, name: string): string | undefined {
  const tasks = (denoJson as { tasks?: Record<string, TaskValue> } | null)?.tasks;
  const task = tasks?.[name];
  if (task === undefined) return undefined;
  return typeof task === "string" ? task : task.command;
}

/**
 * The flags of a `deno run FLAGS main.ts [ARGS]` command: the tokens between `deno run` and
 * `main.ts`. Throws when the command does not have that shape.
 */
export function runFlags(command: string): string[] {
  const tokens = command.trim().split(/\s+/);
  const entry = tokens.indexOf(ENTRY_POINT);
  if (tokens[0] !== "deno" || tokens[1] !== "run" || entry < 2) {
    throw new Error(`expected "deno run FLAGS ${ENTRY_POINT} ...", got "${command}"`);
  }
  return tokens.slice(2, entry);
}

/**
 * The permission flags of the `cli` task of a parsed deno.json (e.g. `["-q", "-P=vegas",
 * "--no-prompt"]`), which `deno compile` must use too. Throws when the `cli` task is missing or not
 * `deno run FLAGS main.ts`, or when the `assume` task (if present) uses different flags.
 */
export function permissionFlagsFromTasks(denoJson: unknown): string[] {
  const cli = taskCommand(denoJson, "cli");
  if (cli === undefined) throw new Error(`deno.json has no "cli" task`);
  const flags = runFlags(cli);
  const assume = taskCommand(denoJson, "assume");
  if (assume !== undefined && runFlags(assume).join(" ") !== flags.join(" ")) {
    throw new Error(
      `the "assume" task's flags (${runFlags(assume).join(" ")}) differ from the "cli" task's ` +
        `(${flags.join(" ")})`,
    );
  }
  if (!flags.some((flag) => /^(-P|--permission-set)(=|$)/.test(flag))) {
    throw new Error(`the "cli" task passes no permission set (-P=NAME): "${cli}"`);
  }
  return flags;
}

/**
 * The argv after `deno` that compiles `target`:
 * `compile FLAGS --target TARGET --output OUT/vegas-credentials-VERSION-TARGET[.exe] main.ts`.
 */
export function compileArgs(
  target: string,
  version: string,
  flags: readonly string[],
  outDir = "dist",
  includes: readonly string[] = [],
): string[] {
  const output = `${outDir.replace(/[\\/]+$/, "")}/${artifactName(target, version)}`;
  const included = includes.flatMap((path) => ["--include", path]);
  return ["compile", ...flags, ...included, "--target", target, "--output", output, ENTRY_POINT];
}

/**
 * The modules the program loads lazily with `load("./x.ts", import.meta.url)` (src/lazy.ts): Deno
 * does not follow those imports, so `deno compile` must be told to embed them (`--include`).
 * Returns repository-relative paths, sorted, found by scanning `srcDir`.
 */
export function lazyModules(srcDir = "src", entryPoint = ENTRY_POINT): string[] {
  const found = new Set<string>();
  const scan = (path: string) => {
    const text = Deno.readTextFileSync(path);
    for (const match of text.matchAll(/\bload<[^>]*>\(\s*"([^"]+)",\s*import\.meta\.url/g)) {
      found.add(new URL(match[1], `file:///${path}`).pathname.slice(1));
    }
  };
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) scan(path);
    }
  };
  scan(entryPoint);
  walk(srcDir);
  return [...found].sort();
}

/** Options of the command line. */
export interface CompileOptions {
  /** Target triples, in order. */
  targets: string[];
  /** Output directory. */
  out: string;
}

/** Parses `[--all | --target TRIPLE ...] [--out DIR]`; the host target when none is given. */
export function parseCompileArgs(args: string[], hostTarget: string): CompileOptions {
  const usage = "usage: compile.ts [--all | --target TRIPLE ...] [--out DIR]";
  args = withoutLeadingDashes(args);
  let all = false;
  let out = "dist";
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value (${usage})`);
      return v;
    };
    if (flag === "--all" && eq < 0) all = true;
    else if (flag === "--target") targets.push(targetInfo(value()).triple);
    else if (flag === "--out") out = value();
    else throw new Error(`unknown argument ${arg} (${usage})`);
  }
  if (all && targets.length > 0) throw new Error(`--all and --target exclude each other`);
  if (all) return { targets: TARGETS.map((t) => t.triple), out };
  if (targets.length > 0) return { targets: [...new Set(targets)], out };
  if (!TARGETS.some((t) => t.triple === hostTarget)) {
    throw new Error(`this host (${hostTarget}) is not a release target; pass --target or --all`);
  }
  return { targets: [hostTarget], out };
}

/** Lower-case hex SHA-256 of `data`. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", Uint8Array.from(data));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `sha256sum`-format text for `files` (paths): one `<hex>  <basename>` line each, sorted by name,
 * ending with a newline. `sha256sum -c` accepts it in the files' directory.
 */
export async function sha256sums(files: readonly string[]): Promise<string> {
  const lines = await Promise.all(
    files.map(async (file) => ({
      name: basename(file),
      hex: await sha256Hex(await Deno.readFile(file)),
    })),
  );
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return lines.map(({ hex, name }) => `${hex}  ${name}\n`).join("");
}

// ---------------------------------------------------------------------------------------------
// Archives (pure TypeScript, identical output on every OS)

async function compress(data: Uint8Array, format: CompressionFormat): Promise<Uint8Array> {
  const stream = new Blob([Uint8Array.from(data)]).stream().pipeThrough(
    new CompressionStream(format),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Writes `value` as a NUL-terminated, zero-padded octal field of `width` bytes. */
function octal(header: Uint8Array, offset: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, "0");
  if (text.length > width - 1) throw new Error(`value ${value} does not fit a tar header field`);
  header.set(new TextEncoder().encode(text), offset);
}

/**
 * A gzip-compressed ustar archive holding one regular file `name` (mode `mode`, owner 0:0,
 * modification time `mtime` in seconds).
 */
export async function tarGz(
  name: string,
  data: Uint8Array,
  mode = 0o755,
  mtime = 0,
): Promise<Uint8Array> {
  const encodedName = new TextEncoder().encode(name);
  if (encodedName.length > 100) throw new Error(`tar entry name too long: ${name}`);
  const header = new Uint8Array(512);
  header.set(encodedName, 0);
  octal(header, 100, 8, mode);
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, data.length);
  octal(header, 136, 12, mtime);
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  header[156] = 0x30; // '0': regular file
  header.set(new TextEncoder().encode("ustar\u000000"), 257);
  header.set(new TextEncoder().encode("root"), 265);
  header.set(new TextEncoder().encode("root"), 297);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.set(new TextEncoder().encode(checksum.toString(8).padStart(6, "0") + "\u0000 "), 148);
  const padding = new Uint8Array((512 - (data.length % 512)) % 512);
  const end = new Uint8Array(1024);
  return await compress(concat([header, data, padding, end]), "gzip");
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (as used by zip and gzip) of `data`. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zip archive holding one deflated file `name` (unix mode `mode`, timestamp `mtime` seconds). */
export async function zipFile(
  name: string,
  data: Uint8Array,
  mode = 0o755,
  mtime = 0,
): Promise<Uint8Array> {
  const deflated = await compress(data, "deflate-raw");
  if (data.length >= 0xffffffff || deflated.length >= 0xffffffff) {
    throw new Error(`${name} is too large for a zip without zip64`);
  }
  const nameBytes = new TextEncoder().encode(name);
  // DOS date/time (UTC); the format cannot go before 1980.
  const date = new Date(Math.max(mtime * 1000, Date.UTC(1980, 0, 1)));
  const dosTime = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) |
    (date.getUTCSeconds() >> 1);
  const dosDate = ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) |
    date.getUTCDate();
  const crc = crc32(data);

  const local = new Uint8Array(30 + nameBytes.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true); // version needed: 2.0 (deflate)
  lv.setUint16(6, 0, true); // flags
  lv.setUint16(8, 8, true); // method: deflate
  lv.setUint16(10, dosTime, true);
  lv.setUint16(12, dosDate, true);
  lv.setUint32(14, crc, true);
  lv.setUint32(18, deflated.length, true);
  lv.setUint32(22, data.length, true);
  lv.setUint16(26, nameBytes.length, true);
  lv.setUint16(28, 0, true); // extra length
  local.set(nameBytes, 30);

  const central = new Uint8Array(46 + nameBytes.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, (3 << 8) | 20, true); // made by: unix, 2.0 (so the mode below is honoured)
  cv.setUint16(6, 20, true);
  cv.setUint16(8, 0, true);
  cv.setUint16(10, 8, true);
  cv.setUint16(12, dosTime, true);
  cv.setUint16(14, dosDate, true);
  cv.setUint32(16, crc, true);
  cv.setUint32(20, deflated.length, true);
  cv.setUint32(24, data.length, true);
  cv.setUint16(28, nameBytes.length, true);
  // 30 extra length, 32 comment length, 34 disk, 36 internal attributes: all 0
  cv.setUint32(38, ((0o100000 | mode) << 16) >>> 0, true); // external: regular file + mode
  cv.setUint32(42, 0, true); // offset of the local header
  central.set(nameBytes, 46);

  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true); // entries on this disk
  ev.setUint16(10, 1, true); // entries in total
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + deflated.length, true); // offset of the central directory
  return concat([local, deflated, central, end]);
}

/** The release archive for `target` holding `binary` under its installed name. */
export async function packArchive(
  target: string,
  binary: Uint8Array,
  mtime = 0,
): Promise<Uint8Array> {
  const inner = binaryNameInArchive(target);
  return targetInfo(target).os === "windows"
    ? await zipFile(inner, binary, 0o755, mtime)
    : await tarGz(inner, binary, 0o755, mtime);
}

// ---------------------------------------------------------------------------------------------
// Running deno compile

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/**
 * The message for a failed `deno compile` of `target`: one line when the runtime download from
 * dl.deno.land failed, else Deno's own error without its stack backtrace.
 */
export function describeCompileFailure(stderr: string, target: string): string {
  const text = stripAnsi(stderr).split(/\n\s*Stack backtrace:/)[0].trim();
  if (/dl\.deno\.land|Setting up base binary|denort-/.test(text)) {
    if (/error sending request|dns error|connect|timed out|network|certificate/i.test(text)) {
      return `compiling needs network access to dl.deno.land to download the Deno runtime for ` +
        `${target}; run it on a release machine (the GitHub release workflow does)`;
    }
    const causes = text.split("\n").map((l) => l.replace(/^\s*(\d+:|error:)\s*/, "").trim());
    return `downloading the Deno runtime (denort) for ${target} from dl.deno.land failed: ` +
      causes.filter((l) => l !== "").at(-1);
  }
  return `deno compile failed for ${target}:\n${text.replace(/^error:\s*/, "")}`;
}

/** Archive timestamp: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now. */
function archiveTime(): number {
  const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
  if (epoch !== undefined && /^\d+$/.test(epoch)) return Number(epoch);
  return Math.floor(Date.now() / 1000);
}

/** `--help`. */
export function compileUsage(): string {
  return [
    "Usage: deno run -A scripts/compile.ts [--all | --target TRIPLE ...] [--out DIR]",
    "       deno task compile [--all | --target TRIPLE ...] [--out DIR]",
    "",
    "Builds the standalone binaries with deno compile, an archive of each and SHA256SUMS.",
    "",
    "Options:",
    "  --all            every release target",
    "  --target TRIPLE  this target (repeatable); default: this machine's",
    "  --out DIR        output directory (default dist)",
    "  -h, --help       this help",
    "",
    `Targets: ${TARGETS.map((t) => t.triple).join(", ")}`,
    "Compiling downloads the Deno runtime for each target from dl.deno.land the first time.",
    "",
  ].join("\n");
}

async function main(args: string[]): Promise<void> {
  if (wantsHelp(args)) return void console.log(compileUsage());
  // Work from the repository root so deno.json, main.ts and the default dist/ are found wherever
  // the script is started from (deno task already does this).
  Deno.chdir(dirname(dirname(fileURLToPath(import.meta.url))));
  const options = parseCompileArgs(args, Deno.build.target);
  const denoJson = JSON.parse(await Deno.readTextFile("deno.json"));
  const flags = permissionFlagsFromTasks(denoJson);
  const version = await readVersion("deno.json");
  await Deno.mkdir(options.out, { recursive: true });
  const mtime = archiveTime();

  const archives: string[] = [];
  for (const target of options.targets) {
    const argv = compileArgs(target, version, flags, options.out, lazyModules("src"));
    const result = await new Deno.Command(Deno.execPath(), {
      args: argv,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (!result.success) {
      throw new Error(describeCompileFailure(new TextDecoder().decode(result.stderr), target));
    }
    const binaryPath = join(options.out, artifactName(target, version));
    const archivePath = join(options.out, archiveName(target, version));
    await Deno.writeFile(
      archivePath,
      await packArchive(target, await Deno.readFile(binaryPath), mtime),
    );
    archives.push(archivePath);
    console.log(binaryPath);
    console.log(archivePath);
  }
  const sumsPath = join(options.out, "SHA256SUMS");
  await Deno.writeTextFile(sumsPath, await sha256sums(archives));
  console.log(sumsPath);
}

if (import.meta.main) {
  await main(Deno.args).catch(fail);
}
