/**
 * Line edits on a text file that leave every other byte alone, and the unified diff of an edit.
 *
 * `config import` rewrites a few lines of a file the user wrote by hand: it must keep comments,
 * order, line endings and every line it does not convert byte for byte, so it never re-serialises
 * the file. Lines are numbered as `parseIni` numbers them (1-based; `\n`, `\r\n` and a lone `\r`
 * end a line), so the line numbers the reader reports address these lines.
 * @module
 */

/** One line of a file and the line ending after it (`""` for a last line without one). */
export interface TextLine {
  readonly text: string;
  readonly eol: string;
}

/** Splits `text` into lines, keeping each line's ending. */
export function splitLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  const ending = /\r\n|\r|\n/g;
  let start = 0;
  for (let match; (match = ending.exec(text));) {
    lines.push({ text: text.slice(start, match.index), eol: match[0] });
    start = match.index + match[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: "" });
  return lines;
}

/** A change to the lines of a file; `line` numbers are 1-based, in the original file. */
export type LineEdit =
  /** New text for a line; its line ending stays. */
  | { readonly kind: "replace"; readonly line: number; readonly text: string }
  | { readonly kind: "delete"; readonly line: number }
  /** New lines before line `before` (the line count + 1 appends). */
  | { readonly kind: "insert"; readonly before: number; readonly lines: readonly string[] };

/** One line of the edit script: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  readonly op: " " | "-" | "+";
  readonly line: TextLine;
}

/** The edited file as lines, and the edit script from the original to it. */
export interface EditResult {
  readonly lines: TextLine[];
  readonly script: DiffLine[];
}

/** The line ending most lines of the file use (`\n` for a file of one line or none). */
export function usualEnding(lines: readonly TextLine[]): string {
  const counts = new Map<string, number>();
  for (const { eol } of lines) if (eol) counts.set(eol, (counts.get(eol) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "\n";
}

/**
 * Applies `edits` to `lines`. Inserted lines end with the file's usual line ending; a last line
 * without an ending gets one when lines are added after it (the only change to an unedited line).
 * Throws when two edits change the same line.
 */
export function applyEdits(lines: readonly TextLine[], edits: readonly LineEdit[]): EditResult {
  const eol = usualEnding(lines);
  const changed = new Map<number, LineEdit>();
  const inserts = new Map<number, string[]>();
  for (const edit of edits) {
    if (edit.kind === "insert") {
      if (edit.before < 1 || edit.before > lines.length + 1) {
        throw new RangeError(`no line ${edit.before} to insert before`);
      }
      inserts.set(edit.before, [...(inserts.get(edit.before) ?? []), ...edit.lines]);
    } else {
      if (edit.line < 1 || edit.line > lines.length) throw new RangeError(`no line ${edit.line}`);
      if (changed.has(edit.line)) throw new Error(`line ${edit.line} is edited twice`);
      changed.set(edit.line, edit);
    }
  }
  const result: TextLine[] = [];
  const script: DiffLine[] = [];
  const add = (line: TextLine) => {
    // The line before an added one needs an ending, whatever it was.
    const last = result.at(-1);
    if (last && last.eol === "") {
      const ended = { text: last.text, eol };
      result[result.length - 1] = ended;
      // The script entry of that line: the last one that is in the result.
      const previous = script.findLastIndex((entry) => entry.op !== "-");
      if (script[previous].op === "+") {
        script[previous] = { op: "+", line: ended };
      } else {
        script[previous] = { op: "-", line: script[previous].line };
        script.push({ op: "+", line: ended });
      }
    }
    result.push(line);
    script.push({ op: "+", line });
  };
  for (let number = 1; number <= lines.length + 1; number++) {
    for (const text of inserts.get(number) ?? []) add({ text, eol });
    if (number > lines.length) break;
    const line = lines[number - 1];
    const edit = changed.get(number);
    if (edit?.kind === "delete") {
      script.push({ op: "-", line });
    } else if (edit?.kind === "replace") {
      script.push({ op: "-", line });
      add({ text: edit.text, eol: line.eol });
    } else {
      const last = result.at(-1);
      if (last && last.eol === "") throw new Error("an added line ends the file too early");
      result.push(line);
      script.push({ op: " ", line });
    }
  }
  return { lines: result, script };
}

/** Joins lines back into text. */
export function joinLines(lines: readonly TextLine[]): string {
  return lines.map((line) => line.text + line.eol).join("");
}

/**
 * A unified diff (`diff -u` format, `context` lines around each change) of an edit script, with
 * `label` on both file lines. Empty when nothing changes. `patch FILE < diff` applies it, unless
 * `show` changed a line in it (to keep a secret out of the output).
 */
export function unifiedDiff(
  edit: readonly DiffLine[],
  label: string,
  options: { context?: number; show?: (text: string) => string } = {},
): string {
  const { context = 3, show = (text: string) => text } = options;
  // Within each run of changed lines, the removed ones first, as diff prints them.
  const script: DiffLine[] = [];
  for (let i = 0; i < edit.length;) {
    if (edit[i].op === " ") {
      script.push(edit[i++]);
      continue;
    }
    let end = i;
    while (end < edit.length && edit[end].op !== " ") end++;
    const run = edit.slice(i, end);
    script.push(...run.filter((e) => e.op === "-"), ...run.filter((e) => e.op === "+"));
    i = end;
  }
  const changes = script.flatMap((entry, index) => entry.op === " " ? [] : [index]);
  if (!changes.length) return "";
  // Hunks: runs of changes at most 2 * context kept lines apart.
  const hunks: [number, number][] = [];
  for (const index of changes) {
    const start = Math.max(0, index - context);
    const end = Math.min(script.length, index + context + 1);
    const last = hunks.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const out = [`--- ${label}\n`, `+++ ${label}\n`];
  for (const [start, end] of hunks) {
    const before = script.slice(0, start);
    const body = script.slice(start, end);
    const oldStart = before.filter((entry) => entry.op !== "+").length;
    const newStart = before.filter((entry) => entry.op !== "-").length;
    const oldCount = body.filter((entry) => entry.op !== "+").length;
    const newCount = body.filter((entry) => entry.op !== "-").length;
    // diff's convention: an empty side names the line before it.
    const range = (first: number, count: number) =>
      count === 1 ? `${first + 1}` : `${count ? first + 1 : first},${count}`;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n`);
    for (const { op, line } of body) {
      out.push(`${op}${show(line.text)}${line.eol === "\r\n" ? "\r\n" : "\n"}`);
      if (line.eol === "") out.push("\\ No newline at end of file\n");
    }
  }
  return out.join("");
}
