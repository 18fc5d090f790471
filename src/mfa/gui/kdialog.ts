/**
 * GUI dialog: kdialog (KDE Plasma).
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { firstErrorLine } from "./dialog.ts";

/** Program name. */
export const name = "kdialog";

/** Text for KPasswordDialog's prompt, which is rich text: plain newlines would be lost. */
export function richText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replace(/\r?\n/g, "<br>");
}

/** `kdialog --title T --inputbox TEXT ""`, or `kdialog --title T --password TEXT` when hidden. */
export function command(spec: DialogSpec, cmd = "kdialog"): DialogCommand {
  return {
    cmd,
    args: spec.hidden
      ? ["--title", spec.title, "--password", richText(spec.text)]
      : ["--title", spec.title, "--inputbox", spec.text, ""],
  };
}

/** Exit 0 = OK (answer on stdout), 1 = Cancel or closed; anything else (a crash) is an error. */
export function parse(result: DialogResult): DialogAnswer {
  if (result.code === 0) return { kind: "answer", text: result.stdout.replace(/\r?\n$/, "") };
  if (result.code === 1 && !/could not connect to display/i.test(result.stderr)) {
    return { kind: "cancelled" };
  }
  return {
    kind: "error",
    message: `kdialog failed (exit code ${result.code}): ${firstErrorLine(result.stderr)}`,
  };
}
