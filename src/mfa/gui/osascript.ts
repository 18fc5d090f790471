/**
 * GUI dialog: AppleScript `display dialog` through osascript (macOS).
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { firstErrorLine } from "./dialog.ts";

/** Program name. */
export const name = "osascript";

/** An AppleScript string literal. */
export function appleScriptString(text: string): string {
  const escaped = text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replace(/\r?\n/g, "\\n");
  return `"${escaped}"`;
}

/** The `display dialog` statement; "Cancel" is the cancel button so Escape cancels too. */
export function script(spec: DialogSpec): string {
  return [
    `display dialog ${appleScriptString(spec.text)}`,
    `default answer ""`,
    ...(spec.hidden ? ["with hidden answer"] : []),
    `with title ${appleScriptString(spec.title)}`,
    `buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel"`,
  ].join(" ");
}

/** `osascript -e 'display dialog …'` (the script holds no secret: the answer comes on stdout). */
export function command(spec: DialogSpec, cmd = "osascript"): DialogCommand {
  return { cmd, args: ["-e", script(spec)] };
}

/**
 * Success prints `button returned:OK, text returned:123456`; Cancel exits 1 with
 * `execution error: User canceled. (-128)`.
 */
export function parse(result: DialogResult): DialogAnswer {
  if (result.code === 0) {
    const match = /text returned:(.*)$/s.exec(result.stdout.replace(/\r?\n$/, ""));
    if (match) return { kind: "answer", text: match[1] };
    return { kind: "error", message: "osascript printed no answer" };
  }
  if (/User cancel(l)?ed|\(-128\)/i.test(result.stderr)) return { kind: "cancelled" };
  return {
    kind: "error",
    message: `osascript failed (exit code ${result.code}): ${firstErrorLine(result.stderr)}`,
  };
}
