/**
 * Real OS secure stores for the tests: a private D-Bus session bus with GNOME Keyring's Secret
 * Service (unlocked with a known password), and `pass` with a throwaway GPG key. Plus spies: shell
 * wrappers, first on PATH, that record the command line (`/proc/PID/cmdline`) and environment of
 * every helper process started through them, then exec the real program.
 * @module
 */

const decoder = new TextDecoder();

/** Runs a program to completion; throws with its stderr when it fails. */
async function run(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  if (!output.success) {
    throw new Error(`${program} ${args.join(" ")} failed: ${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout);
}

/** A running Secret Service on a bus of its own. */
export interface SecretService extends AsyncDisposable {
  /** DBUS_SESSION_BUS_ADDRESS (and nothing else is needed to reach it). */
  readonly env: Record<string, string>;
  /** Locks the login keyring, as a screen lock or a timeout would. */
  lock(): Promise<void>;
  /** `secret-tool ARGS` against this store (for looking at what the program left there). */
  secretTool(args: string[]): Promise<string>;
}

/**
 * Starts `dbus-daemon` with a configuration that activates no services (so nothing but this
 * keyring answers, and no prompter can appear), then `gnome-keyring-daemon --unlock` with the
 * password on stdin; keyrings live under `dir`. Resolves once the keyring owns its bus name.
 */
export async function startSecretService(dir: string): Promise<SecretService> {
  const socket = `${dir}/bus`;
  const config = `${dir}/bus.conf`;
  Deno.writeTextFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const bus = new Deno.Command("dbus-daemon", {
    args: [`--config-file=${config}`, "--nofork", "--nopidfile"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const address = `unix:path=${socket}`;
  const env = { DBUS_SESSION_BUS_ADDRESS: address };
  const base = {
    HOME: dir,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    XDG_DATA_HOME: `${dir}/data`,
    XDG_RUNTIME_DIR: dir,
    ...env,
  };
  const dbusSend = (args: string[]) =>
    run("dbus-send", ["--session", "--print-reply", ...args], { env: base });
  const until = async (what: string, ready: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await ready().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`${what} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await until("dbus-daemon", () => Promise.resolve(exists(socket)));
  const keyring = new Deno.Command("gnome-keyring-daemon", {
    args: ["--foreground", "--unlock", "--components=secrets"],
    env: base,
    clearEnv: true,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = keyring.stdin.getWriter();
  await writer.write(new TextEncoder().encode("vegas-test-keyring-password"));
  await writer.close();
  const hasOwner = async () =>
    (await dbusSend([
      "--dest=org.freedesktop.DBus",
      "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner",
      "string:org.freedesktop.secrets",
    ])).includes("boolean true");
  await until("gnome-keyring-daemon", hasOwner);
  // The login keyring is created on first use: store and forget one item so it exists.
  const secretTool = (args: string[], stdin?: string) =>
    run("secret-tool", args, { env: base, stdin });
  await secretTool(["store", "--label=warm-up", "test", "warm-up"], "x");
  await secretTool(["clear", "test", "warm-up"]);
  return {
    env,
    async lock() {
      await dbusSend([
        "--dest=org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        "array:objpath:/org/freedesktop/secrets/collection/login",
      ]);
    },
    secretTool: (args) => secretTool(args),
    async [Symbol.asyncDispose]() {
      for (const child of [keyring, bus]) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        await child.status;
      }
    },
  };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** `pass` with a GPG key of its own (no passphrase), under `dir`. */
export interface PassStore extends AsyncDisposable {
  /** GNUPGHOME and PASSWORD_STORE_DIR. */
  readonly env: Record<string, string>;
  /** `pass ARGS` against this store. */
  pass(args: string[]): Promise<string>;
  /**
   * Re-initialises the store for a second key that has a passphrase, which no pinentry can ask
   * for here: the entries written afterwards cannot be decrypted (a "locked" store).
   */
  lockBehindPassphrase(): Promise<void>;
}

/** Makes a GPG home with an ed25519/cv25519 key (fast), and `pass init` for it. */
export async function startPass(dir: string): Promise<PassStore> {
  const gnupg = `${dir}/gnupg`;
  Deno.mkdirSync(gnupg, { mode: 0o700 });
  // A fixed, small S2K count: the agent's calibration would make a passphrase key take seconds.
  Deno.writeTextFileSync(`${gnupg}/gpg-agent.conf`, "s2k-count 65536\nallow-loopback-pinentry\n");
  const env = { GNUPGHOME: gnupg, PASSWORD_STORE_DIR: `${dir}/password-store` };
  const base = { ...env, HOME: dir, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  const gpg = (args: string[]) => run("gpg", ["--batch", "--quiet", ...args], { env: base });
  const newKey = async (uid: string, passphrase: string) => {
    const secret = ["--passphrase", passphrase, "--pinentry-mode", "loopback"];
    await gpg([...secret, "--quick-gen-key", uid, "ed25519", "sign,cert", "never"]);
    const listing = await gpg(["--with-colons", "--list-keys", uid]);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)![1];
    await gpg([...secret, "--quick-add-key", fingerprint, "cv25519", "encr", "never"]);
    return fingerprint;
  };
  const fingerprint = await newKey("vegas test <test@vegas.invalid>", "");
  const pass = (args: string[]) => run("pass", args, { env: base });
  await pass(["init", fingerprint]);
  return {
    env,
    pass,
    async lockBehindPassphrase() {
      const locked = await newKey("vegas locked <locked@vegas.invalid>", "unknowable");
      await run("gpgconf", ["--kill", "gpg-agent"], { env: base });
      await pass(["init", locked]);
    },
    async [Symbol.asyncDispose]() {
      await run("gpgconf", ["--kill", "all"], { env: base }).catch(() => {});
    },
  };
}

/** What the spies saw. */
export interface Spies {
  /** Directory to put first on PATH. */
  readonly bin: string;
  /** Every recorded command line (arguments joined by spaces), in order. */
  cmdlines(): string[];
  /** Every recorded environment, as `NAME=value` lines. */
  environments(): string;
}

/**
 * Wrappers for `programs` that append `/proc/$$/cmdline` and `/proc/$$/environ` (the kernel's view
 * of the process the program runs as: exec keeps both) to logs in `dir`, then exec the real one.
 */
export function spyOn(dir: string, programs: readonly string[]): Spies {
  const bin = `${dir}/spy-bin`;
  Deno.mkdirSync(bin, { recursive: true });
  const path = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":");
  for (const program of programs) {
    const real = path.map((entry) => `${entry}/${program}`).find(exists);
    if (!real) throw new Error(`${program} is not installed`);
    Deno.writeTextFileSync(
      `${bin}/${program}`,
      [
        "#!/bin/sh",
        `{ tr '\\000' ' ' < /proc/$$/cmdline; echo; } >> '${dir}/spy-cmdlines'`,
        `{ tr '\\000' '\\n' < /proc/$$/environ; echo; } >> '${dir}/spy-environments'`,
        `exec '${real}' "$@"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  }
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return "";
    }
  };
  return {
    bin,
    cmdlines: () => read("spy-cmdlines").split("\n").filter(Boolean),
    environments: () => read("spy-environments"),
  };
}

/** Every file under `root` (recursively) whose bytes contain `needle`. */
export function filesContaining(root: string, needle: string): string[] {
  const found: string[] = [];
  const bytes = new TextEncoder().encode(needle);
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && contains(Deno.readFileSync(path), bytes)) found.push(path);
    }
  };
  walk(root);
  return found;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
