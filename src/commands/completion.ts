/** stub */
import type { CommandContext } from "../cli/commands.ts";
/** stub */
export function runCompletion(_context: CommandContext): Promise<number> {
  return Promise.resolve(1);
}
