/**
 * A second local user for attack tests: processes run as uid/gid 65534 (`nobody` on Debian) through
 * `setpriv` (util-linux). Only root can switch users, and CI runs as root; elsewhere these tests are
 * ignored (with the reason in their name).
 * @module
 */

/** The other user's uid and gid. */
export const OTHER_UID = 65534;

/**
 * True when this process can act as another user (root, with setpriv installed) — and always in CI
 * (`CI=true`, root), where these tests must run: a missing setpriv then fails them instead of
 * skipping them.
 */
export const CAN_ACT_AS_OTHER_USER = Deno.env.get("CI") === "true" ||
  Deno.build.os === "linux" && Deno.uid() === 0 &&
    (() => {
      try {
        return new Deno.Command("setpriv", { args: ["--version"], stdout: "null", stderr: "null" })
          .outputSync().success;
      } catch {
        return false;
      }
    })();

/** `argv` run as the other user, with no supplementary groups. */
export function asOtherUser(argv: readonly string[]): string[] {
  return [
    "setpriv",
    `--reuid=${OTHER_UID}`,
    `--regid=${OTHER_UID}`,
    "--clear-groups",
    "--",
    ...argv,
  ];
}

/**
 * A Python program that swaps two entries of `dir` with `renameat2(RENAME_EXCHANGE)` as fast as it
 * can until killed, so that a path keeps alternating between them with no moment where it is
 * missing. It creates `dir/.swapping` once the first swap succeeded.
 */
export const SWAPPER = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.chdir(sys.argv[1])
a, b = sys.argv[2].encode(), sys.argv[3].encode()
started = False
while True:
    if libc.renameat2(-100, a, -100, b, 2) != 0:
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
    if not started:
        open(".swapping", "w").close()
        started = True
`;

/**
 * Starts {@link SWAPPER} on `dir`, swapping `a` and `b`, as the other user or (when `sameUser`) as
 * this one; resolves once it is swapping. Dispose the result to stop it.
 */
export async function startSwapper(
  dir: string,
  a: string,
  b: string,
  options: { sameUser?: boolean } = {},
): Promise<AsyncDisposable> {
  const argv = ["/usr/bin/python3", "-c", SWAPPER, dir, a, b];
  const command = options.sameUser ? argv : asOtherUser(argv);
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      Deno.statSync(`${dir}/.swapping`);
      break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      const out = await child.output();
      throw new Error(`the swapper did not start: ${new TextDecoder().decode(out.stderr)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.output();
    },
  };
}
