/**
 * Command lines and results of the zenity family (zenity, its GTK fork matedialog and its Qt clone
 * qarma), which share their arguments and exit codes.
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { firstErrorLine } from "./dialog.ts";

/** How a zenity-like program treats `--text`. */
export interface ZenityFlavour {
  /** Program name, also the default command. */
  readonly name: string;
  /**
   * GTK versions run `--text` through `g_strcompress` and mnemonic parsing, so `\` and `_` must be
   * doubled or an ARN like `role/deploy_ci` loses its underscore.
   */
  readonly gtkEscapes: boolean;
  /** Accepts `--width`. */
  readonly width: boolean;
}

/** Escapes text for a GTK `--text` label (backslash escapes and mnemonics). */
export function escapeGtkText(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("_", "__");
}

/** `--entry` dialog: the answer is printed on stdout. */
export function zenityLikeCommand(
  flavour: ZenityFlavour,
  spec: DialogSpec,
  cmd = flavour.name,
): DialogCommand {
  return {
    cmd,
    args: [
      "--entry",
      ...(spec.hidden ? ["--hide-text"] : []),
      "--title",
      spec.title,
      "--text",
      flavour.gtkEscapes ? escapeGtkText(spec.text) : spec.text,
      ...(flavour.width ? ["--width", "460"] : []),
    ],
  };
}

/** Exit 0 = OK (answer on stdout), 1 = Cancel, Escape or closed, 5 = timeout, else an error. */
export function parseZenityLike(name: string, result: DialogResult): DialogAnswer {
  if (result.code === 0) return { kind: "answer", text: result.stdout.replace(/\r?\n$/, "") };
  // A display that cannot be opened also exits 1: that is a failure, not the user's cancel.
  if (
    result.code === 1 && !/cannot open display|could not connect to display/i.test(result.stderr)
  ) {
    return { kind: "cancelled" };
  }
  if (result.code === 5) return { kind: "error", message: `${name} dialog timed out` };
  return {
    kind: "error",
    message: `${name} failed (exit code ${result.code}): ${firstErrorLine(result.stderr)}`,
  };
}
