/**
 * Cutting secrets out of messages that other code wrote (network errors, a browser's complaints),
 * which may quote a URL that carries credentials or a sign-in token.
 * @module
 */

/**
 * Replaces every occurrence of each secret in `text` with `…`: as is, and in the two ways a URL
 * encodes it (`encodeURIComponent`, form encoding).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ x: secret }).toString().slice(2),
    ]);
    for (const form of forms) result = result.replaceAll(form, "…");
  }
  return result;
}
