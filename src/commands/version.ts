/**
 * `version` / `--version`.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { VERSION } from "../version.ts";
import { noPositionals } from "./common.ts";

/** Prints the version; with `--full` also OS, architecture and the Deno runtime. */
export function runVersion(context: CommandContext): Promise<number> {
  noPositionals(context);
  let text = `vegas-credentials ${VERSION}`;
  if (context.values.full) {
    text += `\nos: ${Deno.build.os}\narch: ${Deno.build.arch}\ntarget: ${Deno.build.target}` +
      `\ndeno: ${Deno.version.deno}\nv8: ${Deno.version.v8}`;
  }
  context.print(text + "\n");
  return Promise.resolve(0);
}
