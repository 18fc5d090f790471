/**
 * Tests proving that the local STS emulator (tests/support/sts_server.ts) is strict, driven by
 * the real AWS SDK for JavaScript v3, plus RFC 6238 checks of tests/support/totp.ts.
 */

import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { type EmulatorUser, startStsEmulator, type StsEmulator } from "./support/sts_server.ts";
import {
  base32Decode,
  base32Encode,
  CLOCK_OFFSET_ENV,
  generateTotpSecret,
  msUntilNextStep,
  totp,
  totpStep,
  totpSync,
} from "./support/totp.ts";

const ACCOUNT = "111111111111";
const ROLE_ACCOUNT = "222222222222";
const TOTP_SECRET = generateTotpSecret();
const TESTER: EmulatorUser = {
  accessKeyId: "AKIAEMULATORTESTER01",
  secretAccessKey: "tEsTsEcReT/emulator+key0000000000000000",
  arn: `arn:aws:iam::${ACCOUNT}:user/tester`,
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/tester`,
  totpSecret: TOTP_SECRET,
};
const NO_MFA_USER: EmulatorUser = {
  accessKeyId: "AKIAEMULATORNOMFA001",
  secretAccessKey: "anotherSecretKeyForTheUserWithoutMfa0000",
  arn: `arn:aws:iam::${ACCOUNT}:user/plain`,
};
const ADMIN_ROLE = `arn:aws:iam::${ROLE_ACCOUNT}:role/Admin`;
const PATH_ROLE = `arn:aws:iam::${ROLE_ACCOUNT}:role/team/app/Deployer`;
const PARTNER_ROLE = `arn:aws:iam::${ROLE_ACCOUNT}:role/Partner`;
const OPEN_ROLE = `arn:aws:iam::${ROLE_ACCOUNT}:role/NoMfaNeeded`;
const CLOSED_ROLE = `arn:aws:iam::${ROLE_ACCOUNT}:role/TrustsSomeoneElse`;

function start(clockOffsetMs = 0): Promise<StsEmulator> {
  return startStsEmulator({
    clockOffsetMs,
    users: [TESTER, NO_MFA_USER],
    roles: [
      { arn: ADMIN_ROLE, maxSessionDuration: 7200 },
      { arn: PATH_ROLE },
      { arn: PARTNER_ROLE, externalId: "partner-ext-id" },
      { arn: OPEN_ROLE, requireMfa: false },
      { arn: CLOSED_ROLE, trustedPrincipals: [`arn:aws:iam::${ACCOUNT}:user/someone-else`] },
    ],
  });
}

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Runs `fn` with a fresh emulator and an SDK client factory; closes everything afterwards. */
async function withEmulator(
  fn: (
    emu: StsEmulator,
    client: (
      creds?: Creds,
      extra?: { maxAttempts?: number; systemClockOffset?: number },
    ) => STSClient,
  ) => Promise<void>,
): Promise<void> {
  // Tests use the codes of the previous, current and next steps: the emulator's clock starts at the
  // beginning of a step, far from its end.
  const emu = await start(msUntilNextStep());
  now = emu.now;
  const clients: STSClient[] = [];
  const client = (creds: Creds = TESTER, extra = {}) => {
    const c = new STSClient({
      region: "us-east-1",
      endpoint: emu.url,
      credentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
      },
      ...extra,
    });
    clients.push(c);
    return c;
  };
  try {
    await fn(emu, client);
  } finally {
    now = Date.now;
    for (const c of clients) c.destroy();
    await emu.close();
  }
}

/** Now on the clock of the emulator of the running test (the real one outside {@link withEmulator}). */
let now = Date.now;

/** The tester's TOTP code, `steps` steps from now on the emulator's clock. */
function code(steps = 0): string {
  return totpSync(TOTP_SECRET, now() + steps * 30_000);
}

/** Asserts that `p` rejects with an SDK error of the given name (and message pattern). */
async function rejectsWith(
  p: Promise<unknown>,
  name: string,
  message?: RegExp,
  status?: number,
): Promise<void> {
  await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (message) assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status);
    return true;
  });
}

function assumeInput(extra: Partial<AssumeRoleCommandInput> = {}): AssumeRoleCommandInput {
  return {
    RoleArn: ADMIN_ROLE,
    RoleSessionName: "emulator-test",
    SerialNumber: TESTER.mfaSerial,
    TokenCode: code(),
    ...extra,
  };
}

/** The environment a child `deno` needs (its cache location), without anything else. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["HOME", "DENO_DIR", "PATH", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/** Minimal SigV4 signer for requests the SDK cannot make (GET, unknown actions). */
async function signedFetch(
  emu: StsEmulator,
  method: "GET" | "POST",
  params: Record<string, string>,
  creds: Creds = TESTER,
): Promise<{ status: number; text: string }> {
  const url = new URL(emu.url);
  const encode = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const query = Object.keys(params).sort().map((k) => `${encode(k)}=${encode(params[k])}`).join(
    "&",
  );
  const body = method === "POST" ? query : "";
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: url.host, "x-amz-date": amzDate };
  if (method === "POST") headers["content-type"] = "application/x-www-form-urlencoded";
  if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = [
    method,
    "/",
    method === "GET" ? query : "",
    names.map((n) => `${n}:${headers[n]}\n`).join(""),
    names.join(";"),
    createHash("sha256").update(body).digest("hex"),
  ].join("\n");
  const scope = `${date}/us-east-1/sts/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonical).digest("hex"),
  ].join("\n");
  let key: Uint8Array = createHmac("sha256", `AWS4${creds.secretAccessKey}`).update(date).digest();
  for (const part of ["us-east-1", "sts", "aws4_request"]) {
    key = createHmac("sha256", key).update(part).digest();
  }
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  const res = await fetch(`${emu.url}/${method === "GET" ? `?${query}` : ""}`, {
    method,
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, ` +
        `SignedHeaders=${names.join(";")}, Signature=${signature}`,
    },
    body: method === "POST" ? body : undefined,
  });
  return { status: res.status, text: await res.text() };
}

// ---- TOTP ---------------------------------------------------------------------------------------

Deno.test("totp: RFC 6238 SHA-1 test vectors", () => {
  const secret = base32Encode(new TextEncoder().encode("12345678901234567890"));
  assert.equal(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  assert.equal(totpSync(secret, 59_000, 30, 8), "94287082");
  assert.equal(totpSync(secret, 59_000), "287082");
  assert.equal(totpSync(secret, 1111111109_000, 30, 8), "07081804");
  assert.equal(totpSync(secret, 1234567890_000, 30, 8), "89005924");
  assert.equal(totpSync(secret, 20000000000_000, 30, 8), "65353130");
  assert.equal(totpStep(59_000), 1);
  assert.equal(msUntilNextStep(59_000), 1_000);
  assert.equal(msUntilNextStep(60_000), 30_000);
});

Deno.test("totp: base32 round trip, lenient decoding, async form", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(23));
  assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
  assert.deepEqual(base32Decode("gezd gnbv-gy3t qojq===="), base32Decode("GEZDGNBVGY3TQOJQ"));
  assert.throws(() => base32Decode("ABC1"));
  assert.equal(await totp(TOTP_SECRET, 1_000_000), totpSync(TOTP_SECRET, 1_000_000));
  assert.match(generateTotpSecret(), /^[A-Z2-7]{32}$/);
});

Deno.test("totp: agrees with oathtool", async () => {
  const before = totpSync(TOTP_SECRET);
  let child: Deno.ChildProcess;
  try {
    // The secret goes on stdin ("-"), as the README recommends, never on a command line.
    child = new Deno.Command("oathtool", {
      args: ["--totp", "-b", "-"],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error("oathtool is not installed; this test needs it: apt-get install -y oathtool");
    }
    throw e;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(TOTP_SECRET + "\n"));
  await writer.close();
  const output = await child.output();
  const after = totpSync(TOTP_SECRET);
  assert.equal(output.code, 0);
  const code = new TextDecoder().decode(output.stdout).trim();
  assert.ok(code === before || code === after, "oathtool and totpSync disagree");
});

Deno.test("totp: CLI prints the code for TOTP_SECRET or a secret file", async () => {
  const script = new URL("./support/totp.ts", import.meta.url).pathname;
  const run = async (args: string[], env: Record<string, string>, offsetMs = 0) => {
    const before = totpSync(TOTP_SECRET, Date.now() + offsetMs);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args],
      env: { ...baseEnv(), ...env },
      clearEnv: true,
    }).output();
    const code = new TextDecoder().decode(out.stdout).trim();
    assert.equal(out.code, 0);
    const after = totpSync(TOTP_SECRET, Date.now() + offsetMs);
    assert.ok(code === before || code === after, "CLI code mismatch");
  };
  await run([], { TOTP_SECRET });
  // On a test clock 5 minutes ahead (as the emulator's may be).
  await run([], { TOTP_SECRET, [CLOCK_OFFSET_ENV]: "300000" }, 300_000);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, `${TOTP_SECRET}\n`);
    await run([file], {});
    // A fake `ykman` wrapper: its own flags are ignored, the file comes from the environment.
    await run(["--device", "12345678", "oath"], { TOTP_SECRET_FILE: file });
  } finally {
    await Deno.remove(file);
  }
  const missing = await new Deno.Command(Deno.execPath(), {
    args: ["run", script],
    env: baseEnv(),
    clearEnv: true,
    stderr: "null",
  }).output();
  assert.equal(missing.code, 2);
});

// ---- AssumeRole and MFA ---------------------------------------------------------------------------

Deno.test("emulator: AssumeRole with a fresh code succeeds; the same code is refused after", async () => {
  await withEmulator(async (emu, client) => {
    const sts = client();
    const fresh = code();
    const before = now();
    const out = await sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: fresh })));
    const c = out.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(c.SecretAccessKey && c.SessionToken);
    const lifetime = c.Expiration!.getTime() - before;
    assert.ok(lifetime > 3595_000 && lifetime <= 3601_000, `lifetime ${lifetime}`);
    assert.equal(
      out.AssumedRoleUser?.Arn,
      `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/Admin/emulator-test`,
    );
    assert.match(out.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:emulator-test$/);

    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: fresh }))),
      "AccessDenied",
      /^MultiFactorAuthentication failed with invalid MFA one time pass code\.$/,
      403,
    );
    assert.equal(emu.count("AssumeRole"), 2);
    assert.equal(emu.count("AssumeRole", true), 1);
    // The code is never recorded.
    assert.ok(emu.calls.every((call) => call.params.TokenCode === "******"));
    assert.ok(!JSON.stringify(emu.calls).includes(fresh));
    assert.equal(emu.calls[0].accessKeyId, TESTER.accessKeyId);
    assert.equal(emu.calls[1].errorCode, "AccessDenied");
  });
});

Deno.test("emulator: the previous step's code is accepted, a wrong code is not", async () => {
  await withEmulator(async (_emu, client) => {
    const sts = client();
    const previous = code(-1);
    const out = await sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: previous })));
    assert.ok(out.Credentials?.AccessKeyId);
    const current = code();
    const wrong = String((Number(current) + 1) % 1_000_000).padStart(6, "0");
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: wrong }))),
      "AccessDenied",
      /invalid MFA one time pass code/,
    );
    const old = code(-10);
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: old }))),
      "AccessDenied",
      /invalid MFA one time pass code/,
    );
  });
});

Deno.test("emulator: its clock offset moves the TOTP windows; a code is still taken once", async () => {
  await withEmulator(async (emu, client) => {
    const sts = client();
    // Two minutes ahead (under the SDK's 5-minute clock skew correction): the real clock's code is
    // too old.
    emu.clockOffsetMs += 2 * 60_000;
    const real = totpSync(TOTP_SECRET);
    const realDiffers = ![code(-1), code(), code(1)].includes(real); // 1 in 333,333 it does not
    if (realDiffers) {
      await rejectsWith(
        sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: real }))),
        "AccessDenied",
        /invalid MFA one time pass code/,
      );
    }
    const ahead = code();
    assert.ok(
      (await sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: ahead })))).Credentials,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: ahead }))),
      "AccessDenied",
      /invalid MFA one time pass code/,
    );
    // The next window, without waiting for it: a new code, and the used one is still refused.
    emu.clockOffsetMs += 30_000;
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: ahead }))),
      "AccessDenied",
      /invalid MFA one time pass code/,
    );
    const next = await sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: code() })));
    // Issued credentials are dated by the same clock.
    const lifetime = next.Credentials!.Expiration!.getTime() - now();
    assert.ok(lifetime > 3595_000 && lifetime <= 3600_000, `lifetime ${lifetime}`);
    assert.ok(Math.abs(Date.parse(emu.calls.at(-1)!.time) - now()) < 5_000);
    assert.deepEqual(
      emu.calls.map((c) => c.ok),
      [...(realDiffers ? [false] : []), true, false, false, true],
    );
  });
});

Deno.test("emulator: wrong MFA serial, malformed code, missing MFA", async () => {
  await withEmulator(async (emu, client) => {
    const sts = client();
    await rejectsWith(
      sts.send(
        new AssumeRoleCommand(
          assumeInput({ SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/someone-else` }),
        ),
      ),
      "AccessDenied",
      /^MultiFactorAuthentication failed, unable to validate MFA code\. Please verify/,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: "12345" }))),
      "ValidationError",
      /at 'tokenCode' failed to satisfy constraint/,
      400,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ TokenCode: "abcdef" }))),
      "ValidationError",
      /tokenCode.*regular expression pattern/,
    );
    await rejectsWith(
      sts.send(
        new AssumeRoleCommand(assumeInput({ SerialNumber: undefined, TokenCode: undefined })),
      ),
      "AccessDenied",
      new RegExp(
        `^User: ${TESTER.arn} is not authorized to perform: sts:AssumeRole on resource: ` +
          `${ADMIN_ROLE}$`,
      ),
      403,
    );
    // A role that does not require MFA can be assumed without it.
    const out = await sts.send(
      new AssumeRoleCommand(
        assumeInput({ RoleArn: OPEN_ROLE, SerialNumber: undefined, TokenCode: undefined }),
      ),
    );
    assert.ok(out.Credentials?.SessionToken);
    assert.equal(emu.count("AssumeRole", true), 1);
  });
});

