/**
 * The MFA input layer: drivers that can each produce a code, raced by `raceInputs` (race.ts).
 * @module
 */
import { VegasError } from "../errors.ts";
import type { ResolvedProfile } from "../config/resolve.ts";
import type { Env } from "../config/files.ts";
import type { Ui } from "../ui.ts";
import { printable } from "../sanitize.ts";

/** What an input needs to ask for one code. */
export interface MfaRequest {
  readonly profile: ResolvedProfile;
  /** 1 for the first code, 2 and 3 after STS rejected one. */
  readonly attempt: number;
  /** Why we ask again, shown to the user on a re-prompt. */
  readonly retryReason?: string;
  readonly ui: Ui;
  /** Environment for child processes (includes the recursion-guard chain). */
  readonly env: Env;
  /** Extra environment variables every child process gets. */
  readonly childEnv: Readonly<Record<string, string>>;
}

/** One way of getting a code, ready to run. */
export interface MfaInput {
  /** Driver name: `terminal`, `process`, `gui`, `yubikey`. */
  readonly name: string;
  /** Codes come from a generator (wait for the next TOTP window after a rejection), not a person. */
  readonly generator: boolean;
  /**
   * Produces a code. Must stop promptly and clean up (kill processes, close dialogs, restore the
   * terminal) when `signal` aborts; the abort reason is a short note on why (`answered by
   * YubiKey`). Throws {@link MfaInputError} when it cannot answer, or
   * {@link MfaCancelled} when the user cancelled.
   */
  read(request: MfaRequest, signal: AbortSignal): Promise<string>;
}

/** A kind of input, and whether it can run here. */
export interface MfaDriver {
  readonly name: string;
  /** The input when usable in this environment; otherwise a short reason why not (for --verbose). */
  detect(request: MfaRequest): MfaInput | string;
}

/** An input that cannot give a code (no device, command failed, …). Other inputs keep going. */
export class MfaInputError extends Error {
  constructor(readonly input: string, message: string) {
    super(message);
    this.name = "MfaInputError";
  }
}

/** The user cancelled the prompt (Cancel button, Ctrl-C, end of input). */
export class MfaCancelled extends Error {
  constructor(readonly input: string) {
    super("cancelled by user");
    this.name = "MfaCancelled";
  }
}

/** How an MFA prompt ended without an accepted code. */
export type MfaOutcome = "cancelled" | "timeout" | "rejected";

/**
 * The MFA prompt ended without an accepted code: cancelled, timed out, or every code rejected. It
 * concerns the MFA device, not the role, so the processes waiting for the same device end with it
 * too instead of prompting in turn (src/assume/cached.ts).
 */
export class MfaFailed extends VegasError {
  constructor(message: string, readonly outcome: MfaOutcome, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "MfaFailed";
  }
}

/**
 * Normalises an answer to a 6-digit code: white space inside is ignored ("123 456" as authenticator
 * apps show it). Returns undefined for anything else.
 */
export function normaliseCode(answer: string): string | undefined {
  const compact = answer.replace(/\s+/g, "");
  return /^\d{6}$/.test(compact) ? compact : undefined;
}

/**
 * Short description of what the code is for, used in every prompt (written straight to the tty).
 * A profile without a role (`rotate` asks for its source profile) names only the device.
 */
export function describeRequest(request: MfaRequest): string {
  const { profile } = request;
  const role = profile.roleArn ? `role ${profile.roleArn}, ` : "";
  return printable(`profile ${profile.profile} (${role}MFA device ${profile.mfaSerial})`);
}
