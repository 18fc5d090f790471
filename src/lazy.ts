/**
 * Loads a module of this program only when it is needed, without Deno reading it at start-up.
 *
 * Deno prepares every module a program can reach through static `import()` specifiers before the
 * first line runs, and each costs start-up time on the cache-hit path (BENCHMARKS.md). A URL built
 * at run time is not followed, so everything behind {@link load} (the MFA inputs, the AWS SDK, the
 * other commands) costs nothing until used. `deno compile` embeds these modules through the
 * `--include` list in scripts/compile.ts, which tests/distribution_test.ts keeps complete.
 * @module
 */

/**
 * Imports `specifier` relative to `base` (pass `import.meta.url`). Give the module's type:
 * `await load<typeof import("./assume/role.ts")>("./assume/role.ts", import.meta.url)`.
 */
export function load<T>(specifier: string, base: string): Promise<T> {
  return import(new URL(specifier, base).href);
}
