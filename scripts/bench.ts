/**
 * Benchmark of the hot path: `assume` on a fresh cache entry versus an empty Deno program run with
 * the same flags. Targets (from the core issue): at most 1.3x the empty program's wall time and at
 * most 40 MiB peak memory. Results are printed as Markdown for BENCHMARKS.md.
 *
 * Usage: deno run -A scripts/bench.ts [--runs 60]
 */
import {
  cliCommand,
  makeSandbox,
  REPO,
  standardConfig,
  standardCredentials,
} from "../tests/support/harness.ts";
import { resolveProfile } from "../src/config/resolve.ts";
import { roleSlot } from "../src/assume/pipeline.ts";
import { writeEntry } from "../src/cache/store.ts";

if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log([
    "Usage: deno run -A scripts/bench.ts [--runs N]",
    "",
    "Times `assume` on a fresh cache entry against an empty Deno program run with the same flags",
    "(hyperfine when installed), and its peak memory; prints Markdown for BENCHMARKS.md.",
    "",
    "Options:",
    "  --runs N    runs of each program (default 60)",
    "  -h, --help  this help",
  ].join("\n"));
  Deno.exit(0);
}

const runsFlag = Deno.args.indexOf("--runs");
const RUNS = runsFlag >= 0 ? Number(Deno.args[runsFlag + 1]) : 60;
const TARGET_RATIO = 1.3;
const TARGET_RSS_KIB = 40 * 1024;

await using sandbox = makeSandbox();
// A Deno cache of its own (warmed by the first runs), so that the size of a developer's shared
// cache (its SQLite code cache grows with every project and test run) does not skew the result.
sandbox.env.DENO_DIR = `${sandbox.home}/deno-dir`;
sandbox.writeConfig(standardConfig({ source: "vegas_mfa_process = false" }));
sandbox.writeCredentials(standardCredentials());
const env = (name: string) => sandbox.env[name];
const profile = resolveProfile("singer", env);
const slot = roleSlot(profile, env);
writeEntry(slot.dir, slot.name, {
  ...slot.meta,
  createdAt: new Date().toISOString(),
  credentials: {
    accessKeyId: "ASIABENCHMARKEXAMPLE",
    secretAccessKey: "benchmark-secret",
    sessionToken: "benchmark-token",
    expiration: new Date(Date.now() + 3600_000),
  },
}, slot.replacesPrefix);

const cli = cliCommand();
const flags = cli.slice(1, -1); // run -q -P=vegas --no-prompt --config=…
const commands = {
  empty: [cli[0], ...flags, `${REPO}scripts/bench_empty.ts`],
  hit: [...cli, "assume", "--profile=singer"],
};

// One full run writes the hit index (src/cache/hit_index.ts), as the first `assume` after any
// config change does; every measured run after it is the fast path.
runOnce(commands.hit);

function runOnce(argv: string[]): number {
  const started = performance.now();
  const out = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: sandbox.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const ms = performance.now() - started;
  if (!out.success) {
    throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

function peakRssKiB(argv: string[]): number | undefined {
  try {
    const out = new Deno.Command("/usr/bin/time", {
      args: ["-f", "%M", ...argv],
      env: sandbox.env,
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    return Number(new TextDecoder().decode(out.stderr).trim().split("\n").at(-1));
  } catch {
    return undefined;
  }
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    median: sorted[Math.floor(sorted.length / 2)],
    min: sorted[0],
  };
};

/** Medians etc. from hyperfine when installed (the standard tool), else from our own loop. */
function measure(): { empty: number[]; hit: number[]; tool: string } {
  try {
    const out = Deno.makeTempFileSync({ suffix: ".json" });
    const quote = (argv: string[]) => argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const run = new Deno.Command("hyperfine", {
      args: [
        "-N",
        "-w",
        "5",
        "-r",
        String(RUNS),
        "--export-json",
        out,
        quote(commands.empty),
        quote(commands.hit),
      ],
      env: sandbox.env,
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (run.success) {
      const results = JSON.parse(Deno.readTextFileSync(out)).results;
      Deno.removeSync(out);
      return {
        empty: results[0].times.map((t: number) => t * 1000),
        hit: results[1].times.map((t: number) => t * 1000),
        tool: "hyperfine",
      };
    }
  } catch { /* not installed: fall back */ }
  for (let i = 0; i < 5; i++) (runOnce(commands.empty), runOnce(commands.hit));
  const times = { empty: [] as number[], hit: [] as number[], tool: "own loop" };
  for (let i = 0; i < RUNS; i++) {
    times.empty.push(runOnce(commands.empty));
    times.hit.push(runOnce(commands.hit));
  }
  return times;
}
const times = measure();
const rss = {
  empty: Math.max(...Array.from({ length: 5 }, () => peakRssKiB(commands.empty) ?? NaN)),
  hit: Math.max(...Array.from({ length: 5 }, () => peakRssKiB(commands.hit) ?? NaN)),
};
const empty = stats(times.empty);
const hit = stats(times.hit);
const ratio = hit.median / empty.median;
const fmt = (n: number) => n.toFixed(1);
console.log(
  `| program (deno ${Deno.version.deno}, ${Deno.build.target}, ${navigator.hardwareConcurrency} cores) | median ms | mean ms | min ms | peak RSS MiB |`,
);
console.log("|---|---|---|---|---|");
console.log(
  `| empty program, same flags | ${fmt(empty.median)} | ${fmt(empty.mean)} | ${fmt(empty.min)} | ${
    fmt(rss.empty / 1024)
  } |`,
);
console.log(
  `| assume, cache hit | ${fmt(hit.median)} | ${fmt(hit.mean)} | ${fmt(hit.min)} | ${
    fmt(rss.hit / 1024)
  } |`,
);
console.log();
console.log(
  `cache hit / empty (medians): ${ratio.toFixed(2)}x (target ≤ ${TARGET_RATIO}x): ${
    ratio <= TARGET_RATIO ? "met" : "NOT met"
  }`,
);
console.log(
  `peak memory: ${fmt(rss.hit / 1024)} MiB (target ≤ 40 MiB): ${
    rss.hit <= TARGET_RSS_KIB ? "met" : "NOT met"
  }`,
);
