/**
 * A real terminal for tests: a tmux session running a shell script with the sandbox's environment,
 * with helpers to read the screen and type.
 * @module
 */
import type { Sandbox } from "./harness.ts";

function tmux(socket: string, ...args: string[]): string {
  let output: Deno.CommandOutput;
  try {
    output = new Deno.Command("tmux", { args: ["-L", socket, ...args], stdin: "null" })
      .outputSync();
  } catch {
    throw new Error("tmux is not installed; these tests need it: apt-get install -y tmux");
  }
  if (!output.success) {
    throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** A running terminal; dispose it to end its tmux server. */
export interface Terminal extends Disposable {
  /** The visible screen plus 100 lines of history. */
  screen(): string;
  /** The same with the colour escape sequences the programs wrote. */
  screenWithColours(): string;
  /** Types text literally. */
  type(text: string): void;
  /** Presses a named key (`Enter`, `C-d`). */
  key(name: string): void;
}

/**
 * Runs `script` (shell) in a new terminal with `sandbox.env` exported. The script's exit status is
 * printed as `EXIT=N` when it ends; the terminal stays open until disposed.
 */
export function openTerminal(
  sandbox: Sandbox,
  script: string,
  size: { columns: number; rows: number } = { columns: 200, rows: 50 },
): Terminal {
  const socket = `vegas-test-${crypto.randomUUID().slice(0, 8)}`;
  const file = `${sandbox.home}/terminal-${socket}.sh`;
  // Only names a shell accepts: `deno task` and CI add variables that `export` would refuse.
  const exports = Object.entries(sandbox.env)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => `export ${key}='${value.replaceAll("'", "'\\''")}'`)
    .join("\n");
  Deno.writeTextFileSync(file, `${exports}\n${script}\necho "EXIT=$?"\nsleep 600\n`);
  tmux(
    socket,
    "new-session",
    "-d",
    "-x",
    String(size.columns),
    "-y",
    String(size.rows),
    `sh ${file}`,
  );
  return {
    screen: () => tmux(socket, "capture-pane", "-p", "-J", "-S", "-100"),
    screenWithColours: () => tmux(socket, "capture-pane", "-p", "-e", "-S", "-100"),
    // `--`: text that starts with "-" is not a flag of send-keys.
    type: (text) => void tmux(socket, "send-keys", "-l", "--", text),
    key: (name) => void tmux(socket, "send-keys", name),
    [Symbol.dispose]: () => {
      try {
        tmux(socket, "kill-server");
      } catch { /* already gone */ }
    },
  };
}
