/**
 * Text from outside (an endpoint's error message, a profile name, a file's contents, a helper's
 * output) made safe to show: a terminal acts on control characters — an escape sequence can set the
 * window title, clear the screen or write the clipboard (OSC 52), a carriage return can overwrite
 * a line, a direction override can reorder it. Every message that quotes such text passes through
 * {@link printable} on its way out.
 * @module
 */

// C0 controls except tab and newline, DEL, C1 controls, line/paragraph separators and the
// bidirectional embedding, override and isolate marks.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex
const ANY_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** `\x1b` → the four characters `\x1b`: visible, inert. */
function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every control character a terminal would act on written as a visible escape
 * (`\x1b`, `\u202e`); tabs and line breaks are kept (CRLF becomes LF). Cheap when there is none.
 */
export function printable(text: string): string {
  const safe = ANY_UNSAFE.test(text) ? text.replace(/\r\n/g, "\n").replace(UNSAFE, visible) : text;
  // Our own colours (see colour()) become escape sequences only now, after the rest was made inert.
  return safe.includes(STYLE_END)
    ? safe.replace(STYLE_START, "\x1b[$1m").replaceAll(STYLE_END, "\x1b[0m")
    : safe;
}

/** Private-use marks for a colour: never control characters, so nothing above escapes them. */
const STYLE_START = /\uE000(3[123])\uE001/g;
const STYLE_END = "\uE002";

/**
 * `text` in red (`31`), green (`32`) or yellow (`33`) once it passes through {@link printable}; only
 * these SGR colours can come out of the marks, whatever text carries them.
 */
export function colour(code: "31" | "32" | "33", text: string): string {
  return `\uE000${code}\uE001${text}${STYLE_END}`;
}

/** True when `text` holds a control character (tab and newline included): not for one line. */
export function hasControlCharacter(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(text);
}
