/**
 * Helpers shared by the inspection commands (`status`, `doctor`, `config …`, `env`, `exec`). Not used
 * by `assume`.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { UsageError } from "../errors.ts";
import { describeCommand } from "../mfa/process_input.ts";

/** The `--profile` value of a command that needs one; a usage error otherwise. */
export function requiredProfile(context: CommandContext, command: string): string {
  const profile = context.values.profile;
  if (typeof profile !== "string" || profile === "") {
    throw new UsageError(`${command} needs --profile=NAME (a role profile in ~/.aws/config)`);
  }
  return profile;
}

/** Rejects stray positional arguments. */
export function noPositionals(context: CommandContext): void {
  if (context.positionals.length) {
    throw new UsageError(`unexpected argument '${context.positionals[0]}'`);
  }
}

/** `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`: enough to recognise a key, not enough to use it. */
export function maskAccessKeyId(id: string): string {
  return id.length <= 8 ? "…" : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

export { vegasProfileNames } from "../config/resolve.ts";

/**
 * The program a command line starts, without its arguments or the variables set before it: a
 * `vegas_mfa_process` line may hold a secret (`oathtool --totp -b SECRET`), so only that is shown.
 */
export function commandWord(line: string): string {
  return describeCommand(line);
}

/** `3725` → `1h 2m`, `59` → `59s`, negative → `expired 5m ago`. */
export function formatRemaining(seconds: number): string {
  if (seconds < 0) return `expired ${formatRemaining(-seconds)} ago`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${Math.floor(seconds)}s`;
}

/** How {@link alignColumns} lays a table out. */
export interface TableLayout {
  /** Total width to fit in (a terminal's); cells of `shrinkable` columns are cut in the middle. */
  readonly width?: number;
  /** Columns that may be shortened, widest first. */
  readonly shrinkable?: readonly number[];
  /** Colours a cell after padding (the padding must not count escape codes). */
  readonly paint?: (cell: string, row: number, column: number) => string;
}

/** `arn:aws:iam::222222222222:role/team/app/DeployRole` → `arn:aws:iam::2…app/DeployRole`. */
export function middleCut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width || width < 5) return text;
  const head = Math.ceil((width - 1) / 3);
  return chars.slice(0, head).join("") + "…" +
    chars.slice(chars.length - (width - 1 - head)).join("");
}

/**
 * Left-aligned columns separated by two spaces (trailing spaces trimmed). With a `width`, the
 * shrinkable columns are cut in the middle until the table fits (never below the header or 8
 * characters).
 */
export function alignColumns(
  rows: readonly (readonly string[])[],
  layout: TableLayout = {},
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, [...cell].length));
  }
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  for (const column of layout.shrinkable ?? []) {
    if (layout.width === undefined || total() <= layout.width) break;
    // Never narrower than the header, nor than 8 characters.
    const floor = Math.max(8, [...(rows[0]?.[column] ?? "")].length);
    widths[column] = Math.max(floor, widths[column] - (total() - layout.width));
  }
  const paint = layout.paint ?? ((cell) => cell);
  return rows.map((row, r) =>
    row.map((cell, i) => {
      const fitted = middleCut(cell, widths[i]);
      return paint(fitted, r, i) + " ".repeat(widths[i] - [...fitted].length);
    }).join("  ").trimEnd()
  ).join("\n") + "\n";
}
