/**
 * MFA input `yubikey`: the TOTP code from a YubiKey's OATH application through Yubico's `ykman`.
 * A password-protected OATH application gets its password on ykman's stdin (never `--password`,
 * which would put it in the process list); touch-required accounts say so while ykman waits.
 * @module
 */
import type { Env } from "../config/files.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import { ConsoleInterrupt } from "../terminal.ts";
import { ChildAborted, runChild } from "./spawn.ts";
import { MfaCancelled, type MfaDriver, MfaInputError, type MfaRequest } from "./types.ts";
import { dialogSubject, openGui } from "./gui/gui_input.ts";
import { passwordDialog } from "./gui/dialog.ts";
import { findOnPath, isExecutable } from "../find_program.ts";

/** Where ykman is, or why it is not usable. */
export interface YkmanLocation {
  readonly path?: string;
  /** `vegas_ykman_path`, `PATH` or a standard install location. */
  readonly origin?: string;
  readonly reason?: string;
}

/** Yubico's default install locations, for when `PATH` lacks them (GUI-started IDEs on macOS). */
function standardLocations(env: Env, os: typeof Deno.build.os): string[] {
  if (os === "darwin") return ["/opt/homebrew/bin/ykman", "/usr/local/bin/ykman"];
  if (os === "windows") {
    const programFiles = env("ProgramFiles") ?? env("PROGRAMFILES") ?? "C:\\Program Files";
    return [`${programFiles}\\Yubico\\YubiKey Manager\\ykman.exe`];
  }
  return [];
}

/** Finds ykman: `vegas_ykman_path` if set (it must exist), else `PATH`, else standard locations. */
export function findYkman(
  profile: Pick<ResolvedProfile, "ykmanPath">,
  env: Env,
  os: typeof Deno.build.os = Deno.build.os,
): YkmanLocation {
  if (profile.ykmanPath) {
    const home = env("HOME") ?? env("USERPROFILE");
    const path = profile.ykmanPath.startsWith("~/") && home
      ? home + profile.ykmanPath.slice(1)
      : profile.ykmanPath;
    return isExecutable(path, os)
      ? { path, origin: "vegas_ykman_path" }
      : { reason: `vegas_ykman_path '${profile.ykmanPath}' is not an executable file` };
  }
  const onPath = findOnPath(os === "windows" ? "ykman.exe" : "ykman", env, os);
  if (onPath) return { path: onPath, origin: "PATH" };
  const standard = standardLocations(env, os).find((path) => isExecutable(path, os));
  if (standard) return { path: standard, origin: "standard location" };
  return { reason: "ykman is not installed (not on PATH; set vegas_ykman_path)" };
}

/** `[--device SERIAL] oath accounts code --single LABEL`: no serial needed with one key. */
export function ykmanArgs(profile: Pick<ResolvedProfile, "yubikeySerial" | "yubikeyLabel">) {
  return [
    ...(profile.yubikeySerial ? ["--device", profile.yubikeySerial] : []),
    "oath",
    "accounts",
    "code",
    "--single",
    profile.yubikeyLabel,
  ];
}

/** What one ykman run means. */
export type YkmanOutcome =
  | { readonly kind: "code"; readonly code: string }
  | { readonly kind: "password-required" }
  | { readonly kind: "wrong-password" }
  | { readonly kind: "error"; readonly message: string };

const PCSCD_HINT = "on Linux the pcscd service must run: " +
  "sudo apt install pcscd && sudo systemctl enable --now pcscd";

/**
 * Reads a finished `ykman oath accounts code --single` run. `passwordSent` tells a locked key
 * (we sent an empty line) from a wrong password.
 */