Deno.test("emulator: role ARN with a path works; unknown and untrusting roles are denied", async () => {
  await withEmulator(async (_emu, client) => {
    const sts = client();
    const out = await sts.send(
      new AssumeRoleCommand(assumeInput({ RoleArn: PATH_ROLE, RoleSessionName: "a.b@c=d,e-f" })),
    );
    assert.equal(
      out.AssumedRoleUser?.Arn,
      `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/Deployer/a.b@c=d,e-f`,
    );
    const previous = code(-1);
    await rejectsWith(
      sts.send(
        new AssumeRoleCommand(
          assumeInput({ RoleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/Nope`, TokenCode: previous }),
        ),
      ),
      "AccessDenied",
      /is not authorized to perform: sts:AssumeRole on resource: .*role\/Nope$/,
    );
    await rejectsWith(
      sts.send(
        new AssumeRoleCommand(
          assumeInput({ RoleArn: CLOSED_ROLE, SerialNumber: undefined, TokenCode: undefined }),
        ),
      ),
      "AccessDenied",
      /is not authorized to perform: sts:AssumeRole/,
    );
  });
});

Deno.test("emulator: DurationSeconds and RoleSessionName validation", async () => {
  await withEmulator(async (_emu, client) => {
    const sts = client();
    // Validation errors are raised before MFA is checked, so one code serves all of these.
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ DurationSeconds: 899 }))),
      "ValidationError",
      /^1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900$/,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ DurationSeconds: 43201 }))),
      "ValidationError",
      /Member must have value less than or equal to 43200$/,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ RoleSessionName: "a" }))),
      "ValidationError",
      /at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2/,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ RoleSessionName: "has space" }))),
      "ValidationError",
      /roleSessionName.*regular expression pattern/,
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ RoleSessionName: "x".repeat(65) }))),
      "ValidationError",
      /Member must have length less than or equal to 64/,
    );
    // Over the role's MaxSessionDuration (Admin: 7200; the path role: default 3600).
    await rejectsWith(
      sts.send(new AssumeRoleCommand(assumeInput({ DurationSeconds: 7201 }))),
      "ValidationError",
      /^The requested DurationSeconds exceeds the MaxSessionDuration set for this role\.$/,
    );
    await rejectsWith(
      sts.send(
        new AssumeRoleCommand(
          assumeInput({
            RoleArn: PATH_ROLE,
            DurationSeconds: 3601,
            TokenCode: code(-1),
          }),
        ),
      ),
      "ValidationError",
      /exceeds the MaxSessionDuration/,
    );
    // Within the limit: the lifetime follows DurationSeconds.
    const before = now();
    const out = await sts.send(
      new AssumeRoleCommand(
        assumeInput({
          DurationSeconds: 7200,
          TokenCode: code(1),
        }),
      ),
    );
    const lifetime = out.Credentials!.Expiration!.getTime() - before;
    assert.ok(lifetime > 7195_000 && lifetime <= 7201_000, `lifetime ${lifetime}`);
  });
});

Deno.test("emulator: ExternalId must match the role's", async () => {
  await withEmulator(async (_emu, client) => {
    const sts = client();
    await rejectsWith(
      sts.send(
        new AssumeRoleCommand(
          assumeInput({ RoleArn: PARTNER_ROLE, ExternalId: "wrong-ext-id" }),
        ),
      ),
      "AccessDenied",
      /is not authorized to perform: sts:AssumeRole on resource: .*role\/Partner$/,
    );
    const out = await sts.send(
      new AssumeRoleCommand(
        assumeInput({
          RoleArn: PARTNER_ROLE,
          ExternalId: "partner-ext-id",
          TokenCode: code(-1),
        }),
      ),
    );
    assert.ok(out.Credentials?.AccessKeyId);
  });
});

// ---- Authentication -------------------------------------------------------------------------------

Deno.test("emulator: wrong secret, unknown key, missing or wrong session token", async () => {
  await withEmulator(async (emu, client) => {
    await rejectsWith(
      client({ ...TESTER, secretAccessKey: "not-the-secret" }).send(
        new GetCallerIdentityCommand({}),
      ),
      "SignatureDoesNotMatch",
      /does not match the signature you provided/,
      403,
    );
    await rejectsWith(
      client({ accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" }).send(
        new GetCallerIdentityCommand({}),
      ),
      "InvalidClientTokenId",
      /^The security token included in the request is invalid\.$/,
      403,
    );
    const session = await client(NO_MFA_USER).send(new GetSessionTokenCommand({}));
    const c = session.Credentials!;
    const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! };
    await rejectsWith(
      client(creds).send(new GetCallerIdentityCommand({})),
      "InvalidClientTokenId",
    );
    await rejectsWith(
      client({ ...creds, sessionToken: `${c.SessionToken}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
      "InvalidClientTokenId",
    );
    // A long-term key must not carry a session token.
    await rejectsWith(
      client({ ...NO_MFA_USER, sessionToken: c.SessionToken }).send(
        new GetCallerIdentityCommand({}),
      ),
      "InvalidClientTokenId",
    );
    const ok = await client({ ...creds, sessionToken: c.SessionToken }).send(
      new GetCallerIdentityCommand({}),
    );
    assert.equal(ok.Arn, NO_MFA_USER.arn);
    assert.match(ok.UserId!, /^AIDA[A-Z2-7]{17}$/);
    assert.equal(ok.Account, ACCOUNT);
    // Every request is recorded (none of them retried).
    assert.equal(emu.calls.length, 7);
  });
});

Deno.test("emulator: expired temporary credentials answer ExpiredToken", async () => {
  await withEmulator(async (emu, client) => {
    const s = await client(NO_MFA_USER).send(new GetSessionTokenCommand({}));
    const c = s.Credentials!;
    const temp = client({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    await temp.send(new GetCallerIdentityCommand({}));
    emu.expireIssuedCredentials();
    await rejectsWith(
      temp.send(new GetCallerIdentityCommand({})),
      "ExpiredToken",
      /^The security token included in the request is expired$/,
      400,
    );
  });
});

Deno.test("emulator: issueLifetimeSeconds overrides the credentials' lifetime", async () => {
  await withEmulator(async (emu, client) => {
    emu.issueLifetimeSeconds = 1;
    const s = await client(NO_MFA_USER).send(new GetSessionTokenCommand({}));
    const c = s.Credentials!;
    assert.ok(c.Expiration!.getTime() - now() <= 1_000);
    emu.clockOffsetMs += 1_100; // a second later
    await rejectsWith(
      client({
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      }).send(new GetCallerIdentityCommand({})),
      "ExpiredToken",
    );
  });
});

Deno.test("emulator: roleLifetimeSeconds shortens role credentials only", async () => {
  await withEmulator(async (emu, client) => {
    emu.roleLifetimeSeconds = 7;
    const session = (await client().send(
      new GetSessionTokenCommand({ SerialNumber: TESTER.mfaSerial, TokenCode: code() }),
    )).Credentials!;
    assert.ok(session.Expiration!.getTime() - now() > 43_000_000);
    const role = (await client({
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: session.SessionToken!,
    }).send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: "short" })))
      .Credentials!;
    const left = role.Expiration!.getTime() - now();
    assert.ok(left > 5_000 && left <= 7_000, `${left} ms`);
    emu.clockOffsetMs += 7_100;
    await rejectsWith(
      client({
        accessKeyId: role.AccessKeyId!,
        secretAccessKey: role.SecretAccessKey!,
        sessionToken: role.SessionToken!,
      }).send(new GetCallerIdentityCommand({})),
      "ExpiredToken",
    );
  });
});

Deno.test("emulator: a request signed with a clock 20 minutes slow is refused", async () => {
  await withEmulator(async (emu, client) => {
    const sts = client(TESTER, { systemClockOffset: -20 * 60_000 });
    await rejectsWith(
      sts.send(new GetCallerIdentityCommand({})),
      "SignatureDoesNotMatch",
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      403,
    );
    // The SDK took its clock offset from the error's Date header: the next call succeeds.
    const out = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(out.Arn, TESTER.arn);
    assert.equal(emu.count("GetCallerIdentity", true), 1);
  });
});

// ---- GetSessionToken and chaining -----------------------------------------------------------------

Deno.test("emulator: GetSessionToken with MFA, then AssumeRole without a code; 1 h chaining limit", async () => {
  await withEmulator(async (emu, client) => {
    const before = now();
    const s = await client().send(
      new GetSessionTokenCommand({
        SerialNumber: TESTER.mfaSerial,
        TokenCode: code(),
      }),
    );
    const c = s.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA/);
    const lifetime = c.Expiration!.getTime() - before;
    assert.ok(lifetime > 43195_000 && lifetime <= 43201_000, `default 12 h, got ${lifetime}`);
    const session = client({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    const id = await session.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, TESTER.arn);

    const assumed = await session.send(
      new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: "chained" }),
    );
    assert.ok(assumed.Credentials?.AccessKeyId);
    await rejectsWith(
      session.send(
        new AssumeRoleCommand({
          RoleArn: ADMIN_ROLE,
          RoleSessionName: "chained",
          DurationSeconds: 3601,
        }),
      ),
      "ValidationError",
      /^The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining\.$/,
    );
    await rejectsWith(
      session.send(new GetSessionTokenCommand({})),
      "AccessDenied",
      /^Cannot call GetSessionToken with session credentials$/,
    );
    await rejectsWith(
      client().send(new GetSessionTokenCommand({ DurationSeconds: 129601 })),
      "ValidationError",
      /less than or equal to 129600/,
    );
    assert.equal(emu.count("AssumeRole", true), 1);
  });
});

Deno.test("emulator: GetSessionToken without MFA does not satisfy an MFA role", async () => {
  await withEmulator(async (_emu, client) => {
    const s = await client().send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const c = s.Credentials!;
    const session = client({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    await rejectsWith(
      session.send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: "x1" })),
      "AccessDenied",
      /^User: arn:aws:iam::111111111111:user\/tester is not authorized/,
    );
  });
});

