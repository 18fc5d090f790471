/**
 * Running a store's helper program (`secret-tool`, `pass`, `security`, PowerShell): found on PATH
 * the way the MFA helpers are, started with their environment rules (no AWS credentials), killed
 * with this program, and given any secret on standard input only — never in argv or environment.
 * @module
 */
import type { Env } from "../config/files.ts";
import { findOnPath } from "../find_program.ts";
import { ChildAborted, type ChildResult, runChild } from "../mfa/spawn.ts";
import { KeystoreError, storeLabel, type StoreName } from "./types.ts";

/**
 * A helper may wait on an unlock dialog (keychain, keyring, pinentry): give the user time to type
 * a password, but do not hang forever on one that never shows.
 */
export const HELPER_TIMEOUT_MS = 120_000;

/** How to call one helper. */
export interface HelperCall {
  readonly store: StoreName;
  /** Program name, looked up on PATH. */
  readonly program: string;
  readonly args: readonly string[];
  /** Written to the helper's stdin (the only way a secret reaches it). */
  readonly stdin?: string;
  /** Extra environment variables (non-secret data only). */
  readonly env?: Readonly<Record<string, string>>;
  /** What installs the program, for the message when it is missing. */
  readonly install: string;
}

/** Runs a store helper; a missing program or a timeout is a {@link KeystoreError}. */
export async function runHelper(
  call: HelperCall,
  env: Env,
  timeoutMs = HELPER_TIMEOUT_MS,
): Promise<ChildResult> {
  const path = findOnPath(call.program, env);
  if (path === undefined) {
    throw new KeystoreError(
      call.store,
      "unavailable",
      `${storeLabel(call.store)} cannot be used: ${call.program} is not installed ` +
        `(or not on PATH); ${call.install}`,
    );
  }
  try {
    return await runChild(path, call.args, {
      signal: AbortSignal.timeout(timeoutMs),
      stdin: call.stdin,
      env: call.env,
    });
  } catch (error) {
    if (error instanceof ChildAborted) {
      throw new KeystoreError(
        call.store,
        "failed",
        `${storeLabel(call.store)} did not answer within ${
          timeoutMs / 1000
        } s (${call.program}); ` +
          "unlock it and run again",
      );
    }
    throw new KeystoreError(
      call.store,
      "unavailable",
      `${storeLabel(call.store)} cannot be used: ${call.program} did not start ` +
        `(${(error as Error).message})`,
    );
  }
}