export function parseYkman(
  result: { code: number; stdout: string; stderr: string },
  context: {
    readonly serial?: string;
    readonly label: string;
    readonly passwordSent: boolean;
  },
): YkmanOutcome {
  const { stderr } = result;
  if (result.code === 0) {
    const code = result.stdout.trim().split(/\s+/).at(-1) ?? "";
    if (/^\d{6}$/.test(code)) return { kind: "code", code };
    if (/^\d+$/.test(code)) {
      return {
        kind: "error",
        message: `OATH account '${context.label}' gives ${code.length}-digit codes; AWS needs 6`,
      };
    }
    return { kind: "error", message: "ykman printed no 6-digit code" };
  }
  if (/Authentication to the YubiKey failed|Wrong password|password is incorrect/i.test(stderr)) {
    return context.passwordSent ? { kind: "wrong-password" } : { kind: "password-required" };
  }
  const key = context.serial ? `YubiKey ${context.serial}` : "YubiKey";
  const rules: [RegExp, string][] = [
    [/No YubiKey detected|No YubiKey found/i, `No YubiKey detected (plug it in; ${PCSCD_HINT})`],
    [
      /Multiple YubiKeys/i,
      "several YubiKeys are plugged in: set vegas_yubikey_serial to the one to use " +
      "(`ykman list --serials`)",
    ],
    [
      /Failed connecting to a YubiKey with serial/i,
      `No YubiKey with serial ${context.serial} detected (vegas_yubikey_serial; ` +
      `\`ykman list --serials\` shows the keys plugged in)`,
    ],
    [
      /No matching account/i,
      `${key} has no OATH account '${context.label}' (set vegas_yubikey_label; ` +
      "`ykman oath accounts list` shows them)",
    ],
    [
      /Multiple matches/i,
      `several OATH accounts on the ${key} match '${context.label}': set vegas_yubikey_label ` +
      "to the full account name",
    ],
    [/Touch account timed out|timed out/i, `${key} was not touched in time`],
    [
      /requires one of the following USB interfaces|CCID/i,
      `the ${key}'s smart card (CCID) interface is off: ykman config usb --enable CCID`,
    ],
    [/pcsc|smart ?card|SCard/i, `cannot reach the smart card service; ${PCSCD_HINT}`],
  ];
  // ykman warns "PC/SC not available" when pcscd is not running: OATH then cannot work at all.
  const pcscd = (message: string) =>
    /PC\/SC not available/i.test(stderr) && !message.includes("pcscd")
      ? `${message}; ${PCSCD_HINT}`
      : message;
  for (const [pattern, message] of rules) {
    if (pattern.test(stderr)) return { kind: "error", message: pcscd(message) };
  }
  const line = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).at(-1);
  const exit = result.code === -1 ? "killed" : `exit code ${result.code}`;
  return {
    kind: "error",
    message: pcscd(`ykman failed (${exit})${line ? `: ${line.slice(0, 200)}` : ""}`),
  };
}

/** Passwords typed in this process, by key, so a retry in the next TOTP window does not ask. */
const passwords = new Map<string, string>();

/** Start of the error for a locked key with no way to ask the password. */
const LOCKED = "the YubiKey's OATH accounts are password-protected";

/** Attempts at the OATH password before giving up. */
const PASSWORD_TRIES = 3;

/** Gets codes from a YubiKey through ykman. */
export const yubikeyDriver: MfaDriver = {
  name: "yubikey",
  detect(request) {
    const ykman = findYkman(request.profile, request.env);
    if (!ykman.path) return ykman.reason ?? "ykman not found";
    const path = ykman.path;
    return {
      name: "yubikey",
      generator: true,
      async read(request, signal) {
        try {
          return await readYubikey(request, signal, path);
        } catch (error) {
          if (error instanceof ChildAborted) {
            throw new MfaInputError("yubikey", "another input answered first");
          }
          if (
            error instanceof MfaInputError &&
            (explicitlyConfigured(request.profile) || error.message.includes(LOCKED))
          ) {
            // The user set up a YubiKey: say why it gave nothing while other inputs still wait.
            request.ui.info(`YubiKey: ${error.message}`);
          }
          throw error;
        }
      },
    };
  },
};