Deno.test("emulator: GetCallerIdentity with assumed-role credentials; role chaining", async () => {
  await withEmulator(async (_emu, client) => {
    const out = await client().send(new AssumeRoleCommand(assumeInput({ RoleArn: PATH_ROLE })));
    const c = out.Credentials!;
    const assumed = client({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    const id = await assumed.send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/Deployer/emulator-test`);
    assert.equal(id.UserId, out.AssumedRoleUser?.AssumedRoleId);
    assert.equal(id.Account, ROLE_ACCOUNT);
    // Chaining from an MFA-authenticated role session keeps the MFA context.
    const chained = await assumed.send(
      new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: "hop2" }),
    );
    assert.equal(
      chained.AssumedRoleUser?.Arn,
      `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/Admin/hop2`,
    );
    await rejectsWith(
      assumed.send(
        new AssumeRoleCommand({
          RoleArn: ADMIN_ROLE,
          RoleSessionName: "hop2",
          DurationSeconds: 7200,
        }),
      ),
      "ValidationError",
      /1 hour session limit/,
    );
  });
});

// ---- Raw protocol -------------------------------------------------------------------------------

Deno.test("emulator: GET query string, unknown action, XML escaping, missing auth", async () => {
  await withEmulator(async (emu) => {
    const get = await signedFetch(emu, "GET", {
      Action: "GetCallerIdentity",
      Version: "2011-06-15",
    });
    assert.equal(get.status, 200);
    assert.match(
      get.text,
      /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/,
    );
    assert.match(get.text, /<Arn>arn:aws:iam::111111111111:user\/tester<\/Arn>/);
    assert.match(get.text, /<RequestId>[0-9a-f-]{36}<\/RequestId>/);

    const unknown = await signedFetch(emu, "POST", {
      Action: "DeleteEverything",
      Version: "2011-06-15",
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Type>Sender<\/Type>/);
    assert.match(unknown.text, /<Code>InvalidAction<\/Code>/);

    const escaped = await signedFetch(emu, "POST", {
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/<x>&"y"`,
      RoleSessionName: "s1",
    });
    assert.equal(escaped.status, 403);
    assert.ok(escaped.text.includes("role/&#60;x&#62;&#38;&#34;y&#34;"), escaped.text);

    const anonymous = await fetch(emu.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers.get("content-type"), "text/xml");
    assert.match(await anonymous.text(), /<Code>MissingAuthenticationToken<\/Code>/);
    assert.deepEqual(
      emu.calls.map((c) => [c.action, c.ok, c.errorCode ?? ""]),
      [
        ["GetCallerIdentity", true, ""],
        ["DeleteEverything", false, "InvalidAction"],
        ["AssumeRole", false, "AccessDenied"],
        ["GetCallerIdentity", false, "MissingAuthenticationToken"],
      ],
    );
  });
});

