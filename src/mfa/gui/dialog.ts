/**
 * What every GUI dialog module shares: the question to ask, the command that shows it and the
 * parsed outcome. Dialog modules are pure (command line in, answer out) so they can be checked on
 * any OS; only {@link showDialog} runs anything.
 * @module
 */
import { ChildAborted, runChild } from "../spawn.ts";

/** The question a dialog asks. */
export interface DialogSpec {
  /** Window title (tests find the window by it). */
  readonly title: string;
  /** Text above the field; may span several lines. */
  readonly text: string;
  /** Mask the typed text (the YubiKey OATH password). */
  readonly hidden: boolean;
}

/** A command line that shows a dialog. */
export interface DialogCommand {
  readonly cmd: string;
  readonly args: readonly string[];
  /** Script for the dialog program's stdin (PowerShell); never holds a secret. */
  readonly stdin?: string;
  /** Texts passed as data in the environment (PowerShell); never a secret. */
  readonly env?: Readonly<Record<string, string>>;
}

/** How the dialog program ended. */
export interface DialogResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What the user did: typed an answer, cancelled, or the dialog could not be shown. */
export type DialogAnswer =
  | { readonly kind: "answer"; readonly text: string }
  | { readonly kind: "cancelled" }
  | { readonly kind: "error"; readonly message: string };

/** One dialog program: builds its command line and reads its result. */
export interface DialogModule {
  /** Program name shown in messages and `config list` (`zenity`, `osascript`, …). */
  readonly name: string;
  command(spec: DialogSpec, cmd?: string): DialogCommand;
  parse(result: DialogResult): DialogAnswer;
}

/** The parts of a profile a dialog names. */
export interface DialogSubject {
  readonly profile: string;
  readonly roleArn: string;
  readonly mfaSerial: string;
}

/**
 * The dialog that asks for an MFA code: it names the profile, the role (unless there is none, as for
 * `rotate`) and the MFA device.
 */
export function codeDialog(subject: DialogSubject, retryReason?: string): DialogSpec {
  return {
    title: `vegas-credentials: MFA code for ${subject.profile}`,
    text: [
      ...(retryReason ? [retryReason, ""] : []),
      `Enter the MFA code for profile ${subject.profile}`,
      ...(subject.roleArn ? [`Role: ${subject.roleArn}`] : []),
      `MFA device: ${subject.mfaSerial}`,
    ].join("\n"),
    hidden: false,
  };
}

/** The masked dialog that asks for the password of a YubiKey's OATH application. */
export function passwordDialog(
  subject: DialogSubject,
  yubikey: { serial?: string; retry?: boolean },
): DialogSpec {
  const key = yubikey.serial ? `YubiKey ${yubikey.serial}` : "YubiKey";
  return {
    title: `vegas-credentials: ${key} OATH password`,
    text: [
      ...(yubikey.retry ? ["Wrong password, try again.", ""] : []),
      `The OATH accounts on the ${key} are password-protected.`,
      `Enter the OATH password to get the MFA code for profile ${subject.profile}`,
      ...(subject.roleArn ? [`Role: ${subject.roleArn}`] : []),
      `MFA device: ${subject.mfaSerial}`,
    ].join("\n"),
    hidden: true,
  };
}

/** The first line of a dialog program's error output worth showing (GTK/Qt chatter skipped). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const useful = lines.find((line) => !/Gtk-Message|GtkDialog mapped|^\(.*\): Gdk-/.test(line));
  return (useful ?? lines[0] ?? "no error output").slice(0, 200);
}

/**
 * Shows a dialog and waits for it. Resolves undefined when `signal` aborted (the dialog process
 * is killed by then).
 */
export async function showDialog(
  dialog: DialogModule,
  command: DialogCommand,
  options: { signal: AbortSignal; env: Readonly<Record<string, string>> },
): Promise<DialogAnswer | undefined> {
  try {
    const result = await runChild(command.cmd, command.args, {
      signal: options.signal,
      env: { ...options.env, ...command.env },
      stdin: command.stdin,
    });
    return dialog.parse(result);
  } catch (error) {
    if (error instanceof ChildAborted) return undefined;
    return { kind: "error", message: `cannot run ${dialog.name}: ${(error as Error).message}` };
  }
}
