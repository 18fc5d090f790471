/**
 * Unit tests of `rotate`'s parts: the file key location (only the two values change, atomically,
 * compare-and-swap), resolving the source profile, the advice about an extra key, the IAM region
 * per partition, and prompts for a profile without a role.
 */
import assert from "node:assert/strict";
import { sharedFiles } from "../../src/config/files.ts";
import { parseIni } from "../../src/config/ini.ts";
import { FileKeyLocation, keyLocation } from "../../src/rotate/location.ts";
import { resolveSource } from "../../src/rotate/source.ts";
import { deleteCommand, describeAge, extraKeyAdvice } from "../../src/rotate/advice.ts";
import { iamRegion } from "../../src/rotate/aws.ts";
import { describeRequest, type MfaRequest } from "../../src/mfa/types.ts";
import { codeDialog } from "../../src/mfa/gui/dialog.ts";
import { ConfigError, VegasError } from "../../src/errors.ts";

const ID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NEW = { accessKeyId: "AKIANEWNEWNEWNEWNEW2", secretAccessKey: "newSecret/+=0123456789" };
const noEnv = () => undefined;

function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "vegas-rotate-" });
}

function files(dir: string, config: string, credentials: string) {
  Deno.writeTextFileSync(`${dir}/config`, config);
  Deno.writeTextFileSync(`${dir}/credentials`, credentials);
  return sharedFiles(
    `${dir}/config`,
    parseIni(config),
    `${dir}/credentials`,
    parseIni(credentials),
  );
}

