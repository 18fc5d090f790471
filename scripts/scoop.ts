/**
 * Generates the Scoop manifest of a release from its `SHA256SUMS`.
 *
 * ```sh
 * deno run -A scripts/scoop.ts [--sums dist/SHA256SUMS] [--repo OWNER/NAME] [--out dist/vegas-credentials.json]
 * ```
 *
 * The version is deno.json's; the Windows archive of that version must be listed in the sums file.
 * @module
 */

import { dirname } from "node:path";
import {
  APP_NAME,
  archiveName,
  checksumFor,
  DENO_JSON,
  DESCRIPTION,
  fail,
  generatorUsage,
  homepage,
  LICENSE,
  parseGeneratorArgs,
  parseSha256Sums,
  readSums,
  readVersion,
  releaseUrl,
  TARGETS,
  wantsHelp,
} from "./release_config.ts";

/** Default output path. */
export const DEFAULT_MANIFEST_PATH = "dist/vegas-credentials.json";

/** The Windows target the manifest installs. */
export const WINDOWS_TARGET: string = TARGETS.find((t) => t.os === "windows")!.triple;

/** The Scoop manifest object (see Scoop's "App Manifests"). */
export interface ScoopManifest {
  version: string;
  description: string;
  homepage: string;
  license: string;
  architecture: { "64bit": { url: string; hash: string } };
  bin: string;
  checkver: { github: string };
  autoupdate: {
    architecture: { "64bit": { url: string } };
    hash: { url: string; regex: string };
  };
}

/** Inputs of {@link scoopManifest}. */
export interface ManifestInput {
  /** Release version without the `v`. */
  version: string;
  /** GitHub `OWNER/NAME`. */
  repo: string;
  /** Checksums by archive file name. */
  sums: Map<string, string>;
}

/**
 * The manifest for the Windows x86_64 archive, with `checkver` on the GitHub releases and an
 * `autoupdate` that takes the hash from the release's `SHA256SUMS`. Throws when the checksum is
 * missing.
 */
export function scoopManifest({ version, repo, sums }: ManifestInput): ScoopManifest {
  const hash = checksumFor(sums, WINDOWS_TARGET, version);
  return {
    version,
    description: DESCRIPTION,
    homepage: homepage(repo),
    license: LICENSE,
    architecture: {
      "64bit": { url: releaseUrl(repo, version, archiveName(WINDOWS_TARGET, version)), hash },
    },
    bin: `${APP_NAME}.exe`,
    checkver: { github: homepage(repo) },
    autoupdate: {
      architecture: {
        "64bit": { url: releaseUrl(repo, "$version", archiveName(WINDOWS_TARGET, "$version")) },
      },
      hash: { url: "$baseurl/SHA256SUMS", regex: "$sha256\\s+$basename" },
    },
  };
}

/** The manifest as Scoop buckets store it: 4-space indented JSON with a final newline. */
export function renderScoopManifest(input: ManifestInput): string {
  return JSON.stringify(scoopManifest(input), null, 4) + "\n";
}

async function main(args: string[]): Promise<void> {
  if (wantsHelp(args)) {
    return void console.log(
      generatorUsage("scoop.ts", "the Scoop manifest", DEFAULT_MANIFEST_PATH),
    );
  }
  const options = parseGeneratorArgs(args, DEFAULT_MANIFEST_PATH);
  const version = await readVersion(DENO_JSON);
  const sums = parseSha256Sums(await readSums(options.sums));
  const manifest = renderScoopManifest({ version, repo: options.repo, sums });
  await Deno.mkdir(dirname(options.out), { recursive: true });
  await Deno.writeTextFile(options.out, manifest);
  console.log(options.out);
}

if (import.meta.main) {
  await main(Deno.args).catch(fail);
}
