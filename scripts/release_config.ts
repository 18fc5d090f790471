/**
 * What the release scripts (`compile.ts`, `formula.ts`, `scoop.ts`) share: the repository the
 * releases live in, the supported targets, the artifact names and the `SHA256SUMS` parser.
 *
 * The version is never written here: it is read from `deno.json`, its single source.
 * @module
 */

import { fileURLToPath } from "node:url";

/** Absolute path of the project's deno.json, wherever a script is started from. */
export const DENO_JSON: string = fileURLToPath(new URL("../deno.json", import.meta.url));

/** GitHub `OWNER/NAME` that publishes the releases; `--repo` overrides it in the generators. */
export const DEFAULT_REPOSITORY = "vegas-credentials/vegas-credentials";

/** The program's name: the installed binary is `vegas-credentials` (`.exe` on Windows). */
export const APP_NAME = "vegas-credentials";

/** One-line description used by the Homebrew formula and the Scoop manifest. */
export const DESCRIPTION = "AWS credential_process helper with MFA and cached role credentials";

/** SPDX license identifier of the project. */
export const LICENSE = "Apache-2.0";

/** Operating system of a target, in the words the package managers use. */
export type TargetOs = "linux" | "darwin" | "windows";
/** CPU of a target. */
export type TargetArch = "x86_64" | "aarch64";

/** A `deno compile --target` triple with its platform. */
export interface Target {
  /** The triple passed to `deno compile --target`. */
  readonly triple: string;
  /** Operating system. */
  readonly os: TargetOs;
  /** CPU architecture. */
  readonly arch: TargetArch;
}

/** Every target a release ships, in the order `--all` compiles them. */
export const TARGETS: readonly Target[] = [
  { triple: "x86_64-unknown-linux-gnu", os: "linux", arch: "x86_64" },
  { triple: "aarch64-unknown-linux-gnu", os: "linux", arch: "aarch64" },
  { triple: "x86_64-apple-darwin", os: "darwin", arch: "x86_64" },
  { triple: "aarch64-apple-darwin", os: "darwin", arch: "aarch64" },
  { triple: "x86_64-pc-windows-msvc", os: "windows", arch: "x86_64" },
];

/** Returns the supported target for `triple`, or throws naming the supported ones. */
export function targetInfo(triple: string): Target {
  const found = TARGETS.find((t) => t.triple === triple);
  if (!found) {
    throw new Error(
      `unsupported target "${triple}" (supported: ${TARGETS.map((t) => t.triple).join(", ")})`,
    );
  }
  return found;
}

/**
 * File name of the compiled binary for a target, e.g.
 * `vegas-credentials-0.1.0-x86_64-unknown-linux-gnu` (`.exe` added for Windows only).
 */
export function artifactName(target: string, version: string): string {
  const exe = targetInfo(target).os === "windows" ? ".exe" : "";
  return `${APP_NAME}-${version}-${target}${exe}`;
}

/** Name of the binary inside the archive: `vegas-credentials`, or `vegas-credentials.exe`. */
export function binaryNameInArchive(target: string): string {
  return targetInfo(target).os === "windows" ? `${APP_NAME}.exe` : APP_NAME;
}

/** File name of the release archive: `.zip` for Windows, `.tar.gz` for the others. */
export function archiveName(target: string, version: string): string {
  const ext = targetInfo(target).os === "windows" ? ".zip" : ".tar.gz";
  return `${APP_NAME}-${version}-${target}${ext}`;
}

/** `https://github.com/OWNER/NAME`. */
export function homepage(repo: string): string {
  return `https://github.com/${repo}`;
}

/** Download URL of a release asset: `https://github.com/OWNER/NAME/releases/download/vX/FILE`. */
export function releaseUrl(repo: string, version: string, file: string): string {
  return `${homepage(repo)}/releases/download/v${version}/${file}`;
}

/** Throws unless `repo` looks like a GitHub `OWNER/NAME`. */
export function checkRepository(repo: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) {
    throw new Error(`--repo must be a GitHub OWNER/NAME, got "${repo}"`);
  }
  return repo;
}

