/** stub */
import type { CommandContext } from "../cli/commands.ts";
/** stub */
export function runConfigImport(_context: CommandContext): Promise<number> {
  return Promise.resolve(1);
}
