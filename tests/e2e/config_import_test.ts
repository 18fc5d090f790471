/**
 * `config import`, end to end: the real program converts AWS CLI / aws-vault role profiles in a
 * sandbox HOME; then the real AWS CLI assumes the converted roles through credential_process
 * against the local STS emulator, and botocore (the AWS CLI's reader) reads the converted file.
 */
import assert from "node:assert/strict";
import { runCli, type Sandbox, TEST_USER, TOTP_COMMAND } from "../support/harness.ts";
import { awsCallerIdentity, makeWorld, ROLES, type World } from "../support/world.ts";

const MFA_SERIAL = TEST_USER.mfaSerial;
const OTHER_SERIAL = "arn:aws:iam::111111111111:mfa/DeanMartin";

/** The IAM user's keys under the name aws-vault users give their source profile. */
function credentialsFor(name: string): string {
  return `[${name}]\naws_access_key_id = ${TEST_USER.accessKeyId}\n` +
    `aws_secret_access_key = ${TEST_USER.secretAccessKey}\n`;
}

/** A config an AWS CLI and aws-vault user has, as it was before vegas-credentials. */
function realisticConfig(): string {
  return `# ~/.aws/config — Frank's roles (role_arn: comments stay as they are)
[default]
region = eu-west-1
output = json

[profile frank]
# the IAM user; its keys are in ~/.aws/credentials
region = eu-west-1
cli_pager =

[profile singer]
source_profile = frank
role_arn = ${ROLES.main}
mfa_serial = ${MFA_SERIAL}
mfa_process = ${TOTP_COMMAND}
role_session_name = SinatraAtTheSands
region = us-east-1

[profile deploy]
role_arn = ${ROLES.withPath}
source_profile = frank
mfa_serial = ${MFA_SERIAL}
mfa_process = ${TOTP_COMMAND}
duration_seconds = 3600
role_session_name = ci

[profile partner]
role_arn = ${ROLES.withExternalId}
source_profile = frank
mfa_serial = ${MFA_SERIAL}
mfa_process = ${TOTP_COMMAND}
external_id = 0093624694724

[profile instance]
role_arn = ${ROLES.main}
credential_source = Ec2InstanceMetadata

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
`;
}

/** The same file as `config import --write` must leave it: only the role lines changed. */
function realisticConverted(bin: string): string {
  return `# ~/.aws/config — Frank's roles (role_arn: comments stay as they are)
[default]
region = eu-west-1
output = json

[profile frank]
# the IAM user; its keys are in ~/.aws/credentials
region = eu-west-1
cli_pager =
mfa_serial = ${MFA_SERIAL}

[profile singer]
credential_process = ${bin} assume --profile=singer
vegas_source_profile = frank
vegas_role_arn = ${ROLES.main}
vegas_mfa_process = ${TOTP_COMMAND}
role_session_name = SinatraAtTheSands
region = us-east-1

[profile deploy]
credential_process = ${bin} assume --profile=deploy
vegas_role_arn = ${ROLES.withPath}
vegas_source_profile = frank
vegas_mfa_process = ${TOTP_COMMAND}
duration_seconds = 3600
role_session_name = ci

[profile partner]
credential_process = ${bin} assume --profile=partner
vegas_role_arn = ${ROLES.withExternalId}
vegas_source_profile = frank
vegas_mfa_process = ${TOTP_COMMAND}
external_id = 0093624694724

[profile instance]
role_arn = ${ROLES.main}
credential_source = Ec2InstanceMetadata

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
`;
}

/** `aws sts get-caller-identity --profile NAME` against the emulator, as a user runs it. */
function callerIdentity(world: World, profile: string) {
  return awsCallerIdentity(world.sandbox.env, world.sts.url, profile);
}

