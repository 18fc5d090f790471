/**
 * `status [--json]`: every vegas profile, its role, and what the cache holds for it.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { configFilePath, type Env, readSharedFiles } from "../config/files.ts";
import { resolveProfile, shown } from "../config/resolve.ts";
import { readEntry } from "../cache/store.ts";
import { closestNames } from "../config/validate.ts";
import { clip } from "../config/ini.ts";
import { UsageError } from "../errors.ts";
import { colour } from "../sanitize.ts";
import { freshness, FRESHNESS_MARGIN_SECONDS, isFresh } from "../credentials.ts";
import { CHAINED_ROLE_MAX_SECONDS } from "../config/resolve.ts";
import { sessionSlot } from "../assume/mfa_session.ts";
import { roleSlot, withRefreshWindow } from "../assume/pipeline.ts";
import { alignColumns, formatRemaining, noPositionals, vegasProfileNames } from "./common.ts";

/** What the cache holds in one slot. */
export interface SlotStatus {
  /**
   * `fresh`: will be used; `expired`: expired or within the refresh window (10 minutes, or 15 when a
   * fresh MFA session makes the refresh silent), so the next `assume` fetches new ones.
   */
  readonly state: "fresh" | "expired" | "none";
  readonly expiration: string | null;
  readonly expiresInSeconds: number | null;
}

/** One line of `status`. */
export interface ProfileStatus {
  readonly profile: string;
  readonly roleArn: string | null;
  readonly sourceProfile: string | null;
  readonly mfaSerial: string | null;
  readonly cached: SlotStatus["state"] | null;
  readonly expiration: string | null;
  readonly expiresInSeconds: number | null;
  /**
   * The MFA session of the source profile; null when `vegas_mfa_session_duration` is not set. A
   * session kept in the OS store (with the source keys) is not opened, since the store may ask to be
   * unlocked: its state is `unknown` and `store` names the store.
   */
  readonly session:
    | ((SlotStatus | StoredSessionStatus) & {
      readonly durationSeconds: number;
      /** False when the role's duration_seconds is over 1 hour (assumed directly with MFA). */
      readonly used: boolean;
    })
    | null;
  /**
   * Seconds until vegas-credentials next needs an MFA code for this profile (when the role
   * credentials, or with an MFA session the session, come within 10 minutes of expiring); 0: at
   * its next use. Null when the profile does not resolve, or its session is in the OS store.
   */
  readonly nextMfaInSeconds: number | null;
  /**
   * How long before expiry the role credentials are replaced: 900 (botocore's advisory window)
   * when that needs no prompt (a fresh MFA session), else 600. Null when the profile does not
   * resolve.
   */
  readonly refreshWindowSeconds: number | null;
  /** Why the profile does not resolve. */
  readonly error?: string;
}

/** An MFA session in the OS store, which `status` does not open. */
export interface StoredSessionStatus {
  readonly state: "unknown";
  readonly store: string;
  readonly expiration: null;
  readonly expiresInSeconds: null;
}

/** Seconds until `slot` is no longer used (0 when it is not now). */
function usableFor(slot: SlotStatus): number {
  return slot.state === "fresh"
    ? Math.max(0, slot.expiresInSeconds! - FRESHNESS_MARGIN_SECONDS)
    : 0;
}

/**
 * When the next MFA code is due: at the next role refresh, unless an MFA session still fresh then
 * makes that refresh silent; then when the session runs out.
 */
export function nextMfa(role: SlotStatus, session: ProfileStatus["session"]): number | null {
  const roleFor = usableFor(role);
  if (!session?.used) return roleFor;
  return session.state === "unknown" ? null : Math.max(roleFor, usableFor(session));
}

/** What the cache holds at `path`; `fresh` by the same window `assume` applies to it. */
function slotStatus(
  path: string,
  now: Date,
  windowSeconds: number = freshness.marginSeconds,
): SlotStatus {
  const read = readEntry(path);
  if (!read.entry) return { state: "none", expiration: null, expiresInSeconds: null };
  const { expiration } = read.entry.credentials;
  return {
    state: isFresh(read.entry.credentials, now, windowSeconds) ? "fresh" : "expired",
    expiration: expiration.toISOString(),
    expiresInSeconds: Math.round((expiration.getTime() - now.getTime()) / 1000),
  };
}

