/**
 * Where the cache lives and what its files are called: the profile name plus a hash of every resolved
 * value that changes the STS call, so that editing the config misses the cache instead of returning
 * credentials for the old role.
 *
 * One module on purpose: every module costs start-up time on the cache-hit path (BENCHMARKS.md).
 * @module
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { type Env, homeDir, processEnv } from "../config/files.ts";

/** File-name-safe, reversible form of a profile name: other characters become `%XX`. */
function safeName(name: string): string {
  return name.replace(
    /[^A-Za-z0-9@_-]/g,
    (char) =>
      Array.from(new TextEncoder().encode(char), (byte) => `%${byte.toString(16)}`).join(""),
  );
}

/** Prefix shared by every cache file of one profile, whatever its config hash. */
export function profilePrefix(kind: "role" | "session", name: string): string {
  return `${kind}.${safeName(name)}.`;
}

/** Cache file name of the role credentials of `profile`. */
export function roleCacheName(profile: ResolvedProfile): string {
  const identity = [
    profile.profile,
    profile.roleArn,
    profile.sourceProfile,
    profile.source.accessKeyId,
    profile.mfaSerial,
    profile.durationSeconds,
    profile.roleSessionName ?? "",
    profile.externalId ?? "",
    profile.region,
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
    profile.mfaSessionDuration ?? "",
  ];
  const hash = sha256Hex(JSON.stringify(identity));
  return `${profilePrefix("role", profile.profile)}${hash.slice(0, 16)}.json`;
}

/**
 * Cache file name of the MFA session of a source profile (see `vegas_mfa_session_duration`). The
 * region is left out: a session token works in every region, and role profiles of one source that
 * name different regions must share one session.
 */
export function sessionCacheName(profile: ResolvedProfile): string {
  const identity = [
    profile.sourceProfile,
    profile.source.accessKeyId,
    profile.mfaSerial,
    profile.mfaSessionDuration ?? "",
    profile.endpoint ?? "",
    profile.useGlobalEndpoint,
  ];
  const hash = sha256Hex(JSON.stringify(identity));
  return `${profilePrefix("session", profile.sourceProfile)}${hash.slice(0, 16)}.json`;
}

/** Lock file name for one MFA device: every prompt for that device is serialised through it. */
export function lockName(mfaSerial: string): string {
  return `mfa.${(sha256Hex(mfaSerial)).slice(0, 16)}.lock`;
}

/** Name of the environment variable that overrides the cache directory. */
export const CACHE_DIR_ENV = "VEGAS_CREDENTIALS_CACHE_DIR";

/**
 * `$VEGAS_CREDENTIALS_CACHE_DIR`, else the platform's cache folder + `vegas-credentials`:
 * `$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows.
 */
export function cacheDir(env: Env = processEnv, os: typeof Deno.build.os = Deno.build.os): string {
  const override = env(CACHE_DIR_ENV);
  if (override) return override;
  if (os === "darwin") return `${homeDir(env)}/Library/Caches/vegas-credentials`;
  if (os === "windows") {
    const local = env("LOCALAPPDATA") ?? `${homeDir(env)}\\AppData\\Local`;
    return `${local}\\vegas-credentials`;
  }
  const xdg = env("XDG_CACHE_HOME");
  return `${xdg && xdg.startsWith("/") ? xdg : `${homeDir(env)}/.cache`}/vegas-credentials`;
}

/*
 * SHA-256 (FIPS 180-4), synchronous and tiny: Web Crypto's asynchronous digest costs about a
 * millisecond per call on the hot path and `node:crypto` a dozen to load. Checked against Web Crypto
 * in tests/unit/cache_test.ts.
 */
const K = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** SHA-256 of the UTF-8 bytes of `text`, as lower-case hex. */
export function sha256Hex(text: string): string {
  const data = new TextEncoder().encode(text);
  const bitLength = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] +
        w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (word) => word.toString(16).padStart(8, "0")).join("");
}
