/**
 * RFC 4226 HOTP / RFC 6238 TOTP (HMAC-SHA1) helpers for the test suite.
 *
 * Also runnable as a fake "MFA process" / fake `ykman`: it prints the current 6-digit code for a
 * base32 secret read from the `TOTP_SECRET` environment variable, or from the file named by the
 * first argument (the secret itself is never taken from the command line):
 *
 * ```sh
 * TOTP_SECRET=JBSWY3DPEHPK3PXP deno run --allow-env=TOTP_SECRET tests/support/totp.ts
 * deno run --allow-read=secret.txt tests/support/totp.ts secret.txt
 * ```
 *
 * `TOTP_SECRET_FILE` may name the file instead (handy for a fake `ykman` wrapper, whose own
 * arguments start with `-` and are ignored).
 *
 * The test suite never waits for a real 30-second window: its STS emulator runs on a clock that is
 * ahead of the real one by a settable offset, and every process that places TOTP windows reads
 * that offset from {@link CLOCK_OFFSET_ENV} (this generator, fake `ykman`s, and the program itself
 * when it waits for the next window before retrying a refused generator code).
 *
 * @module
 */

import { createHmac, randomBytes } from "node:crypto";

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Default TOTP time step in seconds. */
export const DEFAULT_STEP_SECONDS = 30;

/**
 * Test-only environment variable: milliseconds to add to the real clock when placing TOTP windows.
 * The program reads the same name (`TEST_CLOCK_OFFSET_ENV` in src/assume/mfa_retry.ts).
 */
export const CLOCK_OFFSET_ENV = "VEGAS_CREDENTIALS_TEST_CLOCK_OFFSET_MS";

/** Parses a {@link CLOCK_OFFSET_ENV} value; anything but an integer counts as no offset. */
export function parseClockOffset(value: string | undefined): number {
  return /^-?\d+$/.test(value ?? "") ? Number(value) : 0;
}

/**
 * Decodes RFC 4648 base32 (case-insensitive; spaces, dashes and `=` padding are ignored).
 * @throws {Error} on a character outside the base32 alphabet.
 */
export function base32Decode(s: string): Uint8Array {
  const clean = s.replace(/[\s=-]/g, "").toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const idx = BASE32_ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error("invalid base32 character in secret");
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** Encodes bytes as RFC 4648 base32 without `=` padding (the form authenticator apps use). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(value >>> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Returns a fresh random base32 TOTP secret (20 bytes, like AWS virtual MFA devices). */
export function generateTotpSecret(byteLength = 20): string {
  return base32Encode(new Uint8Array(randomBytes(byteLength)));
}

/** RFC 4226 HOTP value for `key` at `counter`, zero-padded to `digits` digits. */
export function hotp(key: Uint8Array, counter: number, digits = 6): string {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const mac = createHmac("sha1", key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) |
    mac[offset + 3];
  return String(bin % 10 ** digits).padStart(digits, "0");
}

/** The TOTP time-step counter for `timeMs` (Unix epoch milliseconds). */
export function totpStep(timeMs: number = Date.now(), step = DEFAULT_STEP_SECONDS): number {
  return Math.floor(timeMs / 1000 / step);
}

/** Milliseconds until the next TOTP time step starts (always in `(0, step*1000]`). */
export function msUntilNextStep(timeMs: number = Date.now(), step = DEFAULT_STEP_SECONDS): number {
  const stepMs = step * 1000;
  return stepMs - (((timeMs % stepMs) + stepMs) % stepMs);
}

/** RFC 6238 TOTP code (HMAC-SHA1) for a base32 secret at `timeMs`; synchronous. */
export function totpSync(
  secretBase32: string,
  timeMs: number = Date.now(),
  step = DEFAULT_STEP_SECONDS,
  digits = 6,
): string {
  return hotp(base32Decode(secretBase32), totpStep(timeMs, step), digits);
}

/** Promise-returning form of {@link totpSync}, for callers that expect an async generator. */
export function totp(
  secretBase32: string,
  timeMs: number = Date.now(),
  step = DEFAULT_STEP_SECONDS,
  digits = 6,
): Promise<string> {
  return Promise.resolve(totpSync(secretBase32, timeMs, step, digits));
}

/** Reads an environment variable only if access is already granted (never prompts). */
function envIfGranted(name: string): string {
  const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
  return state === "granted" ? Deno.env.get(name) ?? "" : "";
}

/** Now on the test clock: the real time plus {@link CLOCK_OFFSET_ENV} (when readable). */
export function testClockNow(): number {
  return Date.now() + parseClockOffset(envIfGranted(CLOCK_OFFSET_ENV));
}

if (import.meta.main) {
  let secret = envIfGranted("TOTP_SECRET");
  const file = envIfGranted("TOTP_SECRET_FILE") ||
    (Deno.args[0] && !Deno.args[0].startsWith("-") ? Deno.args[0] : "");
  if (!secret && file) secret = Deno.readTextFileSync(file);
  secret = secret.trim();
  if (!secret) {
    console.error("totp: set TOTP_SECRET or TOTP_SECRET_FILE, or pass a file holding the secret");
    Deno.exit(2);
  }
  console.log(totpSync(secret, testClockNow()));
}
