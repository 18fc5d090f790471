/**
 * vegas-credentials: the command-line program.
 *
 * Used as an AWS `credential_process`: `vegas-credentials assume --profile=NAME`.
 * @module
 */
import { cachedAssume } from "./src/fast_path.ts";
import { load } from "./src/lazy.ts";

if (import.meta.main) {
  // Before any key is read: no memory of this process in a core dump (see src/core_dumps.ts;
  // written out here because one more module on the cache-hit path costs more than this write).
  if (Deno.build.os === "linux") {
    try {
      Deno.writeTextFileSync("/proc/self/coredump_filter", "0");
    } catch { /* no /proc: nothing more to do */ }
  }
  const cached = cachedAssume(Deno.args);
  if (cached !== undefined) {
    Deno.stdout.writeSync(new TextEncoder().encode(cached + "\n"));
    Deno.exit(0);
  }
  let cli: typeof import("./src/cli/run.ts");
  try {
    cli = await load<typeof import("./src/cli/run.ts")>("./src/cli/run.ts", import.meta.url);
  } catch (error) {
    // A broken install (a module missing from the binary): one line, never a stack trace.
    Deno.stderr.writeSync(
      new TextEncoder().encode(`vegas-credentials: cannot start: ${(error as Error).message}\n`),
    );
    Deno.exit(1);
  }
  // Exit explicitly: an abandoned terminal read or lock wait must not keep the process alive.
  Deno.exit(await cli.run(Deno.args));
}