// ---- Faults -------------------------------------------------------------------------------------

Deno.test("emulator: a 500 then success shows the SDK retried", async () => {
  await withEmulator(async (emu, client) => {
    emu.injectFaults({ status: 500, code: "InternalFailure" });
    const out = await client().send(new GetCallerIdentityCommand({}));
    assert.equal(out.Arn, TESTER.arn);
    assert.deepEqual(emu.calls.map((c) => [c.ok, c.errorCode, c.status]), [
      [false, "InternalFailure", 500],
      [true, undefined, 200],
    ]);
    assert.equal(out.$metadata.attempts, 2);
  });
});

Deno.test("emulator: throttling and 503 are retried; the MFA code survives a retried fault", async () => {
  await withEmulator(async (emu, client) => {
    emu.injectFaults(
      { status: 400, code: "Throttling", message: "Rate exceeded" },
      { status: 503, code: "ServiceUnavailable" },
    );
    const out = await client().send(new AssumeRoleCommand(assumeInput()));
    assert.ok(out.Credentials?.AccessKeyId);
    assert.equal(emu.count("AssumeRole"), 3);
    assert.equal(emu.count("AssumeRole", true), 1);
  });
});

Deno.test("emulator: a 502 HTML body surfaces as an error without retries", async () => {
  await withEmulator(async (emu, client) => {
    emu.injectFaults({ status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" });
    await assert.rejects(
      client(TESTER, { maxAttempts: 1 }).send(new GetCallerIdentityCommand({})),
      (e: Error & { $metadata?: { httpStatusCode?: number; requestId?: string } }) => {
        assert.equal(e.$metadata?.httpStatusCode, 502);
        // Like a proxy's error page: no x-amzn-RequestId, not an STS error document.
        assert.equal(e.$metadata?.requestId, undefined);
        return true;
      },
    );
    assert.deepEqual(emu.calls.map((c) => [c.ok, c.errorCode, c.status]), [
      [false, "HTTP502", 502],
    ]);
    // With the default retry policy a single 502 is retried away.
    emu.injectFaults({ status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" });
    const out = await client().send(new GetCallerIdentityCommand({}));
    assert.equal(out.$metadata.attempts, 2);
  });
});

Deno.test("emulator: connection reset and delay faults", async () => {
  await withEmulator(async (emu, client) => {
    emu.injectFaults({ reset: true });
    await assert.rejects(client(TESTER, { maxAttempts: 1 }).send(new GetCallerIdentityCommand({})));
    assert.equal(emu.calls[0].errorCode, "ConnectionReset");
    emu.injectFaults({ reset: true });
    const out = await client().send(new GetCallerIdentityCommand({}));
    assert.equal(out.$metadata.attempts, 2);

    emu.injectFaults({ delayMs: 400 });
    const t0 = Date.now();
    await client().send(new GetCallerIdentityCommand({}));
    assert.ok(Date.now() - t0 >= 390);
    assert.equal(emu.count("GetCallerIdentity", true), 2);
  });
});

Deno.test("emulator: close() ends a pending delayed request", async () => {
  const emu = await start();
  emu.injectFaults({ delayMs: 60_000 });
  const sts = new STSClient({
    region: "us-east-1",
    endpoint: emu.url,
    credentials: TESTER,
    maxAttempts: 1,
  });
  const pending = sts.send(new GetCallerIdentityCommand({})).catch((e) => e);
  await new Promise((r) => setTimeout(r, 100));
  await emu.close();
  await pending;
  sts.destroy();
});

// ---- Standalone mode ----------------------------------------------------------------------------

Deno.test("emulator: standalone --config prints its URL and serves until SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  const config = `${dir}/emu.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({ users: [TESTER], roles: [{ arn: ADMIN_ROLE }] }),
  );
  const script = new URL("./support/sts_server.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, "--config", config],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let sts: STSClient | undefined;
  try {
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      line += value;
    }
    const { url } = JSON.parse(line) as { url: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const fault = await fetch(`${url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify([{ status: 500 }]),
    });
    assert.deepEqual(await fault.json(), { queued: 1 });
    sts = new STSClient({ region: "us-east-1", endpoint: url, credentials: TESTER });
    const out = await sts.send(
      new AssumeRoleCommand(assumeInput({ RoleSessionName: "standalone" })),
    );
    assert.ok(out.Credentials?.SessionToken);
    const calls = await (await fetch(`${url}/_emulator/calls`)).json();
    assert.deepEqual(calls.map((c: { ok: boolean }) => c.ok), [false, true]);
    assert.equal(calls[1].params.TokenCode, "******");
  } finally {
    sts?.destroy();
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    await reader.cancel();
    await Deno.remove(dir, { recursive: true });
  }
});
