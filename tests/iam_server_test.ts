/**
 * The STS emulator's IAM part (tests/support/iam.ts) is strict, driven by the real AWS SDK for
 * JavaScript v3: SigV4 checked, the two-key limit, new keys working only after the propagation
 * delay (on the emulator's clock), deleted and inactive keys refused, MFA required for session
 * credentials, and held calls.
 */
import assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { type EmulatorUser, startStsEmulator, type StsEmulator } from "./support/sts_server.ts";
import { generateTotpSecret, totpSync } from "./support/totp.ts";

const USER: EmulatorUser = {
  accessKeyId: "AKIAIAMEMULATORUSER1",
  secretAccessKey: "iamEmulatorSecret/0000000000000000000000",
  arn: "arn:aws:iam::111111111111:user/team/Frank",
  mfaSerial: "arn:aws:iam::111111111111:mfa/Frank",
  totpSecret: generateTotpSecret(),
};

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function iam(emu: StsEmulator, credentials: Keys): IAMClient {
  return new IAMClient({ region: "us-east-1", endpoint: emu.url, credentials, maxAttempts: 1 });
}

function sts(emu: StsEmulator, credentials: Keys): STSClient {
  return new STSClient({ region: "us-east-1", endpoint: emu.url, credentials, maxAttempts: 1 });
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return "ok";
}

async function withEmulator(test: (emu: StsEmulator) => Promise<void>) {
  const emu = await startStsEmulator({ users: [{ ...USER }], roles: [], iamPropagationMs: 5_000 });
  try {
    await test(emu);
  } finally {
    await emu.close();
  }
}

Deno.test("iam emulator: keys listed, created, deactivated and deleted; two at most", () =>
  withEmulator(async (emu) => {
    const client = iam(emu, USER);
    const listed = await client.send(new ListAccessKeysCommand({}));
    assert.equal(listed.AccessKeyMetadata![0].UserName, "Frank");
    assert.deepEqual(listed.AccessKeyMetadata!.map((k) => [k.AccessKeyId, k.Status]), [
      [USER.accessKeyId, "Active"],
    ]);
    assert.ok(listed.AccessKeyMetadata![0].CreateDate! < new Date(Date.now() - 9 * 86_400_000));
    const created = (await client.send(new CreateAccessKeyCommand({}))).AccessKey!;
    assert.match(created.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    assert.ok(created.SecretAccessKey!.length >= 40);
    assert.equal(
      await errorName(client.send(new CreateAccessKeyCommand({}))),
      "LimitExceededException",
    );
    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: created.AccessKeyId, Status: "Inactive" }),
    );
    assert.deepEqual(
      (await client.send(new ListAccessKeysCommand({ UserName: "Frank" }))).AccessKeyMetadata!
        .map((k) => k.Status),
      ["Active", "Inactive"],
    );
    await client.send(new DeleteAccessKeyCommand({ AccessKeyId: created.AccessKeyId }));
    assert.equal(
      await errorName(
        client.send(new DeleteAccessKeyCommand({ AccessKeyId: "AKIANOSUCHKEY0000000" })),
      ),
      "NoSuchEntityException",
    );
    assert.equal(
      await errorName(client.send(new ListAccessKeysCommand({ UserName: "Someone" }))),
      "AccessDenied",
    );
    // SigV4 is checked for IAM as for STS.
    assert.equal(
      await errorName(
        iam(emu, { ...USER, secretAccessKey: "wrong" }).send(new ListAccessKeysCommand({})),
      ),
      "SignatureDoesNotMatch",
    );
    client.destroy();
  }));

Deno.test("iam emulator: a new key works after the propagation delay; deleted and inactive keys do not", () =>
  withEmulator(async (emu) => {
    const client = iam(emu, USER);
    const created = (await client.send(new CreateAccessKeyCommand({}))).AccessKey!;
    const fresh = { accessKeyId: created.AccessKeyId!, secretAccessKey: created.SecretAccessKey! };
    const identity = () => sts(emu, fresh).send(new GetCallerIdentityCommand({}));
    assert.equal(await errorName(identity()), "InvalidClientTokenId");
    emu.clockOffsetMs += 5_000;
    assert.equal((await identity()).Arn, USER.arn);
    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: fresh.accessKeyId, Status: "Inactive" }),
    );
    assert.equal(await errorName(identity()), "InvalidClientTokenId");
    await client.send(new DeleteAccessKeyCommand({ AccessKeyId: USER.accessKeyId }));
    assert.equal(
      await errorName(sts(emu, USER).send(new GetCallerIdentityCommand({}))),
      "InvalidClientTokenId",
    );
  }));

Deno.test("iam emulator: session credentials manage keys only with MFA", () =>
  withEmulator(async (emu) => {
    const session = async (mfa: boolean) => {
      const answer = await sts(emu, USER).send(
        new GetSessionTokenCommand(
          mfa
            ? { SerialNumber: USER.mfaSerial, TokenCode: totpSync(USER.totpSecret!, emu.now()) }
            : {},
        ),
      );
      const c = answer.Credentials!;
      return {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken,
      };
    };
    const plain = await session(false);
    assert.equal(
      await errorName(iam(emu, plain).send(new ListAccessKeysCommand({}))),
      "AccessDenied",
    );
    assert.equal(emu.calls.at(-1)!.errorCode, "AccessDenied");
    const withMfa = await session(true);
    const listed = await iam(emu, withMfa).send(new ListAccessKeysCommand({}));
    assert.equal(listed.AccessKeyMetadata!.length, 1);
    assert.match(emu.calls.at(-1)!.accessKeyId!, /^ASIA/);
  }));

Deno.test("iam emulator: a held call waits; dropped before, it has no effect", () =>
  withEmulator(async (emu) => {
    const client = iam(emu, USER);
    const before = emu.iam.hold("CreateAccessKey", "before");
    const call = errorName(client.send(new CreateAccessKeyCommand({})));
    await before.arrived;
    assert.equal(emu.iam.keys.length, 1);
    before.drop();
    assert.notEqual(await call, "ok");
    assert.equal(emu.iam.keys.length, 1, "a dropped call took effect");
    const after = emu.iam.hold("CreateAccessKey", "after");
    const second = client.send(new CreateAccessKeyCommand({}));
    await after.arrived;
    assert.equal(emu.iam.keys.length, 2, "held after: the key exists before the answer");
    after.release();
    assert.equal((await second).AccessKey!.AccessKeyId, emu.iam.keys[1].accessKeyId);
  }));
