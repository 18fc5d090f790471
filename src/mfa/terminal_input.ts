/**
 * MFA input: the user types the code on the controlling terminal.
 * @module
 */
import {
  describeRequest,
  MfaCancelled,
  type MfaDriver,
  MfaInputError,
  normaliseCode,
} from "./types.ts";

/**
 * Asks on the terminal until a 6-digit code is typed: an empty or short answer asks again, Ctrl-D
 * on an empty line cancels, Ctrl-C interrupts the program (src/interrupt.ts).
 */
export const terminalDriver: MfaDriver = {
  name: "terminal",
  detect(request) {
    if (!request.ui.hasTerminal()) return "no terminal (no /dev/tty and stdin is not a terminal)";
    return {
      name: "terminal",
      generator: false,
      async read(request, signal) {
        const console = await request.ui.openConsole();
        if (!console) throw new MfaInputError("terminal", "the terminal cannot be opened");
        if (signal.aborted) throw new MfaInputError("terminal", "another input answered first");
        if (request.retryReason) console.write(`${request.retryReason}\n`);
        console.write(`MFA code for ${describeRequest(request)}\n`);
        while (true) {
          console.write("Enter MFA code: ");
          // On abort the console ends the line itself, with the race's note.
          const answer = await console.readLine(signal);
          if (signal.aborted) throw new MfaInputError("terminal", "another input answered first");
          if (answer === undefined) throw new MfaCancelled("terminal");
          const code = normaliseCode(answer);
          if (code) return code;
          console.write("The MFA code is 6 digits. ");
        }
      },
    };
  },
};
