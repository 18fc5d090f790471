/**
 * The MFA input drivers, in their default order. Adding an input = one module + one line here.
 * @module
 */
import type { MfaDriver } from "./types.ts";
import { processDriver } from "./process_input.ts";
import { terminalDriver } from "./terminal_input.ts";
import { yubikeyDriver } from "./yubikey_input.ts";
import { guiDriver } from "./gui/mod.ts";

/** Every driver, by name, in the order they start when `vegas_mfa_inputs` is not set. */
export const MFA_DRIVERS: readonly MfaDriver[] = [
  processDriver,
  yubikeyDriver,
  guiDriver,
  terminalDriver,
];

/** Names accepted in `vegas_mfa_inputs`. */
export function driverNames(): string[] {
  return MFA_DRIVERS.map((driver) => driver.name);
}
