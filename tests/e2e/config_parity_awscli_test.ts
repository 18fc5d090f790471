/**
 * Issue 8's defects end to end: the real AWS CLI (/usr/bin/aws, which reads the files with
 * botocore) runs the program as its credential_process against a local STS emulator, so "the
 * program reads the files as the AWS CLI does" is checked by the AWS CLI itself.
 */
import assert from "node:assert/strict";
import {
  cliCommand,
  makeSandbox,
  type Sandbox,
  standardCredentials,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { type EmulatorRole, startStsEmulator } from "../support/sts_server.ts";
import { awsCallerIdentity } from "../support/world.ts";

const ROLE = (name: string) => `arn:aws:iam::222222222222:role/${name}`;
const SINGER = ROLE("SingerRole");
const DANCER = ROLE("stage/crew/DancerRole");

/** The source profile: the test user's MFA device, codes from the TOTP helper (no terminal). */
const SOURCE = [
  "[default]",
  `mfa_serial = ${TEST_USER.mfaSerial}`,
  `vegas_mfa_process = ${TOTP_COMMAND}`,
  "",
].join("\n");

/**
 * A vegas profile: `[HEADER]AFTER`, then its keys. The name is quoted for botocore's shlex split of
 * credential_process.
 */
function vegasProfile(
  header: string,
  name: string,
  role: string,
  { after = "", extra = [] }: { after?: string; extra?: string[] } = {},
): string {
  return [
    `[${header}]${after}`,
    `credential_process = vegas-credentials assume --profile='${name}'`,
    `vegas_role_arn = ${role}`,
    "vegas_source_profile = default",
    ...extra,
    "",
  ].join("\n");
}

function sandboxWith(config: string): Sandbox {
  const sandbox = makeSandbox();
  sandbox.writeConfig(config);
  sandbox.writeCredentials(standardCredentials());
  Deno.chmodSync(sandbox.credentialsFile, 0o600);
  return sandbox;
}

/**
 * `aws sts get-caller-identity --profile NAME` through a fresh emulator (a TOTP code is accepted
 * once per emulator, so each run gets its own and runs may overlap): the assumed-role ARN, or the
 * CLI's error; and the roles the program asked STS for.
 */
async function callerIdentity(sandbox: Sandbox, profile: string, roles: readonly string[]) {
  const sts = await startStsEmulator({
    users: [{ ...TEST_USER }],
    roles: roles.map((arn): EmulatorRole => ({ arn })),
  });
  try {
    const output = await awsCallerIdentity(
      { ...sandbox.env, AWS_ENDPOINT_URL_STS: sts.url },
      sts.url,
      profile,
    );
    return {
      code: output.code,
      arn: output.code === 0 ? JSON.parse(output.stdout).Arn as string : undefined,
      stderr: output.stderr,
      assumed: sts.calls.filter((c) => c.action === "AssumeRole").map((c) => c.params.RoleArn),
    };
  } finally {
    await sts.close();
  }
}

/** Runs `fn` over `items`, at most `limit` at a time (each run is an AWS CLI and a Deno start). */
async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

Deno.test("aws cli: text after the next profile's header never hands out that profile's role", async () => {
  // Each singer has a dancer right below it whose header line goes on after the `]`. botocore
  // takes the header up to the last `]` and ignores the rest; a reader that does not see the
  // header merges the dancer's keys into the singer above and assumes DancerRole.
  const variants = ["# the dancers' account", " ; x", "; x", " (dancers)", "x"];
  const config = SOURCE +
    variants.map((after, i) =>
      vegasProfile(`profile singer${i}`, `singer${i}`, SINGER) +
      vegasProfile(`profile dancer${i}`, `dancer${i}`, DANCER, { after })
    ).join("");
  await using sandbox = sandboxWith(config);
  const results = await eachLimited(
    variants.map((_, i) => i),
    2,
    (i) => callerIdentity(sandbox, `singer${i}`, [SINGER, DANCER]),
  );
  const failed = results.flatMap((result, i) => {
    const ok = result.code === 0 && result.arn!.includes(":assumed-role/SingerRole/") &&
      result.assumed.every((arn) => arn === SINGER);
    const got = result.arn ?? result.stderr.trim();
    return ok ? [] : [`singer${i} above [profile dancer${i}]${variants[i]}: ${got}`];
  });
  assert.deepEqual(failed, []);
});

Deno.test("aws cli: every profile the AWS CLI finds, the program finds", async () => {
  // [header inside the brackets, the profile name botocore gives it, its role]
  const profiles: [string, string, string][] = [
    ["profile café", "café", "CafeRole"],
    ["profile フランク", "フランク", "FrankRole"],
    ["profile nbsp\u00a0", "nbsp\u00a0", "NbspRole"],
    ["profile a#b", "a#b", "HashRole"],
    ["profile a;b", "a;b", "SemicolonRole"],
    ["profile [open", "[open", "OpenBracketRole"],
    ["profile close]d", "close]d", "CloseBracketRole"],
    ["profile  frank", "frank", "TwoSpacesRole"],
    ["profile after-nul", "after-nul", "AfterNulRole"],
  ];
  const config = SOURCE +
    profiles.map(([header, name, role]) =>
      (name === "after-nul"
        ? "# written by an editor that left a NUL \0 here\nnote = a\0b\n"
        : "") +
      vegasProfile(header, name, ROLE(role))
    ).join("\n");
  await using sandbox = sandboxWith(config);
  const roles = profiles.map(([, , role]) => ROLE(role));
  const results = await eachLimited(
    profiles,
    3,
    ([, name]) => callerIdentity(sandbox, name, roles),
  );
  const failed = profiles.flatMap(([header, name, role], i) => {
    const result = results[i];
    const ok = result.code === 0 && result.arn!.includes(`:assumed-role/${role}/`);
    return ok
      ? []
      : [`[${header}] as ${JSON.stringify(name)}: ${result.arn ?? result.stderr.trim()}`];
  });
  assert.deepEqual(failed, []);
});

/** Runs the program directly (no AWS CLI: its own timing is what is measured), killed after 8 s. */
async function runTimed(sandbox: Sandbox, args: string[]) {
  const start = performance.now();
  const child = new Deno.Command("setsid", {
    args: ["-w", ...cliCommand(), ...args],
    env: sandbox.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
  try {
    const output = await child.output();
    return {
      code: output.code,
      signal: output.signal,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
      millis: performance.now() - start,
    };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("huge names and values: one short line, fast, no STS call", async () => {
  const longSection = "s".repeat(50_000);
  const longName = "n".repeat(50_000);
  const config = SOURCE + vegasProfile("profile singer", "singer", SINGER, {
    extra: [`external_id = ${"0".repeat(1 << 20)}`],
  }) + vegasProfile(`profile ${longSection}`, "long", SINGER);
  await using sandbox = sandboxWith(config);
  const sts = await startStsEmulator({ users: [{ ...TEST_USER }], roles: [{ arn: SINGER }] });
  sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
  try {
    // A 50,000-character name next to a 50,000-character section: "did you mean" must not be
    // quadratic in the lengths.
    const unknown = await runTimed(sandbox, ["assume", "-p", longName]);
    assert.notEqual(unknown.code, 0, "exit code");
    assert.equal(unknown.signal, null, `killed after ${Math.round(unknown.millis)} ms`);
    assert.ok(unknown.millis < 5000, `took ${Math.round(unknown.millis)} ms`);
    assert.equal(unknown.stdout, "");
    const line = unknown.stderr.trimEnd();
    assert.ok(line !== "" && !line.includes("\n"), `not one line: ${line.slice(0, 300)}`);
    assert.ok(line.length < 400, `error line of ${line.length} characters`);

    // A 1 MB external_id is refused with a line that quotes at most a short part of it.
    const huge = await runTimed(sandbox, ["assume", "--profile=singer"]);
    assert.notEqual(huge.code, 0, "exit code");
    assert.ok(huge.millis < 5000, `took ${Math.round(huge.millis)} ms`);
    assert.equal(huge.stdout, "");
    const hugeLine = huge.stderr.trimEnd();
    assert.ok(!hugeLine.includes("\n"), `not one line: ${hugeLine.slice(0, 300)}`);
    assert.ok(hugeLine.length < 300, `error line of ${hugeLine.length} characters`);
    assert.match(hugeLine, /external_id/);
    assert.equal(sts.calls.length, 0, "an invalid config made an STS call");
  } finally {
    await sts.close();
  }
});

Deno.test("huge values in doctor and status: every line short", async () => {
  // A profile that does not resolve, whose values doctor and status would otherwise echo whole.
  const huge = "x".repeat(200_000);
  const config = SOURCE + vegasProfile("profile singer", "singer", SINGER) + [
    "[profile big]",
    `credential_process = ${huge}/vegas-credentials assume --profile=big${huge}`,
    `vegas_role_arn = ${SINGER}${huge}`,
    `vegas_source_profile = default${huge}`,
    "",
  ].join("\n");
  await using sandbox = sandboxWith(config);
  for (const args of [["doctor"], ["status"]]) {
    const result = await runTimed(sandbox, args);
    assert.equal(result.signal, null, `${args}: killed after ${Math.round(result.millis)} ms`);
    const long = (result.stdout + result.stderr).split("\n").filter((line) => line.length > 400);
    assert.deepEqual(long.map((line) => `${line.length}: ${line.slice(0, 120)}`), [], `${args}`);
    assert.match(result.stdout, /big/);
  }
});

Deno.test("doctor: a half-converted profile (credential_process, plain role_arn) is a problem", async () => {
  // The good profile as `doctor` suggests writing it, so that the half one is the only problem.
  const config = SOURCE + [
    "[profile singer]",
    "credential_process = vegas-credentials assume --profile=singer",
    `vegas_role_arn = ${SINGER}`,
    "vegas_source_profile = default",
    "",
    "[profile half]",
    "credential_process = vegas-credentials assume --profile=half",
    `role_arn = ${DANCER}`,
    "source_profile = default",
    "",
  ].join("\n");
  await using sandbox = sandboxWith(config);
  const result = await runTimed(sandbox, ["doctor"]);
  const out = result.stdout + result.stderr;
  assert.equal(result.code, 1, out);
  assert.doesNotMatch(out, /All good/);
  // The profile is named, and a problem about it is the prefix rule: one line that names the
  // plain role_arn and the vegas_role_arn it must become.
  const start = out.search(/profile half\b/);
  assert.ok(start >= 0, `doctor does not name profile half:\n${out}`);
  const end = out.indexOf("\n\n", start);
  const section = out.slice(start, end < 0 ? undefined : end);
  assert.match(section, /PROBLEM/, section);
  const prefixRule = section.split("\n").some((line) =>
    /(?:^|[^\w])role_arn\b/.test(line) && line.includes("vegas_role_arn")
  );
  assert.ok(prefixRule, `no line names role_arn and vegas_role_arn:\n${section}`);
});
