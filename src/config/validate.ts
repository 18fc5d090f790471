/**
 * Validation of the values that end up in an STS call, so that a typo is reported with its profile,
 * key and file before any network call instead of as an AWS error afterwards.
 * @module
 */

/** `arn:PARTITION:iam::ACCOUNT:role/` + optional path + name, for every AWS partition. */
export const ROLE_ARN =
  /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\x21-\x7e]+\/)*[\w+=,.@-]{1,64}$/;
/** MFA device ARNs (virtual `mfa/`, and `u2f/`), paths allowed. */
export const MFA_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:mfa|u2f)\/[\w+=,.@/-]+$/;
/** STS `SerialNumber` constraint: ARNs and hardware token serials such as `GAHT12345678`. */
export const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;
/** STS `RoleSessionName` constraint. */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS `ExternalId` constraint. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * The names `vegas_mfa_inputs` accepts, in the default order. The drivers are in src/mfa/registry.ts
 * (loaded only when a code is needed); a unit test keeps the two lists equal.
 */
export const MFA_INPUT_NAMES: readonly string[] = ["process", "yubikey", "gui", "terminal"];

/** Returns why `names` holds an input that does not exist, or undefined when every one is known. */
export function mfaInputsProblem(names: readonly string[]): string | undefined {
  const unknown = names.find((name) => !MFA_INPUT_NAMES.includes(name));
  return unknown === undefined
    ? undefined
    : `names unknown input '${unknown}' (known: ${MFA_INPUT_NAMES.join(", ")})`;
}

/** Returns why `value` is not a usable role ARN, or undefined when it is. */
export function roleArnProblem(value: string): string | undefined {
  if (ROLE_ARN.test(value)) return undefined;
  return "is not an IAM role ARN (expected arn:aws:iam::123456789012:role/[path/]NAME)";
}

/** Returns why `value` is not a usable MFA serial, or undefined when it is. */
export function mfaSerialProblem(value: string): string | undefined {
  if (value.startsWith("arn:")) {
    return MFA_ARN.test(value) && MFA_SERIAL.test(value)
      ? undefined
      : "is not an MFA device ARN (expected arn:aws:iam::123456789012:mfa/NAME)";
  }
  return MFA_SERIAL.test(value)
    ? undefined
    : "is neither an MFA device ARN nor a hardware token serial (9-256 of A-Z a-z 0-9 _+=/:,.@-)";
}

/** Returns why `value` is not a valid role session name, or undefined when it is. */
export function sessionNameProblem(value: string): string | undefined {
  return SESSION_NAME.test(value) ? undefined : "must be 2-64 characters of A-Z a-z 0-9 _+=,.@-";
}

/** Returns why `value` is not a valid external id, or undefined when it is. */
export function externalIdProblem(value: string): string | undefined {
  return EXTERNAL_ID.test(value) ? undefined : "must be 2-1224 characters of A-Z a-z 0-9 _+=,.@:/-";
}

/**
 * Parses a whole number of seconds within `[min, max]`; returns the number or a problem sentence.
 */
export function parseSeconds(value: string, min: number, max: number): number | string {
  if (!/^\d+$/.test(value)) return `must be a whole number of seconds (${min}-${max})`;
  const seconds = Number(value);
  if (seconds < min || seconds > max) return `must be between ${min} and ${max} seconds`;
  return seconds;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/** Names longer than this get no "did you mean" (and cost nothing to compare). */
const MAX_SUGGESTED_LENGTH = 100;
/** At most this many candidates are compared, so a huge config cannot make an error slow. */
const MAX_CANDIDATES = 500;

/**
 * The candidates closest to `name` (at most three), for "did you mean …?". Bounded work: names and
 * candidates over 100 characters are skipped and at most 500 candidates are compared, so the cost
 * is at most 500 × 100 × 100 steps whatever the input.
 */
export function closestNames(name: string, candidates: Iterable<string>): string[] {
  if (name.length > MAX_SUGGESTED_LENGTH) return [];
  const lower = name.toLowerCase();
  const scored: { candidate: string; distance: number }[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.size >= MAX_CANDIDATES) break;
    if (!candidate || candidate.length > MAX_SUGGESTED_LENGTH || seen.has(candidate)) continue;
    seen.add(candidate);
    const other = candidate.toLowerCase();
    const contains = other.includes(lower) || lower.includes(other);
    const distance = contains ? 1 : editDistance(lower, other);
    if (distance <= Math.max(2, Math.floor(candidate.length / 3))) {
      scored.push({ candidate, distance });
    }
  }
  return scored
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}
