/**
 * Opens a backend by name, loading only its module. The keychain and the Credential Manager exist
 * only on their own OS; saying so beats a "program not found".
 * @module
 */
import { load } from "../lazy.ts";
import type { Env } from "../config/files.ts";
import { type Keystore, KeystoreError, type StoreName } from "./types.ts";

/** The backend called `name` (as `keystoreOf` in src/config/resolve.ts chose and checked it). */
export async function openKeystore(
  name: StoreName,
  env: Env,
  os: typeof Deno.build.os = Deno.build.os,
): Promise<Keystore> {
  const elsewhere = (what: string, system: string) =>
    new KeystoreError(
      name,
      "unavailable",
      `${what} exists only on ${system}: on this system keep the keys in ` +
        `${
          os === "windows" ? "wincred" : os === "darwin" ? "keychain" : "secret-service or pass"
        } ` +
        "(vegas_keystore on the source profile, or VEGAS_CREDENTIALS_KEYSTORE)",
    );
  switch (name) {
    case "keychain": {
      if (os !== "darwin") throw elsewhere("the macOS keychain", "macOS");
      const { keychain } = await load<typeof import("./macos.ts")>("./macos.ts", import.meta.url);
      return keychain(env);
    }
    case "wincred": {
      if (os !== "windows") throw elsewhere("the Windows Credential Manager", "Windows");
      const { wincred } = await load<typeof import("./windows.ts")>(
        "./windows.ts",
        import.meta.url,
      );
      return wincred(env);
    }
    case "pass": {
      const { pass } = await load<typeof import("./pass.ts")>("./pass.ts", import.meta.url);
      return pass(env);
    }
    case "secret-service": {
      const { secretService } = await load<typeof import("./secret_service.ts")>(
        "./secret_service.ts",
        import.meta.url,
      );
      return secretService(env);
    }
  }
}
