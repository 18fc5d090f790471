/**
 * The cache-miss path: ask for an MFA code (racing every input), call STS, and retry on a rejected
 * code — a person is asked again (3 attempts), a generator gets one retry in the next TOTP window.
 * @module
 */
import { load } from "./lazy.ts";
import type { Credentials } from "./credentials.ts";
import type { ResolvedProfile, SourceKeys } from "./config/resolve.ts";
import { CHAIN_ENV } from "./config/resolve.ts";
import type { Env } from "./config/files.ts";
import type { Ui } from "./ui.ts";
import { raceInputs, selectInputs } from "./mfa/race.ts";
import { MfaFailed, type MfaRequest } from "./mfa/types.ts";
import { defaultSessionName } from "./session_name.ts";
import { sourceKeysFor } from "./keystore/source_keys.ts"; // issue 12 hook: keys in the OS store

/** A person gets this many tries at typing a code. */
const MAX_ATTEMPTS = 3;
const TOTP_STEP_MS = 30_000;

/**
 * Test-only: milliseconds added to the clock that places TOTP windows, so that the test suite's STS
 * emulator and code generators (tests/support/totp.ts) can open the next window a second away
 * instead of up to 30. Read here, on the miss path, only when a generator's code was refused.
 */
export const TEST_CLOCK_OFFSET_ENV = "VEGAS_CREDENTIALS_TEST_CLOCK_OFFSET_MS";

/** Now, on the clock that places TOTP windows: the real one unless a test shifts it. */
export function totpNow(env: Env): number {
  const offset = env(TEST_CLOCK_OFFSET_ENV) ?? "";
  return Date.now() + (/^-?\d+$/.test(offset) ? Number(offset) : 0);
}

/** Milliseconds until the next TOTP window opens (plus a little slack for clock skew). */
export function msUntilNextWindow(now = Date.now()): number {
  return TOTP_STEP_MS - (now % TOTP_STEP_MS) + 1_000;
}

/** Calls STS with a code; rejects with MfaCodeRejected when the code was refused. */
export type StsCallWithCode = (code: string) => Promise<Credentials>;

/**
 * Gets an MFA code and runs `call` with it until STS accepts one, within the profile's MFA timeout.
 */
export async function withMfaCode(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
  call: StsCallWithCode,
): Promise<Credentials> {
  const { MfaCodeRejected } = await load<typeof import("./providers/sts.ts")>(
    "./providers/sts.ts",
    import.meta.url,
  );
  await ui.openConsole();
  const deadline = Date.now() + profile.mfaTimeoutSeconds * 1000;
  const chain = [env(CHAIN_ENV), profile.profile].filter(Boolean).join("\n");
  let retryReason: string | undefined;
  let generatorRetried = false;
  for (let attempt = 1;; attempt++) {
    const request: MfaRequest = {
      profile,
      attempt,
      retryReason,
      ui,
      env,
      childEnv: { [CHAIN_ENV]: chain },
    };
    const inputs = selectInputs(request);
    const answer = await raceInputs(request, inputs, Math.max(1, deadline - Date.now()));
    ui.debug(`MFA code from input ${answer.input.name}`);
    try {
      return await call(answer.code);
    } catch (error) {
      if (!(error instanceof MfaCodeRejected)) throw error;
      // The last rejection ends the prompt for every process waiting on this MFA device too.
      const rejected = () => new MfaFailed(error.message, "rejected", { cause: error });
      if (answer.input.generator) {
        if (generatorRetried) throw rejected();
        generatorRetried = true;
        const wait = msUntilNextWindow(totpNow(env));
        if (Date.now() + wait > deadline) throw rejected();
        ui.info(
          `STS rejected the code from ${answer.input.name}; trying again in the next ` +
            `30-second window (${Math.ceil(wait / 1000)} s)`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
        retryReason = undefined;
      } else {
        if (attempt >= MAX_ATTEMPTS) throw rejected();
        retryReason = `STS rejected that code (wrong, expired or already used). ` +
          `Attempt ${attempt + 1} of ${MAX_ATTEMPTS}.`;
      }
      if (Date.now() >= deadline) {
        throw new MfaFailed(
          `no accepted MFA code within ${profile.mfaTimeoutSeconds} s for profile ` +
            `'${profile.profile}'`,
          "timeout",
        );
      }
    }
  }
}

/** Fresh role credentials straight from STS, with an MFA prompt. */
export async function assumeRoleWithMfa(
  profile: ResolvedProfile,
  ui: Ui,
  env: Env,
  keys?: SourceKeys,
): Promise<Credentials> {
  const sts = load<typeof import("./providers/sts.ts")>("./providers/sts.ts", import.meta.url); // load the SDK while the user reads the prompt
  // Issue 12 hook: keys in the OS store are read now, on the miss, before any prompt.
  const sourceKeys = keys ?? await sourceKeysFor(profile, env);
  const sessionName = profile.roleSessionName ?? await defaultSessionName(env);
  return withMfaCode(profile, ui, env, async (code) => {
    const { assumeRole } = await sts;
    ui.debug(`calling STS AssumeRole for ${profile.roleArn} as session ${sessionName}`);
    return assumeRole(profile, sessionName, sourceKeys, {
      serialNumber: profile.mfaSerial,
      tokenCode: code,
    }, (text) => ui.info(text));
  });
}
