/**
 * The commands besides `assume`, end to end: the program run as a subprocess against the local STS
 * emulator, in a sandbox HOME.
 */
import assert from "node:assert/strict";
import {
  cliCommand,
  makeSandbox,
  runCli,
  standardConfig,
  standardCredentials,
  TEST_ROLE_ARN,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { makeWorld, ROLES } from "../support/world.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;

/** Neither the secret key nor an MFA code may appear (only `env` prints credentials). */
function assertNoSecrets(text: string) {
  assert.doesNotMatch(text, new RegExp(TEST_USER.secretAccessKey.replaceAll("/", "\\/")));
  assert.ok(!text.includes(TEST_USER.accessKeyId), "the access key id was printed unmasked");
  assert.doesNotMatch(text, /\b\d{6}\b/, "an MFA code was printed");
}

Deno.test("env: sh output evaluated by sh sets the credentials; other formats", async () => {
  await using world = await makeWorld({ source: `${MFA}\nregion = eu-west-1` });
  const env = await runCli(world.sandbox, ["env", "--profile=singer"]);
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stdout, /^export AWS_ACCESS_KEY_ID='ASIA[A-Z0-9]+'$/m);
  assert.match(env.stdout, /^export AWS_SESSION_TOKEN='.+'$/m);
  assert.match(env.stdout, /^export AWS_CREDENTIAL_EXPIRATION='\d{4}-\d\d-\d\dT[\d:]+Z'$/m);
  assert.match(env.stdout, /^export AWS_REGION='eu-west-1'$/m);
  assert.match(env.stdout, /^export AWS_DEFAULT_REGION='eu-west-1'$/m);

  const script = 'eval "$(vegas-credentials env -p singer)" && ' +
    'echo "$AWS_ACCESS_KEY_ID $AWS_REGION ${#AWS_SECRET_ACCESS_KEY} ${#AWS_SESSION_TOKEN}"';
  const evaluated = await runCli(world.sandbox, [], { command: ["sh", "-c", script] });
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const [id, region, secretLength, tokenLength] = evaluated.stdout.trim().split(" ");
  assert.match(id, /^ASIA/);
  assert.equal(region, "eu-west-1");
  assert.ok(Number(secretLength) > 20);
  assert.ok(Number(tokenLength) > 100);
  assert.ok(env.stdout.includes(`'${id}'`), "eval gave the printed key");

  const json = await runCli(world.sandbox, ["env", "-p", "singer", "--format", "json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).AWS_ACCESS_KEY_ID, id);
  const fish = await runCli(world.sandbox, ["env", "-p", "singer", "--format=fish"]);
  assert.match(fish.stdout, new RegExp(`^set -gx AWS_ACCESS_KEY_ID '${id}';$`, "m"));
  const powershell = await runCli(world.sandbox, ["env", "-p", "singer", "--format=powershell"]);
  assert.match(powershell.stdout, new RegExp(`^\\$Env:AWS_ACCESS_KEY_ID = '${id}'$`, "m"));
  // The shells' own names, and -f.
  for (const [alias, same] of [["bash", env], ["zsh", env], ["pwsh", powershell]] as const) {
    const aliased = await runCli(world.sandbox, ["env", "-p", "singer", "-f", alias]);
    assert.equal(aliased.stdout, same.stdout, alias);
  }
  assert.equal(world.sts.count("AssumeRole"), 1);

  const bad = await runCli(world.sandbox, ["env", "-p", "singer", "--format=csh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format must be one of sh, fish, powershell, json/);
});

Deno.test("env: no region line when the region is only the default", async () => {
  await using world = await makeWorld({ source: MFA });
  const env = await runCli(world.sandbox, ["env", "--profile=singer"]);
  assert.equal(env.code, 0, env.stderr);
  assert.doesNotMatch(env.stdout, /AWS_REGION/);
});

Deno.test("exec: exit code, environment without AWS_PROFILE, signals", async () => {
  await using world = await makeWorld({ source: MFA });
  const exec = (args: string[], env?: Record<string, string>) =>
    runCli(world.sandbox, ["exec", "--profile=singer", "--", ...args], { env });

  const seven = await exec(["sh", "-c", "exit 7"]);
  assert.equal(seven.code, 7, seven.stderr);

  const seen = await exec(
    ["sh", "-c", 'echo "$AWS_ACCESS_KEY_ID|${AWS_PROFILE-unset}|${AWS_DEFAULT_PROFILE-unset}"'],
    { AWS_PROFILE: "singer", AWS_DEFAULT_PROFILE: "singer" },
  );
  assert.equal(seen.code, 0, seen.stderr);
  assert.match(seen.stdout, /^ASIA[A-Z0-9]+\|unset\|unset\n$/);

  // Without `--` the command is refused: its own options would be read as ours.
  const positional = await runCli(world.sandbox, ["exec", "-p", "singer", "true"]);
  assert.equal(positional.code, 2, positional.stderr);
  assert.match(positional.stderr, /put the command after --/);

  const killed = await exec(["sh", "-c", "kill -KILL $$"]);
  assert.equal(killed.code, 128 + 9);

  const missing = await exec(["no-such-command-here"]);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /command not found: no-such-command-here/);

  const usage = await runCli(world.sandbox, ["exec", "-p", "singer"]);
  assert.equal(usage.code, 2);
  assert.equal(world.sts.count("AssumeRole"), 1);
});

Deno.test("exec: SIGTERM and SIGINT are forwarded to the command", async () => {
  await using world = await makeWorld({ source: MFA });
  for (const [signal, status] of [["SIGTERM", 5], ["SIGINT", 6]] as const) {
    const trap = signal.slice(3);
    // setsid: no controlling terminal even when the tests run in one, so that nothing but exec
    // can pass the signal on (setsid runs the program in its own process, whose pid is child.pid).
    const child = new Deno.Command("setsid", {
      args: [
        ...cliCommand(),
        "exec",
        "-p",
        "singer",
        "--",
        "sh",
        "-c",
        `trap 'echo got-${trap}; exit ${status}' ${trap}; echo ready; ` +
        "while :; do sleep 0.1; done",
      ],
      env: world.sandbox.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // Never hang the suite: a lost signal would leave the loop running.
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    child.kill(signal);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const { code } = await child.status;
    clearTimeout(watchdog);
    assert.equal(code, status, out);
    assert.match(out, new RegExp(`got-${trap}`));
  }
});

Deno.test("status: table and --json, with a profile that does not resolve", async () => {
  await using world = await makeWorld({
    source: `${MFA}\nvegas_mfa_session_duration = 43200`,
    target: "\n[profile broken]\nvegas_role_arn = arn:aws:iam::1:role/x\n" +
      "vegas_source_profile = default\n\n[profile plain]\nregion = eu-west-1\n",
  });
  const only = await runCli(world.sandbox, ["status", "--profile=broken", "--json"]);
  assert.equal(only.code, 0, only.stderr);
  assert.deepEqual(JSON.parse(only.stdout).map((s: { profile: string }) => s.profile), ["broken"]);
  const typo = await runCli(world.sandbox, ["status", "-p", "singr"]);
  assert.equal(typo.code, 2);
  assert.equal(
    typo.stderr,
    `vegas-credentials: profile 'singr' is not a vegas profile in ${world.sandbox.configFile} ` +
      "(did you mean 'singer'?)\n",
  );
  const before = await runCli(world.sandbox, ["status", "--json"]);
  assert.equal(before.code, 0, before.stderr);
  const cold = JSON.parse(before.stdout);
  assert.deepEqual(cold.map((s: { profile: string }) => s.profile), ["singer", "broken"]);
  assert.equal(cold[0].cached, "none");
  assert.equal(cold[0].session.state, "none");
  assert.equal(cold[0].nextMfaInSeconds, 0, "the next use asks for a code");

  assert.equal((await runCli(world.sandbox, ["assume", "-p", "singer"])).code, 0);
  const json = await runCli(world.sandbox, ["status", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const [singer, broken] = JSON.parse(json.stdout);
  assert.equal(singer.roleArn, TEST_ROLE_ARN);
  assert.equal(singer.sourceProfile, "default");
  assert.equal(singer.mfaSerial, TEST_USER.mfaSerial);
  assert.equal(singer.cached, "fresh");
  assert.ok(singer.expiresInSeconds > 3500 && singer.expiresInSeconds <= 3600);
  assert.ok(Date.parse(singer.expiration) > Date.now());
  assert.equal(singer.session.state, "fresh");
  assert.equal(singer.session.used, true);
  assert.ok(singer.session.expiresInSeconds > 43000);
  // The next code: when the session comes within 10 minutes of its end.
  assert.equal(singer.nextMfaInSeconds, singer.session.expiresInSeconds - 600);
  assert.equal(broken.nextMfaInSeconds, null);
  assert.match(broken.error, /vegas_role_arn 'arn:aws:iam::1:role\/x' is not an IAM role ARN/);
  assert.equal(broken.cached, null);
  assertNoSecrets(json.stdout);

  const table = await runCli(world.sandbox, ["status"]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.split("\n");
  assert.match(
    lines[0],
    /^PROFILE +ROLE +SOURCE +MFA DEVICE +CACHED +EXPIRES IN +SESSION +NEXT MFA$/,
  );
  assert.match(
    lines[1],
    /^singer +arn:aws:iam::222222222222:role\/SingerRole +default +\S+ +fresh +\dh? ?\d+m +fresh, 1\dh \d+m +11h \d+m$/,
  );
  assert.match(lines[2], /^broken +arn:aws:iam::1:role\/x +default +- +error/);
  // Columns line up: every header starts where its cells start.
  assert.equal(lines[1].indexOf("default"), lines[0].indexOf("SOURCE"));
  assert.match(table.stdout, /\nbroken: profile 'broken'/);
  assertNoSecrets(table.stdout);
});

Deno.test("cache clean: one profile, its session, everything", async () => {
  await using world = await makeWorld({
    source: `${MFA}\nvegas_mfa_session_duration = 43200`,
    target:
      `\n[profile dancer]\nvegas_role_arn = ${ROLES.withPath}\nvegas_source_profile = default\n`,
  });
  const dir = world.sandbox.cacheDir;
  const files = () =>
    [...Deno.readDirSync(dir)].map((f) => f.name)
      .filter((name) => name.endsWith(".json") && !name.startsWith("hit."))
      .map((name) => name.split(".").slice(0, 2).join(".")).sort();
  assert.equal((await runCli(world.sandbox, ["assume", "-p", "singer"])).code, 0);
  assert.equal((await runCli(world.sandbox, ["assume", "-p", "dancer"])).code, 0);
  assert.deepEqual(files(), ["role.dancer", "role.singer", "session.default"]);

  // A typo is a usage error with the close name, and removes nothing.
  const profileTypo = await runCli(world.sandbox, ["cache", "clean", "--profile=singr"]);
  assert.equal(profileTypo.code, 2, profileTypo.stderr);
  assert.equal(
    profileTypo.stderr,
    `vegas-credentials: profile 'singr' is not in ${world.sandbox.configFile} or ` +
      `${world.sandbox.credentialsFile} (did you mean 'singer'?)\n`,
  );
  assert.deepEqual(files(), ["role.dancer", "role.singer", "session.default"]);

  const one = await runCli(world.sandbox, ["cache", "clean", "--profile=singer"]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /Removed 1 role credential file for profile 'singer'/);
  assert.deepEqual(files(), ["role.dancer", "session.default"]);

  const withSessions = await runCli(world.sandbox, [
    "cache",
    "clean",
    "-p",
    "dancer",
    "--sessions",
  ]);
  assert.equal(withSessions.code, 0, withSessions.stderr);
  assert.match(withSessions.stdout, /Removed 1 role credential file, 1 MFA session/);
  assert.deepEqual(files(), []);

  // Everything, including the lock file no one holds; original flags accepted.
  assert.equal((await runCli(world.sandbox, ["status", "--json"])).code, 0);
  assert.ok([...Deno.readDirSync(dir)].some((f) => f.name.endsWith(".lock")));
  const all = await runCli(world.sandbox, ["cache", "clean", "--credential"]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /Removed 0 role credential files, 0 MFA sessions, 1 lock file from /);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  const password = await runCli(world.sandbox, ["cache", "clean", "--password"]);
  assert.equal(password.code, 0, password.stderr);

  const typo = await runCli(world.sandbox, ["cache", "clena"]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean 'cache clean'/);
});

Deno.test("config list and config show-profile: paths, inputs, origins, no secrets", async () => {
  await using world = await makeWorld({
    source: `${MFA}\nregion = eu-west-1`,
    target: "duration_seconds = 1800",
  });
  const list = await runCli(world.sandbox, ["config", "list"]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^config file: +${world.sandbox.configFile}$`, "m"));
  assert.match(
    list.stdout,
    new RegExp(`^credentials file: +${world.sandbox.credentialsFile}$`, "m"),
  );
  assert.match(list.stdout, new RegExp(`^cache directory: +${world.sandbox.cacheDir}`, "m"));
  assert.match(list.stdout, /^vegas profiles: +singer$/m);
  assert.match(list.stdout, /^ykman: /m);
  assert.match(list.stdout, /^GUI dialog: /m);
  assert.match(list.stdout, /^ {2}process +no vegas_mfa_process configured$/m);
  assert.match(list.stdout, /^ {2}terminal +no terminal/m);
  const forProfile = await runCli(world.sandbox, ["config", "list", "--profile=singer"]);
  assert.match(forProfile.stdout, /^ {2}process +available$/m);

  const show = await runCli(world.sandbox, ["config", "show-profile", "--profile", "singer"]);
  assert.equal(show.code, 0, show.stderr);
  const row = (name: string) => show.stdout.split("\n").find((line) => line.startsWith(`${name} `));
  assert.match(
    row("vegas_role_arn")!,
    new RegExp(`${TEST_ROLE_ARN} +\\S+config \\[profile singer\\]`),
  );
  assert.match(row("duration_seconds")!, /1800 +\S+config \[profile singer\]$/);
  assert.match(row("region")!, /eu-west-1 +\S+config \[default\]$/);
  assert.match(row("mfa_serial")!, /config \[default\]$/);
  assert.match(row("vegas_mfa_timeout")!, /120 +default$/);
  assert.match(row("aws_access_key_id")!, /AKIA…MPLE +\S+credentials$/);
  assert.match(row("aws_secret_access_key")!, /\(set, not shown\)/);
  // The MFA command may hold a TOTP secret: only its program is shown.
  assert.doesNotMatch(show.stdout, /totp\.ts/);
  assertNoSecrets(show.stdout + show.stderr + list.stdout + list.stderr);

  const missing = await runCli(world.sandbox, ["config", "show-profile", "-p", "singr"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /profile 'singr' is not in .*did you mean 'singer'/);
  const noProfile = await runCli(world.sandbox, ["config", "show-profile"]);
  assert.equal(noProfile.code, 2);
});

/** A config with one of each problem `doctor` finds. */
function brokenConfig(): string {
  const role = (name: string, lines: string[], process = true) =>
    [
      `[profile ${name}]`,
      ...(process ? [`credential_process = vegas-credentials assume --profile=${name}`] : []),
      ...lines,
      "",
    ].join("\n");
  return [
    "[default]",
    `mfa_serial = ${TEST_USER.mfaSerial}`,
    MFA,
    "",
    "[profile nokeys-source]",
    `mfa_serial = ${TEST_USER.mfaSerial}`,
    "",
    "[profile noserial-source]",
    "",
    role("bad-arn", [
      "vegas_role_arn = arn:aws:iam::2222:role/x",
      "vegas_source_profile = default",
    ]),
    role(
      "no-process",
      [`vegas_role_arn = ${TEST_ROLE_ARN}`, "vegas_source_profile = default"],
      false,
    ),
    [
      "[profile wrong-name]",
      "credential_process = vegas-credentials assume --profile=singer",
      `vegas_role_arn = ${TEST_ROLE_ARN}`,
      "vegas_source_profile = default",
      "",
    ].join("\n"),
    role("unprefixed", [
      `vegas_role_arn = ${TEST_ROLE_ARN}`,
      "vegas_source_profile = default",
      `role_arn = ${TEST_ROLE_ARN}`,
    ]),
    role("no-source", [`vegas_role_arn = ${TEST_ROLE_ARN}`, "vegas_source_profile = defualt"]),
    role("long", [
      `vegas_role_arn = ${TEST_ROLE_ARN}`,
      "vegas_source_profile = default",
      "duration_seconds = 99999",
    ]),
    role("no-keys", [`vegas_role_arn = ${TEST_ROLE_ARN}`, "vegas_source_profile = nokeys-source"]),
    role("no-serial", [
      `vegas_role_arn = ${TEST_ROLE_ARN}`,
      "vegas_source_profile = noserial-source",
    ]),
    role("no-input", [
      `vegas_role_arn = ${TEST_ROLE_ARN}`,
      "vegas_source_profile = default",
      "vegas_mfa_inputs = terminal",
    ]),
    role("unknown-input", [
      `vegas_role_arn = ${TEST_ROLE_ARN}`,
      "vegas_source_profile = default",
      "vegas_mfa_inputs = carrier-pigeon",
    ]),
  ].join("\n");
}

Deno.test("config show-profile: a credentials-file setting names that file's own section", async () => {
  // In the credentials file the section of profile `singer` is [singer]; a [profile singer] there
  // is another profile (`profile singer`), which must not be named as the origin.
  await using sandbox = makeSandbox();
  sandbox.writeConfig(standardConfig({ source: MFA }));
  sandbox.writeCredentials(
    standardCredentials() +
      "\n[singer]\nregion = us-west-2\n\n[profile singer]\nregion = eu-west-3\n",
  );
  const show = await runCli(sandbox, ["config", "show-profile", "--profile", "singer"]);
  assert.equal(show.code, 0, show.stderr);
  const region = show.stdout.split("\n").find((line) => line.startsWith("region "));
  assert.match(region!, /us-west-2 +\S+credentials \[singer\]$/);
  const role = show.stdout.split("\n").find((line) => line.startsWith("vegas_role_arn "));
  assert.match(role!, /\S+config \[profile singer\]$/);

  // The fix for a plain role_arn names the section it is in.
  sandbox.writeCredentials(
    standardCredentials() + `\n[singer]\nrole_arn = ${TEST_ROLE_ARN}\n`,
  );
  const half = await runCli(sandbox, ["doctor", "--profile", "singer"]);
  assert.match(half.stdout, /fix: remove role_arn from \[singer\] in \S+credentials$/m);
});

Deno.test("config show-profile: a setting inherited from [DEFAULT] names [DEFAULT]", async () => {
  await using sandbox = makeSandbox();
  sandbox.writeConfig("[DEFAULT]\nregion = eu-north-1\n\n" + standardConfig({ source: MFA }));
  const show = await runCli(sandbox, ["config", "show-profile", "--profile", "singer"]);
  assert.equal(show.code, 0, show.stderr);
  const line = (key: string) => show.stdout.split("\n").find((text) => text.startsWith(`${key} `));
  assert.match(line("region")!, /eu-north-1 +\S+config \[DEFAULT\]$/);
  assert.match(line("vegas_role_arn")!, /\S+config \[profile singer\]$/);
  // Set in the profile itself, the same key is the profile's.
  sandbox.writeConfig(
    "[DEFAULT]\nregion = eu-north-1\n\n" +
      standardConfig({ source: MFA }).replace(
        "[profile singer]",
        "[profile singer]\nregion = eu-north-1",
      ),
  );
  const own = await runCli(sandbox, ["config", "show-profile", "--profile", "singer"]);
  assert.match(
    own.stdout.split("\n").find((text) => text.startsWith("region "))!,
    /\S+config \[profile singer\]$/,
  );
});

Deno.test("doctor: one of each problem, each named with a fix; exit 1", async () => {
  await using world = await makeWorld(brokenConfig());
  world.sandbox.writeCredentials(
    Deno.readTextFileSync(world.sandbox.credentialsFile) +
      `\n[noserial-source]\naws_access_key_id = ${TEST_USER.accessKeyId}\n` +
      `aws_secret_access_key = ${TEST_USER.secretAccessKey}\n`,
  );
  Deno.mkdirSync(world.sandbox.cacheDir, { mode: 0o755 });
  Deno.chmodSync(world.sandbox.cacheDir, 0o755);
  const result = await runCli(world.sandbox, ["doctor"]);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  const out = result.stdout;
  const section = (name: string) => {
    const start = out.indexOf(`profile ${name}\n`);
    assert.ok(start >= 0, `no section for ${name}`);
    return out.slice(start, out.indexOf("\n\n", start));
  };
  const expect: [string, RegExp][] = [
    [
      "bad-arn",
      /PROBLEM +profile 'bad-arn' in \S+: vegas_role_arn 'arn:aws:iam::2222:role\/x' is not an IAM role ARN/,
    ],
    [
      "no-process",
      /PROBLEM +credential_process is missing[^\n]*\n +fix: add: credential_process = vegas-credentials assume --profile=no-process/,
    ],
    ["wrong-name", /PROBLEM +credential_process names profile 'singer', not 'wrong-name'/],
    [
      "unprefixed",
      /PROBLEM +profile 'unprefixed' in \S+: role_arn must be written vegas_role_arn[^\n]*\n +fix: remove role_arn/,
    ],
    [
      "no-source",
      /PROBLEM +profile 'no-source' in \S+: vegas_source_profile 'defualt' is not a profile [^\n]*\(did you mean 'default'\?\)/,
    ],
    [
      "long",
      /PROBLEM +profile 'long' in \S+: duration_seconds '99999' must be between 900 and 43200[^\n]*\n +fix: set duration_seconds to 900-43200/,
    ],
    [
      "no-keys",
      /PROBLEM +source profile 'nokeys-source' \(of profile 'no-keys'\) has no aws_access_key_id/,
    ],
    ["no-serial", /PROBLEM +source profile 'noserial-source' in \S+: mfa_serial is missing/],
    ["no-input", /PROBLEM +no MFA input available here \(terminal: no terminal/],
    [
      "unknown-input",
      /PROBLEM +profile 'unknown-input' in \S+: vegas_mfa_inputs '[^']*' names unknown input 'carrier-pigeon'/,
    ],
  ];
  for (const [name, pattern] of expect) assert.match(section(name), pattern, section(name));
  assert.match(out, /warning +cache directory \S+ has mode 755[^\n]*\n +fix: chmod 700 /);
  Deno.chmodSync(world.sandbox.credentialsFile, 0o644);
  const readable = await runCli(world.sandbox, ["doctor"]);
  assert.match(
    readable.stdout,
    /warning +credentials file \S+ holds secret keys and has mode 644: other users can read them\n +fix: chmod 600 /,
  );
  assert.match(out, /^\d+ problems, \d+ warnings?\.$/m);
  assertNoSecrets(out + result.stderr);

  // Only one profile.
  const one = await runCli(world.sandbox, ["doctor", "--profile=long"]);
  assert.equal(one.code, 1);
  assert.doesNotMatch(one.stdout, /profile bad-arn/);
  assert.equal(world.sts.calls.length, 0, "doctor called AWS");
});

Deno.test("doctor: a source profile that is an AWS CLI role profile, keys nowhere — no contradicting ok", async () => {
  await using sandbox = makeSandbox();
  sandbox.writeConfig([
    "[profile base]",
    "role_arn = arn:aws:iam::111111111111:role/Base",
    "source_profile = iam",
    `mfa_serial = ${TEST_USER.mfaSerial}`,
    "",
    "[profile singer]",
    "credential_process = vegas-credentials assume --profile=singer",
    `vegas_role_arn = ${TEST_ROLE_ARN}`,
    "vegas_source_profile = base",
    MFA,
    "",
  ].join("\n"));
  sandbox.writeCredentials(`[iam]\naws_access_key_id = ${TEST_USER.accessKeyId}\n`);
  // No store can be reached: no D-Bus session, pass not set up.
  const result = await runCli(sandbox, ["doctor", "-p", "singer"], {
    env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${sandbox.home}/no-bus` },
  });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.doesNotMatch(result.stdout, /ok +source keys in the secret-service store/);
  assert.match(
    result.stdout,
    /PROBLEM +source profile 'base' \(of profile 'singer'\) has no aws_access_key_id/,
  );
  assert.match(
    result.stdout,
    /warning +source profile 'base' in \S+config is an AWS CLI role profile \(role_arn, source_profile\), not your IAM user's keys\n +fix: name the profile that holds your IAM user's access key in vegas_source_profile of \[profile singer\] \(perhaps 'iam'\)\n/,
  );
});

Deno.test("doctor: a good setup exits 0", async () => {
  await using world = await makeWorld({
    source: `${MFA}\nvegas_mfa_session_duration = 43200`,
  });
  Deno.chmodSync(world.sandbox.credentialsFile, 0o600);
  const relative = await runCli(world.sandbox, ["doctor"]);
  // GUI apps and IDEs do not have the shell's PATH: a relative program is worth a warning, whose
  // fix names the program's full path.
  assert.equal(relative.code, 0, relative.stdout + relative.stderr);
  assert.match(
    relative.stdout,
    new RegExp(
      `warning +credential_process runs 'vegas-credentials' by a relative name[^\n]*\n +` +
        `fix: write its full path: credential_process = ${world.sandbox.bin} assume --profile=singer`,
    ),
  );
  const config = Deno.readTextFileSync(world.sandbox.configFile);
  world.sandbox.writeConfig(
    config.replace(
      "credential_process = vegas-credentials",
      `credential_process = ${world.sandbox.bin}`,
    ),
  );
  const result = await runCli(world.sandbox, ["doctor"]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.doesNotMatch(result.stdout, /PROBLEM/);
  assert.match(result.stdout, /ok +MFA inputs available here: process/);
  assert.match(result.stdout, /ok +MFA session of 43200 s shared through source profile 'default'/);
  // The one warning left: long-term keys in plain text, and the command that moves them.
  assert.match(
    result.stdout,
    /warning +source profile 'default' keeps its long-term keys in plain text in \S+\/credentials\n +fix: move them into the OS secure store: vegas-credentials keys import --profile default\n/,
  );
  assert.equal(result.stdout.match(/ warning /g)?.length, 1, result.stdout);
  assert.match(result.stdout, /All good: 1 profile checked, 1 warning\./);
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("version and help", async () => {
  await using world = await makeWorld({});
  const version = await runCli(world.sandbox, ["version", "--full"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^vegas-credentials \d+\.\d+\.\d+\nos: /);
  const help = await runCli(world.sandbox, ["help", "exec"]);
  const flag = await runCli(world.sandbox, ["exec", "--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stdout, flag.stdout);
  assert.match(help.stdout, /Usage: vegas-credentials exec --profile=NAME -- COMMAND/);
});
