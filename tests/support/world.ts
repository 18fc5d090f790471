/**
 * A test world: a sandbox HOME wired to a fresh local STS emulator that knows the test user, its MFA
 * device and a few roles.
 * @module
 */
import { startStsEmulator, type StsEmulator } from "./sts_server.ts";
import { CLOCK_OFFSET_ENV, DEFAULT_STEP_SECONDS, msUntilNextStep } from "./totp.ts";
import {
  makeSandbox,
  type Sandbox,
  standardConfig,
  standardCredentials,
  TEST_ROLE_ARN,
  TEST_USER,
} from "./harness.ts";

/** Extra roles every world has. */
export const ROLES = {
  main: TEST_ROLE_ARN,
  withPath: "arn:aws:iam::222222222222:role/team/app/DeployRole",
  withExternalId: "arn:aws:iam::333333333333:role/PartnerRole",
  long: "arn:aws:iam::222222222222:role/LongRole",
} as const;

/**
 * Sandbox + emulator; dispose to stop both. They share one test clock: the emulator's, whose offset
 * the sandbox's environment passes on (in {@link CLOCK_OFFSET_ENV}) to the program and to the code
 * generators it runs. Move the clock only between runs: a running program keeps the offset it was
 * started with.
 */
export interface World extends AsyncDisposable {
  readonly sandbox: Sandbox;
  readonly sts: StsEmulator;
  /** Now on the world's clock: use it for any TOTP code a test computes or types. */
  now(): number;
  /** Moves the clock forward to the start of the next 30-second TOTP window. */
  nextWindow(): void;
  /** Moves the clock forward until the current TOTP window ends `ms` from now. */
  windowEndsIn(ms: number): void;
  /**
   * Moves the clock forward by `ms`: STS's clock then runs ahead of this computer's (whose clock
   * the program reads for expiry) as on a machine whose clock is behind.
   */
  moveClock(ms: number): void;
}

/** Starts a world. The sandbox's env points the program at the emulator. */
export async function makeWorld(
  config: { target?: string; source?: string; roleArn?: string } | string = {},
): Promise<World> {
  const sts = await startStsEmulator({
    users: [{ ...TEST_USER }],
    roles: [
      { arn: ROLES.main },
      { arn: ROLES.withPath },
      { arn: ROLES.withExternalId, externalId: "0093624694724" },
      { arn: ROLES.long, maxSessionDuration: 43200 },
    ],
  });
  const sandbox = makeSandbox();
  sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
  sandbox.env.AWS_ENDPOINT_URL_IAM = sts.url; // IAM too (tests/support/iam.ts): never the real one
  sandbox.writeConfig(typeof config === "string" ? config : standardConfig(config));
  sandbox.writeCredentials(standardCredentials());
  const advance = (ms: number) => {
    sts.clockOffsetMs += ms;
    sandbox.env[CLOCK_OFFSET_ENV] = String(sts.clockOffsetMs);
  };
  advance(0);
  return {
    sandbox,
    sts,
    now: () => sts.now(),
    nextWindow: () => advance(msUntilNextStep(sts.now())),
    moveClock: advance,
    windowEndsIn(ms) {
      const stepMs = DEFAULT_STEP_SECONDS * 1000;
      if (ms <= 0 || ms > stepMs) throw new Error(`windowEndsIn(${ms}): not within one window`);
      advance((msUntilNextStep(sts.now()) - ms + stepMs) % stepMs);
    },
    async [Symbol.asyncDispose]() {
      await sts.close();
      await sandbox[Symbol.asyncDispose]();
    },
  };
}

/** Polls `check` until it returns a value or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Path of Debian's AWS CLI (a real credential_process caller), else whatever `aws` is on PATH. */
export function awsCli(): string {
  try {
    Deno.statSync("/usr/bin/aws");
    return "/usr/bin/aws";
  } catch {
    return "aws";
  }
}

/** What `aws sts get-caller-identity` printed. */
export interface CallerIdentityRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `aws sts get-caller-identity --profile PROFILE` against the emulator at `stsUrl`, as a user runs
 * it but without a terminal (`setsid`, no stdin). The AWS CLI 2.9 in Debian ignores
 * AWS_ENDPOINT_URL_STS, hence `--endpoint-url`; our program gets the variable from `env`.
 */
export async function awsCallerIdentity(
  env: Record<string, string>,
  stsUrl: string,
  profile: string,
): Promise<CallerIdentityRun> {
  const output = await new Deno.Command("setsid", {
    args: [
      "-w",
      awsCli(),
      "sts",
      "get-caller-identity",
      "--profile",
      profile,
      "--region",
      "us-east-1",
      "--endpoint-url",
      stsUrl,
      "--output",
      "json",
    ],
    env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}
