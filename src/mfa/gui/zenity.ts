/**
 * GUI dialog: zenity (GNOME and most Linux/BSD desktops).
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { parseZenityLike, type ZenityFlavour, zenityLikeCommand } from "./zenity_like.ts";

const FLAVOUR: ZenityFlavour = { name: "zenity", gtkEscapes: true, width: true };

/** Program name. */
export const name = "zenity";

/** `zenity --entry [--hide-text] --title T --text X --width 460`. */
export function command(spec: DialogSpec, cmd = "zenity"): DialogCommand {
  return zenityLikeCommand(FLAVOUR, spec, cmd);
}

/** Reads zenity's exit code and stdout. */
export function parse(result: DialogResult): DialogAnswer {
  return parseZenityLike(name, result);
}