function backupOf(sandbox: Sandbox): string {
  return `${sandbox.configFile}.vegas-backup`;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("config import --write: the AWS CLI then assumes each converted role through credential_process", async () => {
  await using world = await makeWorld(realisticConfig());
  const { sandbox } = world;
  sandbox.writeCredentials(credentialsFor("frank"));
  Deno.chmodSync(sandbox.configFile, 0o644);
  const before = Deno.readFileSync(sandbox.configFile);

  const result = await runCli(sandbox, ["config", "import", "--write"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /converted 'singer', 'deploy', 'partner'; mfa_serial moved to 'frank' in .*config \(the file as it was: .*config\.vegas-backup\)/,
  );
  assert.match(
    result.stderr,
    /profile 'instance' stays as it is: it assumes its role with credential_source/,
  );
  assert.equal(Deno.readTextFileSync(sandbox.configFile), realisticConverted(sandbox.bin));
  assert.deepEqual(Deno.readFileSync(backupOf(sandbox)), before);
  assert.equal(Deno.statSync(backupOf(sandbox)).mode! & 0o777, 0o600);
  assert.equal(Deno.statSync(sandbox.configFile).mode! & 0o777, 0o644, "the file keeps its mode");

  const singer = await callerIdentity(world, "singer");
  assert.equal(singer.code, 0, singer.stderr);
  assert.equal(
    JSON.parse(singer.stdout).Arn,
    "arn:aws:sts::222222222222:assumed-role/SingerRole/SinatraAtTheSands",
  );
  world.nextWindow(); // a TOTP code is accepted once: the next role gets the next window's code
  const deploy = await callerIdentity(world, "deploy");
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.equal(
    JSON.parse(deploy.stdout).Arn,
    "arn:aws:sts::222222222222:assumed-role/DeployRole/ci",
  );
  world.nextWindow();
  const partner = await callerIdentity(world, "partner");
  assert.equal(partner.code, 0, partner.stderr);
  assert.match(
    JSON.parse(partner.stdout).Arn,
    /^arn:aws:sts::333333333333:assumed-role\/PartnerRole\//,
  );
  const assumed = world.sts.calls.filter((call) => call.action === "AssumeRole" && call.ok);
  assert.equal(assumed.length, 3);
  assert.ok(assumed.every((call) => call.params.SerialNumber === MFA_SERIAL), "MFA from frank");
  assert.equal(assumed[2].params.ExternalId, "0093624694724");

  // The doctor finds nothing to fix in the converted profiles.
  const doctor = await runCli(sandbox, ["doctor"]);
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);

  // Idempotent: a second import changes nothing and writes nothing.
  const converted = Deno.readFileSync(sandbox.configFile);
  const backupTime = Deno.statSync(backupOf(sandbox)).mtime;
  const again = await runCli(sandbox, ["config", "import", "--write"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, "");
  assert.match(again.stderr, /nothing to convert in /);
  assert.deepEqual(Deno.readFileSync(sandbox.configFile), converted);
  assert.deepEqual(Deno.statSync(backupOf(sandbox)).mtime, backupTime);
  const named = await runCli(sandbox, ["config", "import", "-p", "singer", "--write"]);
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stderr, /already vegas profiles, nothing to do: 'singer'/);
  assert.deepEqual(Deno.readFileSync(sandbox.configFile), converted);
});

/**
 * Everything the AWS CLI's reader allows that a careless rewrite would break: CRLF lines, a tab
 * indent, `key: value`, upper-case keys, a header with text after it, quoted and non-ASCII profile
 * names, [DEFAULT], a nested section, comments that look like keys, and no newline at the end.
 */
const TRICKY = [
  "# Frank's config\r\n",
  "; role_arn = arn:aws:iam::999999999999:role/NotAKey\r\n",
  "[DEFAULT]\r\n",
  "output = json\r\n",
  "\n",
  "[default]\n",
  "region = eu-west-1\n",
  "\n",
  "[profile  two]\n",
  "\tsource_profile = frank\n",
  `\trole_arn = ${ROLES.main}\n`,
  `\tmfa_serial = ${MFA_SERIAL}\n`,
  "\n",
  '[profile "quoted name"]# text after the header is ignored\n',
  `# role_arn = ${ROLES.long}\n`,
  `ROLE_ARN: ${ROLES.withPath}\n`,
  "Source_Profile : frank\n",
  `mfa_serial = ${MFA_SERIAL}\n`,
  "s3 =\n",
  "  max_concurrent_requests = 20\n",
  "    \n",
  "duration_seconds = 3600\n",
  "\n",
  "[profile café]\n",
  `role_arn=${ROLES.withExternalId}\n`,
  "source_profile=frank\n",
  "external_id=0093624694724\n",
  "mfa_process = oathtool --totp -b JBSWY3DPEHPK3PXP\n",
  `mfa_serial: ${MFA_SERIAL}\n`,
  "region = us-west-2",
];

function trickyConverted(bin: string): string {
  return [
    ...TRICKY.slice(0, 9),
    `\tcredential_process = ${bin} assume --profile=two\n`,
    "\tvegas_source_profile = frank\n",
    `\tvegas_role_arn = ${ROLES.main}\n`,
    "\n",
    TRICKY[13],
    TRICKY[14],
    `credential_process = ${bin} assume '--profile=quoted name'\n`,
    `vegas_role_arn: ${ROLES.withPath}\n`,
    "vegas_source_profile : frank\n",
    ...TRICKY.slice(18, 24),
    `credential_process = ${bin} assume '--profile=café'\n`,
    `vegas_role_arn=${ROLES.withExternalId}\n`,
    "vegas_source_profile=frank\n",
    "external_id=0093624694724\n",
    "vegas_mfa_process = oathtool --totp -b JBSWY3DPEHPK3PXP\n",
    // The last line gets a line ending: the source profile's new section follows it.
    "region = us-west-2\n",
    "\n",
    "[profile frank]\n",
    `mfa_serial = ${MFA_SERIAL}\n`,
  ].join("");
}

/** botocore's view of a config file: every profile and its values (the AWS CLI's own reader). */
async function botocoreProfiles(path: string): Promise<Record<string, Record<string, unknown>>> {
  const script = "import json, sys\n" +
    "from botocore.configloader import raw_config_parse, build_profile_map\n" +
    "print(json.dumps(build_profile_map(raw_config_parse(sys.argv[1]))['profiles']))\n";
  const output = await new Deno.Command("/usr/bin/python3", { args: ["-c", script, path] })
    .output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("config import: untouched lines stay byte for byte; botocore reads the result as planned", async () => {
  await using world = await makeWorld(TRICKY.join(""));
  const { sandbox } = world;
  sandbox.writeCredentials(credentialsFor("frank"));
  // A config file managed as a dotfile: a link, which must stay a link.
  Deno.mkdirSync(`${sandbox.home}/dotfiles`);
  Deno.renameSync(sandbox.configFile, `${sandbox.home}/dotfiles/aws-config`);
  Deno.symlinkSync(`${sandbox.home}/dotfiles/aws-config`, sandbox.configFile);
  const oldView = await botocoreProfiles(sandbox.configFile);

  const result = await runCli(sandbox, ["config", "import", "--write"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(Deno.readTextFileSync(sandbox.configFile), trickyConverted(sandbox.bin));
  assert.ok(Deno.lstatSync(sandbox.configFile).isSymlink, "the config file is still a link");
  assert.equal(Deno.readTextFileSync(backupOf(sandbox)), TRICKY.join(""));
  assert.doesNotMatch(result.stderr, /JBSWY3DPEHPK3PXP/, "the TOTP seed is not shown");

  const view = await botocoreProfiles(sandbox.configFile);
  const commands = { two: "--profile=two", "quoted name": "'--profile=quoted name'" };
  for (const [profile, argument] of Object.entries(commands)) {
    const values = view[profile];
    assert.equal(values.credential_process, `${sandbox.bin} assume ${argument}`);
    assert.equal(values.role_arn, undefined);
    assert.equal(values.source_profile, undefined);
    assert.equal(values.mfa_serial, undefined);
    assert.equal(values.vegas_source_profile, "frank");
    assert.equal(values.output, "json");
  }
  assert.equal(view["café"].vegas_role_arn, ROLES.withExternalId);
  assert.equal(view["café"].vegas_mfa_process, "oathtool --totp -b JBSWY3DPEHPK3PXP");
  assert.deepEqual(view["quoted name"].s3, { max_concurrent_requests: "20" });
  assert.equal(view.frank.mfa_serial, MFA_SERIAL);
  assert.deepEqual(view.default, oldView.default);

  // The converted profile works: its credential_process line runs this program on this profile.
  const json = await runCli(sandbox, ["config", "show-profile", "--profile=quoted name"]);
  assert.equal(json.code, 0, json.stderr);
  assert.match(json.stdout, /DeployRole/);

  const again = await runCli(sandbox, ["config", "import", "--write"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(Deno.readTextFileSync(sandbox.configFile), trickyConverted(sandbox.bin));
  assert.equal(Deno.readTextFileSync(backupOf(sandbox)), TRICKY.join(""), "backup kept");
});

Deno.test("config import without --write: a unified diff that patch applies, no secrets, no change", async () => {
  await using world = await makeWorld(
    realisticConfig().replaceAll(`mfa_process = ${TOTP_COMMAND}\n`, ""),
  );
  const { sandbox } = world;
  sandbox.writeCredentials(credentialsFor("frank"));
  const before = Deno.readFileSync(sandbox.configFile);

  const diff = await runCli(sandbox, ["config", "import"]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(Deno.readFileSync(sandbox.configFile), before, "nothing written");
  assert.ok(!exists(backupOf(sandbox)), "no backup without --write");
  assert.match(diff.stderr, /would convert 'singer', 'deploy', 'partner'; .*--write/);
  const file = sandbox.configFile;
  assert.ok(diff.stdout.startsWith(`--- ${file}\n+++ ${file}\n@@ -7,`), diff.stdout);
  assert.match(diff.stdout, /^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
  assert.match(
    diff.stdout,
    new RegExp(
      `^ \\[profile singer\\]\n-source_profile = frank\n-role_arn = .*\n-mfa_serial = .*\n` +
        `\\+credential_process = ${sandbox.bin} assume --profile=singer\n` +
        `\\+vegas_source_profile = frank\n\\+vegas_role_arn = .*SingerRole\n role_session_name`,
      "m",
    ),
  );

  // patch(1) turns the file into exactly what --write writes.
  const copy = `${sandbox.home}/config-copy`;
  Deno.copyFileSync(file, copy);
  const patched = new Deno.Command("patch", { args: ["-s", copy], stdin: "piped" }).spawn();
  const writer = patched.stdin.getWriter();
  await writer.write(new TextEncoder().encode(diff.stdout));
  await writer.close();
  assert.equal((await patched.status).code, 0);
  const written = await runCli(sandbox, ["config", "import", "--write"]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(Deno.readTextFileSync(copy), Deno.readTextFileSync(file));

  // A command line on a diffed line is shown by its program only (it may hold a TOTP seed).
  sandbox.writeConfig(TRICKY.join(""));
  const tricky = await runCli(sandbox, ["config", "import"]);
  assert.equal(tricky.code, 0, tricky.stderr);
  assert.match(tricky.stdout, /^-mfa_process = oathtool …$/m);
  assert.match(tricky.stdout, /^\+vegas_mfa_process = oathtool …$/m);
  assert.doesNotMatch(tricky.stdout + tricky.stderr, /JBSWY3DPEHPK3PXP/);
  assert.match(tricky.stdout, /^\\ No newline at end of file$/m);
});

Deno.test("config import: roles of one source naming different MFA devices are a conflict", async () => {
  const config = realisticConfig().replace(
    `mfa_serial = ${MFA_SERIAL}\nmfa_process = ${TOTP_COMMAND}\nexternal_id`,
    `mfa_serial = ${OTHER_SERIAL}\nexternal_id`,
  );
  assert.notEqual(config, realisticConfig());
  await using world = await makeWorld(config);
  const { sandbox } = world;
  sandbox.writeCredentials(credentialsFor("frank"));
  const before = Deno.readFileSync(sandbox.configFile);
  for (
    const args of [["config", "import"], ["config", "import", "--write"], [
      "config",
      "import",
      "--profile=singer",
      "--write",
    ]]
  ) {
    const result = await runCli(sandbox, args);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      `vegas-credentials: the roles of source profile 'frank' name different MFA devices: ` +
        `'${MFA_SERIAL}' (profile 'singer', profile 'deploy'), '${OTHER_SERIAL}' ` +
        `(profile 'partner'); vegas-credentials reads mfa_serial from the source profile, so ` +
        `make them agree or give these roles different source profiles (${sandbox.configFile})\n`,
    );
    assert.deepEqual(Deno.readFileSync(sandbox.configFile), before);
    assert.ok(!exists(backupOf(sandbox)));
  }
  // A source profile that names its own device disagrees as well.
  sandbox.writeConfig(
    realisticConfig().replace("# the IAM user;", `mfa_serial = ${OTHER_SERIAL}\n# the IAM user;`),
  );
  const source = await runCli(sandbox, ["config", "import"]);
  assert.equal(source.code, 1);
  assert.match(source.stderr, new RegExp(`'${OTHER_SERIAL}' \\(source profile 'frank'\\)`));
});

Deno.test("config import: named profiles, the program's path, and bad input", async () => {
  await using world = await makeWorld(realisticConfig());
  const { sandbox } = world;
  sandbox.writeCredentials(credentialsFor("frank"));

  const one = await runCli(sandbox, ["config", "import", "--profile", "deploy"]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^\+credential_process = .* assume --profile=deploy$/m);
  assert.doesNotMatch(one.stdout, /profile=singer|profile=partner/);

  const program = await runCli(sandbox, ["config", "import", "-p", "singer", "--program=/opt/vc"]);
  assert.match(program.stdout, /^\+credential_process = \/opt\/vc assume --profile=singer$/m);

  for (
    const [args, code, message] of [
      [
        ["-p", "singr"],
        1,
        /^vegas-credentials: profile 'singr' is not in .*config \(did you mean 'singer'\?\)\n$/,
      ],
      [["-p", "instance"], 1, /profile 'instance' in .*config stays as it is: .*credential_source/],
      [["-p", "frank"], 1, /profile 'frank' in .*config has no role_arn: it is not a role profile/],
      [["--program=bin/vc"], 2, /--program must be an absolute path, not 'bin\/vc'/],
      [["extra"], 2, /unexpected argument 'extra'/],
    ] as const
  ) {
    const result = await runCli(sandbox, ["config", "import", ...args]);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, message);
  }

  // aws-vault keeps the keys in the OS keychain: the import says what the profile still needs.
  Deno.removeSync(sandbox.credentialsFile);
  const noKeys = await runCli(sandbox, ["config", "import", "-p", "deploy"]);
  assert.equal(noKeys.code, 0, noKeys.stderr);
  assert.match(
    noKeys.stderr,
    /after the import, profile 'deploy' still needs: source profile 'frank' \(of profile 'deploy'\) has no aws_access_key_id/,
  );
  sandbox.writeCredentials(credentialsFor("frank"));

  // Run from a checkout with no vegas-credentials on PATH there is no program to write.
  const noPath = await runCli(sandbox, ["config", "import"], { env: { PATH: "/usr/bin:/bin" } });
  assert.equal(noPath.code, 1);
  assert.match(
    noPath.stderr,
    /no vegas-credentials on PATH; install the wrapper .* or pass --program=/,
  );

  // A file the AWS CLI cannot read is refused with its line.
  sandbox.writeConfig("[profile a]\nrole_arn = x\nrole_arn = y\n");
  const broken = await runCli(sandbox, ["config", "import"]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /config line 3: key 'role_arn' appears a second time/);
  assert.ok(!exists(backupOf(sandbox)));
});

Deno.test("config import's diffs: patch(1) applies each of 40 generated edits exactly", async () => {
  const { applyEdits, joinLines, splitLines, unifiedDiff } = await import(
    "../../src/import/lines.ts"
  );
  let seed = 20261124;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const dir = Deno.makeTempDirSync({ prefix: "vegas-patch-" });
  try {
    for (let round = 0; round < 40; round++) {
      const count = 1 + random(30);
      const endings = ["\n", "\n", "\n", "\r\n"];
      let text = "";
      for (let i = 0; i < count; i++) text += `l${i}${" x".repeat(random(3))}${endings[random(4)]}`;
      if (random(3) === 0) text = text.replace(/\r?\n$/, "");
      const lines = splitLines(text);
      const edits = [];
      const used = new Set<number>();
      for (let i = 0; i < 1 + random(4); i++) {
        const line = 1 + random(lines.length);
        const kind = random(3);
        if (kind === 0) {
          edits.push({ kind: "insert" as const, before: line + random(2), lines: [`new${i}`] });
        } else if (!used.has(line)) {
          used.add(line);
          edits.push(
            kind === 1
              ? { kind: "delete" as const, line }
              : { kind: "replace" as const, line, text: `r${i}` },
          );
        }
      }
      const edit = applyEdits(lines, edits);
      const file = `${dir}/f${round}`;
      Deno.writeTextFileSync(file, text);
      const child = new Deno.Command("patch", { args: ["-s", file], stdin: "piped" }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(unifiedDiff(edit.script, file)));
      await writer.close();
      assert.equal((await child.status).code, 0, `round ${round}: ${JSON.stringify(text)}`);
      assert.equal(Deno.readTextFileSync(file), joinLines(edit.lines), `round ${round}`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("config import: a role that is its own source profile stays as it is; the others convert", async () => {
  // The AWS CLI accepts `source_profile` naming the profile itself (its own keys assume the role).
  const own = `\n[profile ops]\nrole_arn = ${ROLES.main}\nsource_profile = ops\n` +
    `mfa_serial = ${MFA_SERIAL}\n`;
  await using world = await makeWorld(realisticConfig() + own);
  const { sandbox } = world;
  sandbox.writeCredentials(credentialsFor("frank") + credentialsFor("ops"));

  const result = await runCli(sandbox, ["config", "import", "--write"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /profile 'ops' stays as it is: its source_profile is the profile itself; .*profile of their own/,
  );
  assert.match(result.stderr, /converted 'singer', 'deploy', 'partner'/);
  assert.ok(Deno.readTextFileSync(sandbox.configFile).endsWith(own), "ops unchanged");

  const named = await runCli(sandbox, ["config", "import", "-p", "ops"]);
  assert.equal(named.code, 1);
  assert.equal(named.stdout, "");
  assert.match(named.stderr, /^vegas-credentials: profile 'ops' in \S+config stays as it is: /);
  assert.equal(named.stderr.split("\n").length, 2, named.stderr);
});
