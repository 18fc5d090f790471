/**
 * The environment of MFA helpers (the `vegas_mfa_process` shell, ykman, dialogs): the caller's,
 * without credentials. A caller such as `aws-vault exec`, a CI job or another profile's `exec`
 * may have live keys in `AWS_*` variables; a helper has no use for them, and a password-manager
 * command or a compromised dialog program must not receive them.
 * @module
 */

/**
 * `AWS_*` variables a helper keeps: where the shared files are, the region and TLS settings. Every
 * other `AWS_*` variable (keys, session tokens, profile names, container and web-identity
 * credential sources, role ARNs) is removed.
 */
const KEPT = new Set([
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_CA_BUNDLE",
]);

/**
 * The environment for a helper: `parent` (default: this process's) without the `AWS_*` variables
 * outside {@link KEPT} (names compared case-insensitively, as Windows does), plus `extra`.
 */
export function helperEnvironment(
  extra: Readonly<Record<string, string>> = {},
  parent: Readonly<Record<string, string>> = Deno.env.toObject(),
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    const upper = name.toUpperCase();
    if (upper.startsWith("AWS_") && !KEPT.has(upper)) continue;
    result[name] = value;
  }
  return Object.assign(result, extra);
}

/** `Deno.Command` options that give a helper {@link helperEnvironment} and nothing else. */
export function helperEnvOptions(
  extra?: Readonly<Record<string, string>>,
): { env: Record<string, string>; clearEnv: true } {
  return { env: helperEnvironment(extra), clearEnv: true };
}
