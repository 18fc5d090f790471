/** The Unix terminal console (src/terminal.ts) over stand-in descriptors: how it meets a dead terminal. */
import assert from "node:assert/strict";
import { TerminalClosed, TtyConsole } from "../../src/terminal.ts";

/** An I/O error as Deno's `setRaw` reports one for a terminal that hung up (with no code). */
function eio(): Error {
  return new Error("EIO: I/O error");
}

/** A terminal whose every operation fails: it hung up before the prompt began reading. */
const hungUp = {
  setRaw() {
    throw eio();
  },
  write() {
    throw eio();
  },
} as unknown as Deno.FsFile;

Deno.test("terminal console: a terminal gone before the prompt reads is 'closed', not an I/O error", async () => {
  const console = new TtyConsole(hungUp, -1, () => {
    throw eio();
  });
  console.write("Enter MFA code: "); // lost, and no error: nobody is there to read it
  await assert.rejects(console.readLine(new AbortController().signal), TerminalClosed);
});

Deno.test("terminal console: a terminal that hangs up while the prompt reads is 'closed'", async () => {
  let raw = false;
  const alive = {
    setRaw(mode: boolean) {
      raw = mode;
    },
    write: (bytes: Uint8Array) => Promise.resolve(bytes.length),
    writeSync: (bytes: Uint8Array) => bytes.length,
  } as unknown as Deno.FsFile;
  const console = new TtyConsole(alive, -1, () => 0); // a read of 0 bytes: the terminal is gone
  await assert.rejects(console.readLine(new AbortController().signal), TerminalClosed);
  assert.equal(raw, false, "the terminal mode was not restored");
});