/** The status of every vegas profile (those with `vegas_role_arn`) in the config file. */
export function profileStatuses(env: Env, now = new Date()): ProfileStatus[] {
  const files = readSharedFiles(env);
  return vegasProfileNames(files).map((name): ProfileStatus => {
    const raw = files.profiles.get(name)!;
    try {
      const profile = resolveProfile(name, env, files);
      const role = roleSlot(profile, env);
      const refreshWindowSeconds = withRefreshWindow(profile, role, env).refreshWithinSeconds ??
        freshness.marginSeconds;
      const cached = slotStatus(`${role.dir}/${role.name}`, now, refreshWindowSeconds);
      let session: ProfileStatus["session"] = null;
      if (profile.mfaSessionDuration !== undefined) {
        const slot = sessionSlot(profile, env);
        session = {
          ...("store" in profile.source
            ? {
              state: "unknown",
              store: profile.source.store,
              expiration: null,
              expiresInSeconds: null,
            } as const
            : slotStatus(`${slot.dir}/${slot.name}`, now)),
          durationSeconds: profile.mfaSessionDuration,
          used: profile.durationSeconds <= CHAINED_ROLE_MAX_SECONDS,
        };
      }
      return {
        profile: name,
        roleArn: profile.roleArn,
        sourceProfile: profile.sourceProfile,
        mfaSerial: profile.mfaSerial,
        cached: cached.state,
        expiration: cached.expiration,
        expiresInSeconds: cached.expiresInSeconds,
        session,
        nextMfaInSeconds: nextMfa(cached, session),
        refreshWindowSeconds,
      };
    } catch (error) {
      return {
        profile: name,
        roleArn: raw.get("vegas_role_arn") ?? null,
        sourceProfile: raw.get("vegas_source_profile") ?? null,
        mfaSerial: null,
        cached: null,
        expiration: null,
        expiresInSeconds: null,
        session: null,
        nextMfaInSeconds: null,
        refreshWindowSeconds: null,
        error: (error as Error).message,
      };
    }
  });
}

function remaining(slot: { expiresInSeconds: number | null }): string {
  if (slot.expiresInSeconds === null) return "-";
  return formatRemaining(slot.expiresInSeconds);
}

function sessionCell(status: ProfileStatus): string {
  const session = status.session;
  if (status.error) return "-";
  if (!session) return "off";
  if (!session.used) return "not used (duration > 1h)";
  if (session.state === "none") return "none";
  if (session.state === "unknown") return `in the ${session.store} store`;
  return `${session.state}, ${remaining(session)}`;
}

/** The `status` table. */
export function statusTable(
  statuses: readonly ProfileStatus[],
  options: { width?: number; color?: boolean } = {},
): string {
  if (!statuses.length) {
    return "No vegas profiles: no profile in the config file has vegas_role_arn.\n";
  }
  const rows = [
    ["PROFILE", "ROLE", "SOURCE", "MFA DEVICE", "CACHED", "EXPIRES IN", "SESSION", "NEXT MFA"],
    ...statuses.map((s) => [
      s.profile,
      // A profile that does not resolve shows its values as written: cut, as in its error line.
      s.error ? clip(s.roleArn ?? "-") : s.roleArn ?? "-",
      s.error ? clip(s.sourceProfile ?? "-") : s.sourceProfile ?? "-",
      s.mfaSerial ?? "-",
      s.error ? "error" : s.cached ?? "-",
      s.error || s.cached === "none" ? "-" : remaining(s),
      sessionCell(s),
      s.nextMfaInSeconds === null
        ? "-"
        : s.nextMfaInSeconds === 0
        ? "next use"
        : formatRemaining(s.nextMfaInSeconds),
    ]),
  ];
  const errors = statuses.filter((s) => s.error).map((s) => `${s.profile}: ${s.error}\n`);
  const colours: Record<string, "31" | "32" | "33"> = { fresh: "32", expired: "33", error: "31" };
  const layout = {
    width: options.width,
    shrinkable: [1, 3, 2], // ROLE, MFA DEVICE, SOURCE: cut in the middle to fit the terminal
    paint: (cell: string, row: number, column: number) =>
      options.color && row > 0 && column === 4 && colours[cell]
        ? colour(colours[cell], cell)
        : cell,
  };
  return alignColumns(rows, layout) + (errors.length ? "\n" + errors.join("") : "");
}

/** Runs `status [--json]`. */
export function runStatus(context: CommandContext): Promise<number> {
  noPositionals(context);
  const only = typeof context.values.profile === "string" ? context.values.profile : undefined;
  const all = profileStatuses(context.env);
  const statuses = only === undefined ? all : all.filter((status) => status.profile === only);
  if (only !== undefined && !statuses.length) {
    const close = closestNames(only, all.map((status) => status.profile));
    throw new UsageError(
      `profile ${shown(only)} is not a vegas profile in ${configFilePath(context.env)}` +
        (close.length ? ` (did you mean ${shown(close[0])}?)` : ""),
    );
  }
  context.print(
    context.values.json ? JSON.stringify(statuses, null, 2) + "\n" : statusTable(statuses, {
      // On a terminal: fit its width (unless --wide) and colour the states (unless NO_COLOR).
      width: Deno.stdout.isTerminal() && !context.values.wide
        ? Deno.consoleSize().columns
        : undefined,
      color: context.ui.options.color && Deno.stdout.isTerminal(),
    }),
  );
  return Promise.resolve(0);
}
