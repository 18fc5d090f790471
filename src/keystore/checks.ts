/**
 * What `doctor` (and `config import`'s follow-up lines) say about where the source keys are:
 * plaintext keys get a warning naming the command that moves them; keys expected in the store are
 * looked up there without reading a secret (so without an unlock prompt).
 * @module
 */
import type { Env } from "../config/files.ts";
import type { ResolvedProfile } from "../config/types.ts";
import { shown } from "../config/resolve.ts";
import { openKeystore } from "./backends.ts";
import { missingKeys, noFileKeys } from "./source_keys.ts";
import { KeystoreError, storeLabel, type StoreName } from "./types.ts";

/** One finding, in the doctor's terms. */
export interface KeystoreFinding {
  readonly severity: "ok" | "warning" | "problem";
  readonly message: string;
  readonly fix?: string;
}

/** Why `profile`'s stored keys cannot be had here (missing, store unusable); undefined if fine. */
export async function storedKeysProblem(
  profile: ResolvedProfile,
  env: Env,
): Promise<KeystoreFinding | undefined> {
  const finding = (await keystoreFindings(profile, env))[0];
  return finding?.severity === "problem" ? finding : undefined;
}

/** The doctor's findings about where `profile`'s source keys are kept. */
export async function keystoreFindings(
  profile: ResolvedProfile,
  env: Env,
): Promise<KeystoreFinding[]> {
  const { source, sourceProfile } = profile;
  if (!("store" in source)) {
    if (source.sessionToken) return []; // temporary keys: the doctor says so already
    return [{
      severity: "warning",
      message: `source profile ${shown(sourceProfile)} keeps its long-term keys in plain text ` +
        `in ${profile.origins.sourceKeys}`,
      fix: `move them into the OS secure store: vegas-credentials keys import --profile ` +
        sourceProfile,
    }];
  }
  try {
    const store = await openKeystore(source.store as StoreName, env);
    const item = (await store.list()).find((item) =>
      item.kind === "keys" && item.profile === source.entry
    );
    if (!item) {
      return [{
        severity: "problem",
        message: missingKeys(profile, source),
        fix: `vegas-credentials keys add --profile ${source.entry}`,
      }];
    }
    return [{
      severity: "ok",
      message: `${storeLabel(source.store)} has the keys of ${shown(source.entry)}` +
        (item.hint ? ` (${item.hint})` : ""),
    }];
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error;
    return [{
      severity: "problem",
      message: `${noFileKeys(profile)}, and ${error.message}`,
      fix: "make the store usable (see above), or keep the keys in a store that works here",
    }];
  }
}
