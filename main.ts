/**
 * vegas-credentials: the command-line program.
 *
 * Used as an AWS `credential_process`: `vegas-credentials assume --profile=NAME`.
 * @module
 */
import { run } from "./src/cli/run.ts";

if (import.meta.main) {
  const code = await run(Deno.args);
  // Exit explicitly: an abandoned terminal read or lock wait must not keep the process alive.
  Deno.exit(code);
}
