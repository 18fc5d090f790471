/**
 * A source profile's access key kept in the OS secure store, as `rotate` replaces it: the keys
 * entry is read, checked to still hold the key the rotation started from, rewritten, and read back
 * (only keys the store gives back as written count as stored). A store offers no compare-and-swap:
 * the check and the write are two steps, taken while this run holds the MFA device's lock.
 * @module
 */
import type { Env } from "../config/files.ts";
import { shown } from "../config/resolve.ts";
import { ConfigError, VegasError } from "../errors.ts";
import { openKeystore } from "../keystore/backends.ts";
import { keysEntry, storeKeys } from "../keystore/keys_entry.ts";
import { decodeKeys } from "../keystore/payload.ts";
import { type Keystore, KeystoreError, storeLabel, type StoreName } from "../keystore/types.ts";
import type { AccessKeyPair, KeyLocation } from "./location.ts";

/** The keys entry of source profile `profile` in `store`. */
export class StoreKeyLocation implements KeyLocation {
  readonly description: string;
  #opened?: Promise<Keystore>;

  constructor(
    readonly store: StoreName,
    readonly profile: string,
    readonly env: Env,
    /** Where the files were looked at first, for messages: `CREDENTIALS or CONFIG`. */
    readonly filesLookedAt: string,
  ) {
    this.description = `${storeLabel(store)} [${profile}]`;
  }

  async read(): Promise<AccessKeyPair> {
    const keys = await this.#stored();
    if (keys.sessionToken) {
      throw new ConfigError(
        `source profile ${shown(this.profile)} in ${storeLabel(this.store)} holds temporary keys ` +
          "(a session token): rotate replaces an IAM user's long-term access key",
      );
    }
    return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  }

  async replace(expectedId: string, next: AccessKeyPair): Promise<void> {
    const now = await this.#stored();
    if (now.accessKeyId !== expectedId) {
      throw new VegasError(
        `${this.description} no longer holds the access key rotate started from (it changed ` +
          "meanwhile): nothing written",
      );
    }
    await storeKeys(await this.#store(), this.profile, next);
  }

  /** The keys in the entry now; one line saying where was looked when there are none. */
  async #stored() {
    const nowhere = `source profile ${shown(this.profile)} has no aws_access_key_id and ` +
      `aws_secret_access_key in ${this.filesLookedAt}, and`;
    let secret: string | undefined;
    try {
      secret = await (await this.#store()).read(keysEntry(this.profile));
    } catch (error) {
      if (!(error instanceof KeystoreError)) throw error;
      throw new VegasError(`${nowhere} ${error.message}`, { cause: error });
    }
    if (secret === undefined) {
      throw new ConfigError(
        `${nowhere} ${storeLabel(this.store)} has no keys for it: there is no access key to rotate`,
      );
    }
    const keys = decodeKeys(secret);
    if (typeof keys === "string") {
      throw new VegasError(
        `source profile ${shown(this.profile)}: its entry in ${storeLabel(this.store)} is ` +
          `unusable (${keys})`,
      );
    }
    return keys;
  }

  /** The store, opened once. */
  #store(): Promise<Keystore> {
    return this.#opened ??= openKeystore(this.store, this.env);
  }
}
