/**
 * MFA input `gui`: a desktop dialog asking for the code (zenity, kdialog, qarma or matedialog on
 * Linux/BSD, osascript on macOS, PowerShell/WinForms on Windows). Also lends its dialogs to the
 * YubiKey input for the OATH password.
 * @module
 */
import type { Env } from "../../config/files.ts";
import type { ResolvedProfile } from "../../config/resolve.ts";
import {
  MfaCancelled,
  type MfaDriver,
  MfaInputError,
  type MfaRequest,
  normaliseCode,
} from "../types.ts";
import {
  codeDialog,
  type DialogAnswer,
  type DialogModule,
  type DialogSpec,
  type DialogSubject,
  showDialog,
} from "./dialog.ts";
import { findOnPath, isExecutable } from "../../find_program.ts";
import * as zenity from "./zenity.ts";
import * as kdialog from "./kdialog.ts";
import * as qarma from "./qarma.ts";
import * as matedialog from "./matedialog.ts";
import * as osascript from "./osascript.ts";
import * as windows from "./windows.ts";

/** Every dialog module by name. */
export const DIALOGS: Readonly<Record<string, DialogModule>> = {
  zenity,
  kdialog,
  qarma,
  matedialog,
  osascript,
  powershell: windows,
};

/** Linux/BSD dialog programs, in order of preference. */
export const UNIX_DIALOGS = ["zenity", "kdialog", "qarma", "matedialog"] as const;

/** Which dialog would be used, or why none can be. */
export interface GuiAvailability {
  /** Dialog module name (`zenity`, `osascript`, `powershell`, …). */
  readonly driver?: string;
  /** The program to run. */
  readonly path?: string;
  /** Why there is no GUI, when there is none. */
  readonly reason?: string;
}

/**
 * Picks the dialog program for this machine, for the `gui` input and for `config list`/`doctor`.
 * Linux/BSD need `DISPLAY` or `WAYLAND_DISPLAY`; an SSH session on macOS/Windows has no desktop.
 */
export function guiAvailability(
  env: Env,
  os: typeof Deno.build.os = Deno.build.os,
  options: { noGui?: boolean } = {},
): GuiAvailability {
  if (options.noGui) return { reason: "turned off (--no-gui or VEGAS_CREDENTIALS_NO_GUI)" };
  const ssh = Boolean(env("SSH_CONNECTION") || env("SSH_TTY"));
  if (os === "darwin") {
    if (ssh) return { reason: "SSH session: no desktop to show a dialog on" };
    const path = findOnPath("osascript", env, os) ??
      (isExecutable("/usr/bin/osascript", os) ? "/usr/bin/osascript" : undefined);
    return path ? { driver: "osascript", path } : { reason: "osascript not found" };
  }
  if (os === "windows") {
    if (ssh) return { reason: "SSH session: no desktop to show a dialog on" };
    const root = env("SystemRoot") ?? env("SYSTEMROOT");
    const builtIn = root ? `${root}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe` : undefined;
    const path = findOnPath("powershell.exe", env, os) ??
      (builtIn && isExecutable(builtIn, os) ? builtIn : undefined);
    return path ? { driver: "powershell", path } : { reason: "powershell.exe not found" };
  }
  if (!env("DISPLAY") && !env("WAYLAND_DISPLAY")) {
    return { reason: "no desktop session (DISPLAY and WAYLAND_DISPLAY are not set)" };
  }
  for (const name of UNIX_DIALOGS) {
    const path = findOnPath(name, env, os);
    if (path) return { driver: name, path };
  }
  return { reason: `none of ${UNIX_DIALOGS.join(", ")} is installed` };
}

/** The profile parts a dialog names. */
export function dialogSubject(profile: ResolvedProfile): DialogSubject {
  return { profile: profile.profile, roleArn: profile.roleArn, mfaSerial: profile.mfaSerial };
}

/** A dialog program ready to ask questions. */
export interface Gui {
  readonly name: string;
  /** Shows `spec`; undefined when `signal` aborted first (the dialog is closed by then). */
  ask(spec: DialogSpec, signal: AbortSignal): Promise<DialogAnswer | undefined>;
}

/** The GUI of this machine for `request`, or undefined (with the reason) when there is none. */
export function openGui(request: MfaRequest): Gui | string {
  const found = guiAvailability(request.env, Deno.build.os, {
    noGui: request.ui.options.noGui,
  });
  const dialog = found.driver ? DIALOGS[found.driver] : undefined;
  if (!dialog || !found.path) return found.reason ?? "no GUI";
  const path = found.path;
  return {
    name: dialog.name,
    ask: (spec, signal) =>
      showDialog(dialog, dialog.command(spec, path), { signal, env: request.childEnv }),
  };
}

/** How many answers that are not 6 digits the dialog takes before giving up. */
const MAX_INVALID = 3;

/** Asks for the code in a desktop dialog; Cancel (or Escape, or closing it) cancels. */
export const guiDriver: MfaDriver = {
  name: "gui",
  detect(request) {
    const gui = openGui(request);
    if (typeof gui === "string") return gui;
    return {
      name: "gui",
      generator: false,
      async read(request, signal) {
        let note = request.retryReason;
        for (let tries = 0; tries < MAX_INVALID; tries++) {
          request.ui.debug(`showing the ${gui.name} MFA dialog`);
          const answer = await gui.ask(codeDialog(dialogSubject(request.profile), note), signal);
          if (!answer || signal.aborted) {
            throw new MfaInputError("gui", "another input answered first");
          }
          if (answer.kind === "cancelled") throw new MfaCancelled("gui");
          if (answer.kind === "error") throw new MfaInputError("gui", answer.message);
          const code = normaliseCode(answer.text);
          if (code) return code;
          note = "The MFA code is 6 digits.";
        }
        throw new MfaInputError("gui", `no 6-digit code after ${MAX_INVALID} tries`);
      },
    };
  },
};
