/**
 * `exec --server` end to end: the real program serves container credentials to real AWS callers
 * (the AWS CLI, boto3, the JavaScript SDK v3, the Go SDK v2) while the STS emulator issues role
 * credentials that expire within seconds, under one MFA session.
 *
 * The clocks: the AWS SDKs decide on the real clock when to refresh, so the role credentials really
 * expire within seconds (the emulator's `roleLifetimeSeconds`), and the program's freshness margin
 * is lowered to match (the test-only VEGAS_CREDENTIALS_TEST_FRESHNESS_MARGIN_SECONDS, read by
 * `exec --server` alone). A caller that kept expired credentials would fail with ExpiredToken.
 */
import assert from "node:assert/strict";
import { REPO, runCli, TEST_ROLE_ARN, TEST_USER, TOTP_COMMAND } from "../support/harness.ts";
import { makeWorld, waitFor, type World } from "../support/world.ts";
import { listenersOn } from "../support/listeners.ts";

/** The usual setup for the server: the IAM user's keys in a profile of their own, not [default]. */
const CONFIG = [
  "[profile iam]",
  `mfa_serial = ${TEST_USER.mfaSerial}`,
  `vegas_mfa_process = ${TOTP_COMMAND}`,
  "vegas_mfa_session_duration = 43200",
  "",
  "[profile singer]",
  "credential_process = vegas-credentials assume --profile=singer",
  `vegas_role_arn = ${TEST_ROLE_ARN}`,
  "vegas_source_profile = iam",
  "region = us-east-1",
  "",
].join("\n");

const CREDENTIALS = [
  "[iam]",
  `aws_access_key_id = ${TEST_USER.accessKeyId}`,
  `aws_secret_access_key = ${TEST_USER.secretAccessKey}`,
  "",
].join("\n");

/** Role credentials last this long; the program refreshes them when fewer than MARGIN remain. */
const ROLE_SECONDS = 7;
const MARGIN_SECONDS = 4;
/**
 * Each SDK caller calls until it has made this many calls with this many different keys: it saw
 * the server refresh them. Under load that takes longer, never fails; the deadline is only reached
 * when refreshing is broken.
 */
const MIN_CALLS = 3;
const MIN_KEYS = 2;
const DEADLINE_MS = 40_000;

async function serverWorld(config = CONFIG): Promise<World> {
  const world = await makeWorld(config);
  world.sandbox.writeCredentials(CREDENTIALS);
  return world;
}

