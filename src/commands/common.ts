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

/** Left-aligned columns separated by two spaces (trailing spaces trimmed). */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, [...cell].length));
  }
  return rows.map((row) =>
    row.map((cell, i) => cell + " ".repeat(widths[i] - [...cell].length)).join("  ").trimEnd()
  ).join("\n") + "\n";
}
