/**
 * MFA input: the user types the code on the controlling terminal.
 * @module
 */
import { ConsoleInterrupt } from "../terminal.ts";
import {
  describeRequest,
  MfaCancelled,
  type MfaDriver,
  MfaInputError,
  normaliseCode,
} from "./types.ts";

/** Asks on the terminal until a 6-digit code is typed; empty input or Ctrl-D cancels. */
export const terminalDriver: MfaDriver = {
  name: "terminal",
  detect(request) {
    const console = request.ui.console;
    if (!console) return "no terminal (no /dev/tty and stdin is not a terminal)";
    return {
      name: "terminal",
      generator: false,
      async read(request, signal) {
        if (request.retryReason) console.write(`${request.retryReason}\n`);
        console.write(`MFA code for ${describeRequest(request)}\n`);
        while (true) {
          console.write("Enter MFA code: ");
          let answer: string | undefined;
          try {
            answer = await console.readLine(signal);
          } catch (error) {
            if (error instanceof ConsoleInterrupt) throw new MfaCancelled("terminal");
            throw error;
          }
          if (signal.aborted) {
            console.write("\n");
            throw new MfaInputError("terminal", "another input answered first");
          }
          if (answer === undefined) {
            console.write("\n");
            throw new MfaCancelled("terminal");
          }
          const code = normaliseCode(answer);
          if (code) return code;
          console.write("The MFA code is 6 digits. ");
        }
      },
    };
  },
};