/** Builds the Go caller offline from Debian's packages (GOPATH mode, no module proxy). */
async function buildGoCaller(dir: string): Promise<string> {
  const output = `${dir}/go_caller`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("go", {
      args: ["build", "-o", output, "."],
      cwd: `${REPO}tests/support/callers/go_caller`,
      env: {
        GO111MODULE: "off", // Debian ships the SDK as one GOPATH tree, without its modules' go.mod
        GOPATH: "/usr/share/gocode",
        GOPROXY: "off",
        GOFLAGS: "",
        // Go's build cache lives under HOME; CI may run without one.
        ...(Deno.env.get("HOME") || Deno.env.get("GOCACHE") ? {} : { GOCACHE: `${dir}/gocache` }),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `cannot run go (.ci/run installs golang-go and golang-github-aws-aws-sdk-go-v2-dev): ${error}`,
    );
  }
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
  return output;
}

function assertNoSecrets(text: string) {
  assert.doesNotMatch(text, new RegExp(TEST_USER.secretAccessKey.replaceAll("/", "\\/")));
  assert.doesNotMatch(text, /IQoJb3JpZ2lu/, "a session token was printed");
  assert.doesNotMatch(text, /\b\d{6}\b/, "an MFA code was printed");
}

Deno.test("exec --server: the AWS CLI, boto3, JS and Go SDKs across role lifetimes, one MFA code", async () => {
  await using world = await serverWorld();
  const goCaller = await buildGoCaller(world.sandbox.home);
  world.sts.roleLifetimeSeconds = ROLE_SECONDS;
  const result = await runCli(
    world.sandbox,
    ["exec", "--profile=singer", "--server", "--", Deno.execPath(), "run", "-q", "-A"].concat(
      `--config=${REPO}deno.json`,
      `${REPO}tests/support/callers/all.ts`,
    ),
    {
      env: {
        VEGAS_CREDENTIALS_TEST_FRESHNESS_MARGIN_SECONDS: String(MARGIN_SECONDS),
        CALLERS_DEADLINE_MS: String(Date.now() + DEADLINE_MS),
        CALLERS_MIN_CALLS: String(MIN_CALLS),
        CALLERS_MIN_KEYS: String(MIN_KEYS),
        STS_ENDPOINT: world.sts.url,
        GO_CALLER: goCaller,
      },
    },
  );
  const lines = result.stdout.trim().split("\n");
  const summaryLine = lines.find((line) => line.startsWith("SUMMARY "));
  assert.ok(summaryLine, `no summary:\n${result.stdout}\n${result.stderr}`);
  const summary = JSON.parse(summaryLine.slice("SUMMARY ".length));
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

  // Every call of every caller succeeded, as the role, and each caller saw refreshed keys.
  const calls = lines.filter((line) => / (ok|FAIL) /.test(line));
  assert.deepEqual(calls.filter((line) => line.includes(" FAIL ")), []);
  for (const line of calls) {
    assert.match(line, /^\w+ ok arn:aws:sts::222222222222:assumed-role\/SingerRole\/\S+$/);
  }
  assert.deepEqual(summary.codes, { aws: 0, boto3: 0, js: 0, go: 0 });
  for (const caller of ["aws", "boto3", "js", "go"]) {
    const line = lines.find((l) => l.startsWith(`${caller} summary `));
    assert.ok(line, `${caller} has no summary`);
    const counts = JSON.parse(line.slice(`${caller} summary `.length));
    assert.equal(counts.failed, 0, caller);
    assert.ok(counts.calls >= (caller === "aws" ? 2 : MIN_CALLS), `${caller}: ${line}`);
    if (caller !== "aws") assert.ok(counts.keys >= MIN_KEYS, `${caller} never refreshed: ${line}`);
  }

  // STS: one MFA code in all, and the role assumed again and again with the session's keys.
  const sts = world.sts.calls;
  assert.equal(sts.filter((c) => "TokenCode" in c.params).length, 1);
  assert.equal(world.sts.count("GetSessionToken", true), 1);
  const assumed = sts.filter((c) => c.action === "AssumeRole");
  assert.ok(assumed.length >= MIN_KEYS, `${assumed.length} AssumeRole calls`);
  for (const call of assumed) {
    assert.ok(call.ok);
    assert.match(call.accessKeyId!, /^ASIA/);
  }
  const identities = sts.filter((c) => c.action === "GetCallerIdentity");
  assert.deepEqual(identities.filter((c) => !c.ok), []);
  assert.ok(new Set(identities.map((c) => c.accessKeyId)).size >= 3);

  // The server's answer and its refusals.
  assert.deepEqual(summary.staticKeys, []);
  assert.ok(summary.tokenLength >= 43, "a 256-bit token");
  assert.ok(summary.pathLength >= 20, "a random path");
  assert.deepEqual(summary.right, {
    status: 200,
    fields: ["AccessKeyId", "AccountId", "Expiration", "RoleArn", "SecretAccessKey", "Token"],
    AccountId: "222222222222",
    RoleArn: TEST_ROLE_ARN,
    Expiration: summary.right.Expiration,
    keyShape: true,
  });
  assert.match(summary.right.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const statuses = Object.fromEntries(
    Object.entries(summary.refusals as Record<string, { status: number }>).map((
      [name, { status }],
    ) => [name, status]),
  );
  assert.deepEqual(statuses, {
    wrongToken: 403,
    noToken: 403,
    otherPath: 404,
    query: 404,
    post: 405,
    rebound: 400,
  });
  for (const { body } of Object.values(summary.refusals as Record<string, { body: string }>)) {
    assert.match(body, /^\{"code":"\w+","message":"[^"\n]+"\}\n$/);
  }

  // The server ended with the command: nothing run with this sandbox's HOME listens on its port.
  const ours = `HOME=${world.sandbox.home}`;
  const left = await listenersOn(summary.port);
  assert.deepEqual(left.filter(({ environment }) => environment.includes(ours)), []);
  assertNoSecrets(result.stderr);
  assertNoSecrets(lines.filter((line) => !line.startsWith("SUMMARY ")).join("\n"));
});

Deno.test("exec --server: refused when [default] holds keys the AWS tools would use first", async () => {
  // The usual setup of the rest of the suite: the IAM user's keys in [default].
  await using world = await makeWorld({ source: `vegas_mfa_process = ${TOTP_COMMAND}` });
  const marker = `${world.sandbox.home}/ran`;
  const result = await runCli(world.sandbox, [
    "exec",
    "-p",
    "singer",
    "--server",
    "--",
    "touch",
    marker,
  ]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `^vegas-credentials: exec --server: profile 'default' in ${world.sandbox.credentialsFile} ` +
        `has aws_access_key_id, which AWS tools use before container credentials, so the command ` +
        `would not run as profile 'singer'; `,
    ),
  );
  assert.throws(() => Deno.statSync(marker), Deno.errors.NotFound);
  assert.equal(world.sts.calls.length, 0, "refused before any STS call");
});

Deno.test("exec --server: switched on by the variable or the profile key, off by --server=false", async () => {
  const keyed = CONFIG.replace(
    "region = us-east-1",
    "region = us-east-1\nvegas_exec_server = true",
  );
  await using world = await serverWorld(keyed);
  const probe = [
    "sh",
    "-c",
    'echo "uri=${AWS_CONTAINER_CREDENTIALS_FULL_URI:+set} ' +
    'key=${AWS_ACCESS_KEY_ID:+set} region=$AWS_REGION"',
  ];
  const exec = (flags: string[], env?: Record<string, string>) =>
    runCli(world.sandbox, ["exec", "-p", "singer", ...flags, "--", ...probe], { env });

  const byKey = await exec([]);
  assert.equal(byKey.code, 0, byKey.stderr);
  assert.equal(byKey.stdout, "uri=set key= region=us-east-1\n");
  const off = await exec(["--server=false"]);
  assert.equal(off.stdout, "uri= key=set region=us-east-1\n");
  const offByVariable = await exec([], { VEGAS_CREDENTIALS_EXEC_SERVER: "0" });
  assert.equal(offByVariable.stdout, "uri= key=set region=us-east-1\n");

  world.sandbox.writeConfig(CONFIG);
  const byVariable = await exec([], { VEGAS_CREDENTIALS_EXEC_SERVER: "1" });
  assert.equal(byVariable.stdout, "uri=set key= region=us-east-1\n");
  assert.equal((await exec([])).stdout, "uri= key=set region=us-east-1\n");

  world.sandbox.writeConfig(CONFIG.replace("region = us-east-1", "vegas_exec_server = yes"));
  const bad = await exec(["--server"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, "");
  assert.equal(
    bad.stderr,
    `vegas-credentials: profile 'singer' in ${world.sandbox.configFile}: vegas_exec_server ` +
      `'yes' must be true or false\n`,
  );
});

Deno.test("exec --server: a refresh that fails while the previous credentials last is said once on the terminal", async () => {
  await using world = await serverWorld();
  // With a freshness margin of 100 s (150 s under the MFA session), credentials of 120 s are taken
  // but never fresh, yet last more than the minute of grace: every request refreshes, and a failed
  // refresh answers the previous credentials.
  world.sts.roleLifetimeSeconds = 120;
  const home = world.sandbox.home;
  Deno.writeTextFileSync(
    `${home}/caller.py`,
    `import json, os, time, urllib.request
def get():
    request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    with urllib.request.urlopen(request) as answer:
        print(answer.status, json.load(answer)["AccessKeyId"], flush=True)
get()
open("${home}/asked", "w").close()
while not os.path.exists("${home}/broken"):
    time.sleep(0.05)
get()
get()
`,
  );
  const run = runCli(world.sandbox, [
    "exec",
    "-p",
    "singer",
    "--server",
    "--",
    "python3",
    `${home}/caller.py`,
  ], { env: { VEGAS_CREDENTIALS_TEST_FRESHNESS_MARGIN_SECONDS: "100" } });
  await waitFor("the first request", () => {
    try {
      return Deno.statSync(`${home}/asked`).isFile;
    } catch {
      return undefined;
    }
  });
  const denied = "User is not authorized to perform: sts:AssumeRole";
  world.sts.injectFaults(
    { status: 403, code: "AccessDenied", message: denied },
    { status: 403, code: "AccessDenied", message: denied },
  );
  const before = world.sts.calls.length;
  Deno.writeTextFileSync(`${home}/broken`, "");
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  const keys = result.stdout.trim().split("\n");
  assert.equal(keys.length, 3, result.stdout);
  assert.ok(keys.every((line) => line === keys[0]), `the previous credentials: ${keys}`);
  // One failed refresh: the next request within the minute gets the previous credentials without
  // trying again (a cancelled MFA prompt would otherwise come straight back).
  assert.deepEqual(
    world.sts.calls.slice(before).map((call) => `${call.action}:${call.ok}`),
    ["AssumeRole:false"],
  );
  const said = result.stderr.split("\n").filter((line) => /refresh/.test(line));
  assert.equal(said.length, 1, `said once: ${result.stderr}`);
  assert.match(
    said[0],
    /^vegas-credentials: credential server: refreshing the credentials of profile 'singer' failed: .*AccessDenied.*; the command gets the previous ones \(they last 1 more minute\)$/,
  );
  assertNoSecrets(result.stderr);
});