function explicitlyConfigured(profile: ResolvedProfile): boolean {
  return Boolean(
    profile.yubikeySerial || profile.ykmanPath || profile.mfaInputs?.includes("yubikey") ||
      profile.origins.yubikeyLabel !== "default (mfa_serial)",
  );
}

async function readYubikey(request: MfaRequest, signal: AbortSignal, ykman: string) {
  const { profile, ui } = request;
  const args = ykmanArgs(profile);
  const cacheKey = `${ykman}\n${profile.yubikeySerial ?? ""}`;
  let password = passwords.get(cacheKey);
  let wrong = 0;
  while (true) {
    let stderr = "";
    let touchShown = false;
    ui.debug(`running ykman ${args.join(" ")}`);
    const result = await runChild(ykman, args, {
      signal,
      env: request.childEnv,
      // Always one line on stdin: a locked key then fails at once instead of ykman prompting on
      // /dev/tty behind our back; an unlocked key never reads it.
      stdin: `${password ?? ""}\n`,
      onStderr: (text) => {
        stderr += text;
        if (!touchShown && /Touch your YubiKey/i.test(stderr)) {
          touchShown = true;
          ui.info(`Touch your YubiKey… (MFA code for profile ${profile.profile})`, "👆");
        }
      },
    });
    const outcome = parseYkman({ ...result, stderr }, {
      serial: profile.yubikeySerial,
      label: profile.yubikeyLabel,
      passwordSent: password !== undefined,
    });
    switch (outcome.kind) {
      case "code":
        if (password !== undefined) passwords.set(cacheKey, password);
        return outcome.code;
      case "wrong-password":
        passwords.delete(cacheKey);
        if (++wrong >= PASSWORD_TRIES) {
          throw new MfaInputError("yubikey", "wrong YubiKey OATH password");
        }
        password = await askPassword(request, signal, true);
        break;
      case "password-required":
        password = await askPassword(request, signal, false);
        break;
      case "error":
        throw new MfaInputError(
          "yubikey",
          password ? outcome.message.replaceAll(password, "***") : outcome.message,
        );
    }
  }
}

/**
 * Asks for the OATH password with hidden input: on the terminal unless the terminal input is
 * reading it at the same time (both would get the line), else in a GUI dialog.
 */
async function askPassword(request: MfaRequest, signal: AbortSignal, retry: boolean) {
  const { profile, ui } = request;
  const console = ui.console;
  const terminalRacing = console !== undefined &&
    (!profile.mfaInputs || profile.mfaInputs.includes("terminal"));
  if (console && !terminalRacing) {
    const key = profile.yubikeySerial ? `YubiKey ${profile.yubikeySerial}` : "YubiKey";
    console.write(
      `${retry ? "Wrong password. " : ""}OATH password of the ${key} (profile ` +
        `${profile.profile}): `,
    );
    let answer: string | undefined;
    try {
      answer = await console.readLine(signal, { hidden: true });
    } catch (error) {
      if (error instanceof ConsoleInterrupt) throw new MfaCancelled("yubikey");
      throw error;
    }
    if (signal.aborted) throw new ChildAborted();
    if (answer === undefined) throw new MfaCancelled("yubikey");
    return answer;
  }
  const gui = openGui(request);
  if (typeof gui !== "string") {
    const answer = await gui.ask(
      passwordDialog(dialogSubject(profile), { serial: profile.yubikeySerial, retry }),
      signal,
    );
    if (!answer || signal.aborted) throw new ChildAborted();
    if (answer.kind === "cancelled") throw new MfaCancelled("yubikey");
    if (answer.kind === "error") throw new MfaInputError("yubikey", answer.message);
    return answer.text;
  }
  throw new MfaInputError(
    "yubikey",
    `${LOCKED} and there is no ` +
      (console ? "free terminal (the MFA prompt uses it)" : "terminal") +
      " or GUI to ask for the password: let ykman remember it once with " +
      "`ykman oath access remember`, or set vegas_mfa_inputs = yubikey",
  );
}
