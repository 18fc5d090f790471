/**
 * vegas-credentials: the command-line program.
 *
 * Used as an AWS `credential_process`: `vegas-credentials assume --profile=NAME`.
 * @module
 */
import { cachedAssume } from "./src/fast_path.ts";
import { load } from "./src/lazy.ts";
import { excludeMemoryFromCoreDumps } from "./src/core_dumps.ts";

if (import.meta.main) {
  excludeMemoryFromCoreDumps(); // before any key is read
  const cached = cachedAssume(Deno.args);
  if (cached !== undefined) {
    Deno.stdout.writeSync(new TextEncoder().encode(cached + "\n"));
    Deno.exit(0);
  }
  const { run } = await load<typeof import("./src/cli/run.ts")>(
    "./src/cli/run.ts",
    import.meta.url,
  );
  // Exit explicitly: an abandoned terminal read or lock wait must not keep the process alive.
  Deno.exit(await run(Deno.args));
}
