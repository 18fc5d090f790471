/**
 * A private X server (Xvfb) for GUI tests, driven with xdotool. Xvfb picks a free display number
 * itself (`-displayfd`), so parallel tests never race for one.
 * @module
 */

const TOOLS = { Xvfb: "xvfb", xdotool: "xdotool", zenity: "zenity" } as const;

/** Fails (never skips) when a tool is missing, saying how to install it. */
function requireTools() {
  const path = (Deno.env.get("PATH") ?? "").split(":");
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const found = path.some((dir) => {
      try {
        return Deno.statSync(`${dir}/${tool}`).isFile;
      } catch {
        return false;
      }
    });
    if (!found) {
      throw new Error(
        `${tool} is not installed; the GUI tests need it: apt-get install -y ${pkg} ` +
          `(all: apt-get install -y ${Object.values(TOOLS).join(" ")})`,
      );
    }
  }
}

/** A running X server; dispose to stop it. */
export interface X11 extends AsyncDisposable {
  /** `:N` */
  readonly display: string;
  /** Runs xdotool on this display; rejects when it fails. */
  xdotool(...args: string[]): Promise<string>;
}

/** Starts Xvfb on a display number of its own choosing. */
export async function startX11(): Promise<X11> {
  requireTools();
  const server = new Deno.Command("Xvfb", {
    args: ["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const timer = setTimeout(() => {
    try {
      server.kill("SIGKILL");
    } catch { /* gone */ }
  }, 15_000);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  clearTimeout(timer);
  reader.releaseLock();
  await server.stdout.cancel().catch(() => {});
  const number = text.trim();
  if (!/^\d+$/.test(number)) {
    await server.status;
    throw new Error("Xvfb did not start");
  }
  const display = `:${number}`;
  return {
    display,
    async xdotool(...args: string[]) {
      const output = await new Deno.Command("xdotool", {
        args,
        env: { DISPLAY: display },
        stdin: "null",
        signal: AbortSignal.timeout(20_000),
      }).output();
      if (!output.success) {
        throw new Error(
          `xdotool ${args.join(" ")}: exit ${output.code} ${
            new TextDecoder().decode(output.stderr)
          }`,
        );
      }
      return new TextDecoder().decode(output.stdout);
    },
    async [Symbol.asyncDispose]() {
      try {
        server.kill("SIGTERM");
      } catch { /* gone */ }
      await server.status;
    },
  };
}
