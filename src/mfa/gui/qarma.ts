/**
 * GUI dialog: qarma (a Qt clone of zenity, LXQt and others).
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { parseZenityLike, type ZenityFlavour, zenityLikeCommand } from "./zenity_like.ts";

// Qt labels take the text as is: no GTK escapes, and qarma has no --width.
const FLAVOUR: ZenityFlavour = { name: "qarma", gtkEscapes: false, width: false };

/** Program name. */
export const name = "qarma";

/** `qarma --entry [--hide-text] --title T --text X`. */
export function command(spec: DialogSpec, cmd = "qarma"): DialogCommand {
  return zenityLikeCommand(FLAVOUR, spec, cmd);
}

/** Reads qarma's exit code and stdout. */
export function parse(result: DialogResult): DialogAnswer {
  return parseZenityLike(name, result);
}
