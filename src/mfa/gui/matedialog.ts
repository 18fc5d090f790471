/**
 * GUI dialog: matedialog (MATE's fork of zenity, same arguments).
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { parseZenityLike, type ZenityFlavour, zenityLikeCommand } from "./zenity_like.ts";

const FLAVOUR: ZenityFlavour = { name: "matedialog", gtkEscapes: true, width: true };

/** Program name. */
export const name = "matedialog";

/** `matedialog --entry [--hide-text] --title T --text X --width 460`. */
export function command(spec: DialogSpec, cmd = "matedialog"): DialogCommand {
  return zenityLikeCommand(FLAVOUR, spec, cmd);
}

/** Reads matedialog's exit code and stdout. */
export function parse(result: DialogResult): DialogAnswer {
  return parseZenityLike(name, result);
}
