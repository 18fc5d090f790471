/**
 * The MFA race: every available input starts at once, the first valid 6-digit code wins, the others
 * are stopped at once (their processes killed, dialogs closed, the terminal prompt closed).
 * @module
 */
import { VegasError } from "../errors.ts";
import { onInterrupt } from "../interrupt.ts";
import { MFA_DRIVERS } from "./registry.ts";
import {
  MfaCancelled,
  type MfaDriver,
  MfaFailed,
  type MfaInput,
  MfaInputError,
  type MfaRequest,
  normaliseCode,
} from "./types.ts";

/** The winning answer. */
export interface MfaAnswer {
  readonly code: string;
  /** The input that answered (for --verbose and the retry policy). */
  readonly input: MfaInput;
}

/**
 * Picks the inputs for this request: those named in `vegas_mfa_inputs` (in that order), else every
 * driver that can run here. Throws when none can.
 */
export function selectInputs(
  request: MfaRequest,
  drivers: readonly MfaDriver[] = MFA_DRIVERS,
): MfaInput[] {
  const wanted = request.profile.mfaInputs;
  const known = new Map(drivers.map((driver) => [driver.name, driver]));
  if (wanted) {
    const unknown = wanted.filter((name) => !known.has(name));
    if (unknown.length) {
      throw new VegasError(
        `profile '${request.profile.profile}': vegas_mfa_inputs names unknown input ` +
          `'${unknown[0]}' (known: ${[...known.keys()].join(", ")})`,
      );
    }
  }
  const chosen = wanted ? wanted.map((name) => known.get(name)!) : drivers;
  const inputs: MfaInput[] = [];
  const reasons: string[] = [];
  for (const driver of chosen) {
    const detected = driver.detect(request);
    if (typeof detected === "string") {
      reasons.push(`${driver.name}: ${detected}`);
      request.ui.debug(`MFA input ${driver.name} unavailable: ${detected}`);
    } else inputs.push(detected);
  }
  if (!inputs.length) {
    throw new VegasError(
      `no MFA input available for profile '${request.profile.profile}' (${reasons.join("; ")}); ` +
        `run it from a terminal, or set vegas_mfa_process`,
    );
  }
  return inputs;
}

/** How each input is named in the note that closes the other prompts. */
const LABELS: Readonly<Record<string, string>> = {
  process: "vegas_mfa_process",
  yubikey: "YubiKey",
  gui: "the GUI dialog",
  terminal: "the terminal",
};

function label(input: MfaInput): string {
  return LABELS[input.name] ?? input.name;
}

/**
 * Races `inputs` for one code within `timeoutMs`. A cancel from the user ends the race unless the
 * profile lists several inputs in `vegas_mfa_inputs` and another one is still waiting. When the
 * race ends, the other inputs are stopped with a short note as the abort reason (`answered by
 * YubiKey`), which the terminal prompt shows as it closes its line.
 */
export async function raceInputs(
  request: MfaRequest,
  inputs: readonly MfaInput[],
  timeoutMs: number,
): Promise<MfaAnswer> {
  const controller = new AbortController();
  const failures: string[] = [];
  let pending = inputs.length;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let note = "stopped";
  const explicitChoice = (request.profile.mfaInputs?.length ?? 0) > 1;
  using _interrupt = onInterrupt((signal) =>
    signal === "SIGINT" ? "MFA prompt cancelled by user (Ctrl-C)" : undefined
  );
  try {
    return await new Promise<MfaAnswer>((resolve, reject) => {
      timer = setTimeout(() => {
        note = "timed out";
        reject(
          new MfaFailed(
            // The configured wait, not what was left of it after a rejected code.
            `no MFA code within ${
              request.profile.mfaTimeoutSeconds ?? Math.round(timeoutMs / 1000)
            } s for profile ` +
              `'${request.profile.profile}' (set vegas_mfa_timeout to wait longer)`,
            "timeout",
          ),
        );
      }, timeoutMs);
      let cancelledBy: string | undefined;
      for (const input of inputs) {
        input.read(request, controller.signal).then(
          (answer) => {
            if (controller.signal.aborted) return;
            const code = normaliseCode(answer);
            if (code) {
              note = `answered by ${label(input)}`;
              return resolve({ code, input });
            }
            fail(input, new MfaInputError(input.name, "answered something other than 6 digits"));
          },
          (error) => fail(input, error),
        );
      }
      function fail(input: MfaInput, error: unknown) {
        if (controller.signal.aborted) return;
        pending--;
        if (error instanceof MfaCancelled && !(explicitChoice && pending > 0)) {
          note = `cancelled in ${label(input)}`;
          reject(new MfaFailed(`MFA prompt cancelled by user (${input.name})`, "cancelled"));
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof MfaCancelled) cancelledBy ??= input.name;
        failures.push(`${input.name}: ${message}`);
        request.ui.debug(`MFA input ${input.name} gave no code: ${message}`);
        if (pending === 0) {
          // A cancel the user made earlier is the outcome, shared with the waiting processes.
          reject(
            cancelledBy
              ? new MfaFailed(`MFA prompt cancelled by user (${cancelledBy})`, "cancelled")
              : new VegasError(
                `no MFA code for profile '${request.profile.profile}': ${failures.join("; ")}`,
              ),
          );
        }
      }
    });
  } finally {
    clearTimeout(timer);
    controller.abort(note);
  }
}