Deno.test("key location: only the two values change, whatever the spelling of the lines", async () => {
  const dir = tempDir();
  const cases = [
    `[default]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`,
    `# c\r\n[default]\r\nAWS_ACCESS_KEY_ID=${ID}  \r\naws_secret_access_key\t:\t${SECRET}\r\n[x]\r\na = b`,
    `[default]\raws_secret_access_key = ${SECRET}\raws_access_key_id = ${ID}\r; ${ID}\r`,
    `[a]\naws_access_key_id = ${ID}\n[default]\nregion = x\naws_access_key_id = ${ID}\n` +
    `aws_secret_access_key = ${SECRET}\n\n\n`,
  ];
  for (const text of cases) {
    const place = keyLocation("default", files(dir, "", text), noEnv);
    assert.deepEqual(await place.read(), { accessKeyId: ID, secretAccessKey: SECRET });
    await place.replace(ID, NEW);
    const after = Deno.readTextFileSync(`${dir}/credentials`);
    // The expected text: the values of [default]'s two key lines replaced, nothing else.
    const start = text.indexOf("[default]");
    const expected = text.slice(0, start) +
      text.slice(start).replace(`= ${ID}`, `= ${NEW.accessKeyId}`).replace(
        `=${ID}`,
        `=${NEW.accessKeyId}`,
      ).replace(SECRET, NEW.secretAccessKey);
    assert.equal(after, expected);
    assert.deepEqual(await place.read(), NEW);
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("key location: config file sections as botocore names them; the last one wins", async () => {
  const dir = tempDir();
  const config =
    `[profile  frank]\naws_access_key_id = AKIAFIRSTFIRSTFIRST1\naws_secret_access_key = a\n` +
    `[profile "frank"]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`;
  const place = keyLocation("frank", files(dir, config, "[default]\n"), noEnv);
  assert.equal(place.description, `${dir}/config [profile frank]`);
  await place.replace(ID, NEW);
  assert.equal(
    Deno.readTextFileSync(`${dir}/config`),
    config.replace(ID, NEW.accessKeyId).replace(SECRET, NEW.secretAccessKey),
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("key location: keeps the mode, replaces a link's target, refuses a changed key", async () => {
  const dir = tempDir();
  const text = `[default]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`;
  Deno.writeTextFileSync(`${dir}/real`, text, { mode: 0o640 });
  Deno.chmodSync(`${dir}/real`, 0o640);
  Deno.symlinkSync(`${dir}/real`, `${dir}/credentials`);
  const place = new FileKeyLocation(`${dir}/credentials`, "default", false);
  await assert.rejects(
    place.replace("AKIAOTHEROTHEROTHER1", NEW),
    (error: Error) =>
      error instanceof VegasError && /no longer holds the access key .*nothing written/.test(
        error.message,
      ),
  );
  assert.equal(Deno.readTextFileSync(`${dir}/real`), text);
  await place.replace(ID, NEW);
  assert.ok(Deno.lstatSync(`${dir}/credentials`).isSymlink);
  assert.equal(Deno.statSync(`${dir}/real`).mode! & 0o777, 0o640);
  assert.match(Deno.readTextFileSync(`${dir}/real`), /= AKIANEWNEWNEWNEWNEW2\n/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((f) => f.name).sort(), ["credentials", "real"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("key location: refuses what it cannot rotate, with one line naming profile and file", () => {
  const dir = tempDir();
  const refuse = (credentials: string, pattern: RegExp, config = "") => {
    try {
      const place = keyLocation("default", files(dir, config, credentials), noEnv);
      // The [DEFAULT] case is seen when the lines are read.
      return place.read().then(
        () => assert.fail("not refused"),
        (error: Error) => assert.match(error.message, pattern),
      );
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match((error as Error).message, pattern);
    }
  };
  refuse(
    `[default]\naws_access_key_id = ${ID}\naws_secret_access_key = s\naws_session_token = t\n`,
    /source profile 'default' in .*credentials holds temporary keys \(aws_session_token\)/,
  );
  // Keys in neither file: they are in the OS store the profile uses, which must be usable.
  const passEnv = (name: string) => name === "PASSWORD_STORE_DIR" ? `${dir}/none` : undefined;
  const stored = keyLocation(
    "default",
    files(dir, "[default]\nvegas_keystore = pass\n", "[default]\nregion = x\n"),
    passEnv,
  );
  assert.equal(stored.description, "the pass store [default]");
  const unusable = stored.read().then(
    () => assert.fail("not refused"),
    (error: Error) =>
      assert.match(
        error.message,
        /^source profile 'default' has no aws_access_key_id and aws_secret_access_key in \S+credentials or \S+config, and the pass store is not set up/,
      ),
  );
  return unusable.then(() =>
    refuse(
      `[DEFAULT]\naws_access_key_id = ${ID}\naws_secret_access_key = s\n[default]\nregion = x\n`,
      /credentials \[default\]: the keys come from the \[DEFAULT\] section, which every profile .* shares/,
    )
  );
});

Deno.test("source profile: resolved like assume resolves it; role profiles and problems named", () => {
  const dir = tempDir();
  const credentials = `[default]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`;
  const config = "[default]\nmfa_serial = arn:aws:iam::111111111111:mfa/Frank\n" +
    "vegas_mfa_session_duration = 7200\nregion = eu-north-1\n" +
    "[profile singer]\nvegas_role_arn = arn:aws:iam::2:role/x\nvegas_source_profile = default\n";
  const resolved = resolveSource("default", noEnv, files(dir, config, credentials));
  assert.equal(resolved.profile, "default");
  assert.equal(resolved.sourceProfile, "default");
  assert.equal(resolved.roleArn, "");
  assert.equal(resolved.mfaSerial, "arn:aws:iam::111111111111:mfa/Frank");
  assert.equal(resolved.mfaSessionDuration, 7200);
  assert.equal(resolved.region, "eu-north-1");
  assert.equal("store" in resolved.source ? undefined : resolved.source.accessKeyId, ID);
  assert.throws(
    () => resolveSource("singer", noEnv, files(dir, config, credentials)),
    /profile 'singer' is a role profile; rotate takes the source profile .*rotate --profile=default$/,
  );
  assert.throws(
    () => resolveSource("nobody", noEnv, files(dir, config, credentials)),
    /profile 'nobody' is not in /,
  );
  assert.throws(
    () => resolveSource("default", noEnv, files(dir, "[default]\n", credentials)),
    (error: Error) =>
      /^source profile 'default' in .*config: mfa_serial is missing/.test(error.message) &&
      !error.message.includes("rotate'"),
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("advice: which key to delete, why, and the command that does it", () => {
  const now = new Date();
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const stored = { id: ID, active: true, created: days(10) };
  const lost = { id: "AKIALOSTLOSTLOSTLOST", active: true, created: days(0) };
  const older = { id: "AKIAOLDEROLDEROLDER1", active: true, created: days(200) };
  const inactive = { ...older, active: false };
  const advise = (other: typeof lost, profile = "default") =>
    extraKeyAdvice(other, stored, "Frank", profile, "~/.aws/credentials [default]");
  assert.match(
    advise(lost),
    /newer than the stored key .*its secret is lost and nothing can use it/,
  );
  assert.match(advise(older), /which is older than the stored key: the key an interrupted rotate/);
  assert.match(advise(inactive), /which is inactive \(rotate --deactivate-only/);
  assert.match(
    advise(lost),
    /^IAM user Frank has two access keys: AKIA…MPLE \(stored in ~\/.aws\/credentials \[default\]\) and AKIALOSTLOSTLOSTLOST \(created \d{4}-\d\d-\d\d, today\)/,
  );
  assert.match(
    advise(lost, "my dev"),
    /aws iam delete-access-key --user-name Frank --access-key-id AKIALOSTLOSTLOSTLOST --profile 'my dev' or in the IAM console/,
  );
  assert.ok(!advise(lost).includes(ID), "the stored key's id in full");
  assert.equal(
    deleteCommand("a'b", "K", "default"),
    `aws iam delete-access-key --user-name 'a'\\''b' --access-key-id K`,
  );
  assert.equal(
    describeAge({ created: days(1) }, now),
    `created ${days(1).toISOString().slice(0, 10)}, 1 day ago`,
  );
  assert.equal(describeAge({}), "creation date unknown");
});

Deno.test("IAM region: the profile's, else the MFA device's partition picks the global endpoint", () => {
  const at = (region: string, origin: string, mfaSerial: string) =>
    iamRegion({ region, mfaSerial, origins: { region: origin } });
  assert.equal(at("eu-west-1", "config", "arn:aws:iam::1:mfa/x"), "eu-west-1");
  assert.equal(at("us-east-1", "default", "arn:aws:iam::1:mfa/x"), "us-east-1");
  assert.equal(at("us-east-1", "default", "arn:aws-cn:iam::1:mfa/x"), "cn-north-1");
  assert.equal(at("us-east-1", "default", "arn:aws-us-gov:iam::1:mfa/x"), "us-gov-west-1");
  assert.equal(at("us-east-1", "default", "GAHT12345678"), "us-east-1");
});

Deno.test("prompts for a profile without a role (rotate) name only the MFA device", () => {
  const profile = { profile: "default", roleArn: "", mfaSerial: "arn:aws:iam::1:mfa/F" };
  assert.equal(
    describeRequest({ profile } as unknown as MfaRequest),
    "profile default (MFA device arn:aws:iam::1:mfa/F)",
  );
  assert.doesNotMatch(codeDialog(profile).text, /Role/);
  assert.match(codeDialog({ ...profile, roleArn: "arn:aws:iam::2:role/R" }).text, /Role: arn/);
});