/** Reads `"version"` from a deno.json file (the single source of the version). */
export async function readVersion(denoJsonPath = "deno.json"): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(denoJsonPath));
  const version = config?.version;
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`${denoJsonPath} has no valid "version" (found ${JSON.stringify(version)})`);
  }
  return version;
}

/**
 * Parses `sha256sum` output (`<64 hex>  <file>` per line, `*` binary marker allowed) into a map from
 * file name to lower-case hex digest. Throws on a malformed line.
 */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`SHA256SUMS line ${index + 1} is not "<sha256>  <file>": ${line}`);
    sums.set(match[2], match[1].toLowerCase());
  });
  return sums;
}

/**
 * Returns the checksum of the archive for `target`, or throws a message telling which archive is
 * missing and how to produce it.
 */
export function checksumFor(sums: Map<string, string>, target: string, version: string): string {
  const file = archiveName(target, version);
  const sum = sums.get(file);
  if (!sum) {
    throw new Error(
      `SHA256SUMS has no checksum for ${file} (target ${target}, version ${version}); ` +
        `run "deno task compile:all" for this version first`,
    );
  }
  return sum;
}

/** Reads the sums file, with a clear message when it is absent. */
export async function readSums(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${path} not found; run "deno task compile:all" first or pass --sums FILE`);
    }
    throw error;
  }
}

/** Options shared by the formula and Scoop generators' command lines. */
export interface GeneratorOptions {
  /** Path of the `SHA256SUMS` file. */
  sums: string;
  /** GitHub `OWNER/NAME`. */
  repo: string;
  /** Output file. */
  out: string;
}

/**
 * Parses `[--sums FILE] [--repo OWNER/NAME] [--out FILE]` (also `--opt=value`). Throws on an
 * unknown option or a missing value.
 */
export function parseGeneratorArgs(args: string[], defaultOut: string): GeneratorOptions {
  const options: GeneratorOptions = {
    sums: "dist/SHA256SUMS",
    repo: DEFAULT_REPOSITORY,
    out: defaultOut,
  };
  args = withoutLeadingDashes(args);
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=")
      ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)]
      : [args[i], undefined];
    const key = flag.replace(/^--/, "");
    if (!["sums", "repo", "out"].includes(key) || !flag.startsWith("--")) {
      throw new Error(
        `unknown option ${args[i]} (usage: [--sums FILE] [--repo OWNER/NAME] [--out FILE])`,
      );
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "") throw new Error(`${flag} needs a value`);
    options[key as keyof GeneratorOptions] = value;
  }
  checkRepository(options.repo);
  return options;
}

/** Does a script's command line ask for its help (`--help` or `-h`, before any `--`)? */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/**
 * The arguments without a leading `--`: `deno task compile -- --target X` passes the `--` on (an
 * npm habit); `deno task compile --target X` does not. Both mean the same.
 */
export function withoutLeadingDashes(args: readonly string[]): string[] {
  return args[0] === "--" ? args.slice(1) : [...args];
}

/** Usage of the formula and Scoop generators; `what` names the file they write. */
export function generatorUsage(script: string, what: string, defaultOut: string): string {
  return [
    `Usage: deno run -A scripts/${script} [--sums FILE] [--repo OWNER/NAME] [--out FILE]`,
    "",
    `Writes ${what} of the release whose version is deno.json's, from its SHA256SUMS.`,
    "",
    "Options:",
    "  --sums FILE        the release's SHA256SUMS (default dist/SHA256SUMS)",
    `  --repo OWNER/NAME  the GitHub repository of the release (default ${DEFAULT_REPOSITORY})`,
    `  --out FILE         where to write it (default ${defaultOut})`,
    "  -h, --help         this help",
    "",
  ].join("\n");
}

/** Prints `error: MESSAGE` (no stack trace) and exits 1. */
export function fail(error: unknown): never {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  Deno.exit(1);
}
