/**
 * `console` end to end: the program run as a subprocess against the STS emulator and its emulated
 * console sign-in (tests/support/federation.ts), the sign-in URL followed over HTTP as a browser
 * does, a `--browser` script, and a real headless Chromium landing on the console page.
 */
import assert from "node:assert/strict";
import {
  makeSandbox,
  parseCredentialOutput,
  runCli,
  type Sandbox,
  standardCredentials,
  TEST_USER,
  TOTP_COMMAND,
} from "../support/harness.ts";
import { startStsEmulator, type StsEmulator } from "../support/sts_server.ts";
import { FEDERATION_PATH } from "../support/federation.ts";
import { makeWorld } from "../support/world.ts";

const MFA = `vegas_mfa_process = ${TOTP_COMMAND}`;

/** A role in each partition with a console, and one without. */
const PARTITION_ROLES = {
  aws: "arn:aws:iam::222222222222:role/SingerRole",
  "aws-cn": "arn:aws-cn:iam::444444444444:role/team/PandaRole",
  "aws-us-gov": "arn:aws-us-gov:iam::555555555555:role/EagleRole",
  "aws-iso": "arn:aws-iso:iam::666666666666:role/SecretRole",
} as const;

/**
 * The STS emulator knowing {@link PARTITION_ROLES}, and a sandbox with one profile per partition
 * (named after it) on a source profile with an MFA session: one MFA code serves every role.
 */
async function partitionWorld(): Promise<
  { sandbox: Sandbox; sts: StsEmulator } & AsyncDisposable
> {
  const sts = await startStsEmulator({
    users: [{ ...TEST_USER }],
    roles: Object.values(PARTITION_ROLES).map((arn) => ({ arn })),
  });
  const sandbox = makeSandbox();
  sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
  sandbox.env.VEGAS_CREDENTIALS_FEDERATION_URL = sts.url + FEDERATION_PATH;
  sandbox.writeCredentials(standardCredentials());
  sandbox.writeConfig([
    "[default]",
    `mfa_serial = ${TEST_USER.mfaSerial}`,
    MFA,
    "vegas_mfa_session_duration = 43200",
    ...Object.entries(PARTITION_ROLES).flatMap(([name, arn]) => [
      "",
      `[profile ${name}]`,
      `credential_process = vegas-credentials assume --profile=${name}`,
      `vegas_role_arn = ${arn}`,
      "vegas_source_profile = default",
      ...(name === "aws" ? ["region = eu-west-1"] : []),
    ]),
    "",
  ].join("\n"));
  return {
    sandbox,
    sts,
    async [Symbol.asyncDispose]() {
      await sts.close();
      await sandbox[Symbol.asyncDispose]();
    },
  };
}

/** The parameters of a login URL, checking its shape: the federation endpoint, `Action=login`. */
function loginParams(url: string, federationUrl: string): Record<string, string> {
  const parsed = new URL(url);
  assert.equal(parsed.origin + parsed.pathname, federationUrl);
  const params = [...parsed.searchParams];
  assert.deepEqual(params.map(([key]) => key), ["Action", "Issuer", "Destination", "SigninToken"]);
  const values = Object.fromEntries(params);
  assert.equal(values.Action, "login");
  assert.equal(values.Issuer, "vegas-credentials");
  assert.match(values.SigninToken, /^[\w-]{100,}$/);
  return values;
}

/** Follows a login URL as a browser does (redirect, cookie); resolves to the final page. */
async function followLogin(url: string): Promise<{ status: number; page: string; html: string }> {
  const login = await fetch(url, { redirect: "manual" });
  await login.body?.cancel();
  assert.equal(login.status, 302, "the login URL redirects to the console");
  const location = login.headers.get("location")!;
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  const console = await fetch(location, { headers: { cookie } });
  const target = new URL(location);
  return {
    status: console.status,
    page: target.pathname + target.search,
    html: await console.text(),
  };
}

/** Nothing secret on stderr: the URL, the sign-in token, the role's or the user's keys. */
async function assertNoSecretsIn(text: string, sandbox: Sandbox, profile: string, token?: string) {
  // The role credentials from the cache (a cache hit: no STS call).
  const cached = await runCli(sandbox, ["assume", `--profile=${profile}`]);
  assert.equal(cached.code, 0, cached.stderr);
  const credentials = parseCredentialOutput(cached.stdout);
  for (
    const secret of [
      credentials.SecretAccessKey,
      credentials.SessionToken!,
      encodeURIComponent(credentials.SessionToken!),
      TEST_USER.secretAccessKey,
      ...(token ? [token] : []),
    ]
  ) {
    assert.ok(!text.includes(secret), `a secret appeared: ${text}`);
  }
  assert.doesNotMatch(text, /SigninToken=|Session=|sessionKey|federation\?/);
  assert.doesNotMatch(text, /\b\d{6}\b/, "an MFA code was printed");
}

/** One line on stderr, exit 1, nothing on stdout, no stack trace. */
function assertOneLineFailure(result: { code: number; stdout: string; stderr: string }) {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.split("\n").length, 2, `not one line: ${result.stderr}`);
  assert.match(result.stderr, /^vegas-credentials: /);
  assert.doesNotMatch(result.stderr, /\bat .*:\d+:\d+/, "a stack trace");
}

Deno.test("console --print: the login URL for a role in each partition, region, service", async () => {
  await using world = await partitionWorld();
  const federationUrl = world.sts.url + FEDERATION_PATH;
  const cases = [
    // profile, extra options, expected console page (the region: the profile's, else the default)
    ["aws", ["--service=ec2"], "/ec2/home?region=eu-west-1"],
    ["aws-cn", [], "/console/home?region=cn-north-1"],
    [
      "aws-us-gov",
      ["--service", "s3", "--region", "us-gov-east-1"],
      "/s3/home?region=us-gov-east-1",
    ],
    ["aws", ["--region=ap-southeast-2"], "/console/home?region=ap-southeast-2"],
  ] as const;
  for (const [profile, options, page] of cases) {
    const result = await runCli(world.sandbox, ["console", "-p", profile, "--print", ...options]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[^\n]+\n$/, "the URL and nothing else");
    const url = result.stdout.trim();
    const params = loginParams(url, federationUrl);
    await assertNoSecretsIn(result.stderr, world.sandbox, profile, params.SigninToken);
    assert.equal(params.Destination, world.sts.url + page);
    const landed = await followLogin(url);
    assert.equal(landed.status, 200);
    assert.equal(landed.page, page);
    const roleName = PARTITION_ROLES[profile].split("/").at(-1)!;
    assert.match(landed.html, new RegExp(`id="identity">${roleName}/`));
    assert.match(landed.html, new RegExp(`id="role">${PARTITION_ROLES[profile]}<`));
  }
  // One MFA code for everything; each role assumed once, later runs hit the cache.
  assert.equal(world.sts.count("GetSessionToken", true), 1);
  assert.equal(world.sts.count("AssumeRole", true), 3);
  assert.equal(world.sts.federation.calls.filter((c) => c.action === "getSigninToken").length, 4);

  const destination = await runCli(world.sandbox, [
    "console",
    "-p",
    "aws",
    "--print",
    `--destination=${world.sts.url}/cloudwatch/home?region=eu-north-1#alarms`,
  ]);
  assert.equal(destination.code, 0, destination.stderr);
  assert.equal(
    loginParams(destination.stdout.trim(), federationUrl).Destination,
    `${world.sts.url}/cloudwatch/home?region=eu-north-1#alarms`,
  );
  assert.equal(world.sts.count("AssumeRole", true), 3, "no new credentials: the cache was fresh");
});

Deno.test("console: a partition without a known console is refused before any MFA prompt", async () => {
  await using world = await partitionWorld();
  const result = await runCli(world.sandbox, ["console", "-p", "aws-iso", "--print"]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^vegas-credentials: profile 'aws-iso' in \S+\/\.aws\/config: vegas_role_arn is in partition 'aws-iso', which has no AWS console sign-in .*\(aws, aws-cn, aws-us-gov\)\n$/,
  );
  assert.equal(world.sts.calls.length, 0);
});

Deno.test("console --browser SCRIPT and BROWSER: the script gets the URL, nothing else does", async () => {
  await using world = await makeWorld({ source: MFA });
  const sandbox = world.sandbox;
  sandbox.env.VEGAS_CREDENTIALS_FEDERATION_URL = world.sts.url + FEDERATION_PATH;
  const script = `${sandbox.home}/bin/fake-browser`;
  Deno.writeTextFileSync(
    script,
    `#!/bin/sh\nprintf '%s\\n' "$@" > "$0.args"\nenv > "$0.env"\necho "opening $1"\necho "opening $1" >&2\n`,
    { mode: 0o755 },
  );

  const result = await runCli(sandbox, ["console", "-p", "singer", "--browser", script, "-v"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "", "the browser's stdout does not reach ours");
  assert.match(result.stderr, /opened the AWS console for profile 'singer' with \S+fake-browser/);
  const args = Deno.readTextFileSync(`${script}.args`).trimEnd().split("\n");
  assert.equal(args.length, 1);
  const params = loginParams(args[0], world.sts.url + FEDERATION_PATH);
  assert.equal(params.Destination, `${world.sts.url}/console/home?region=us-east-1`);
  const landed = await followLogin(args[0]);
  assert.match(landed.html, /id="identity">SingerRole\/[^<]+ @ 2222-2222-2222</);
  await assertNoSecretsIn(result.stderr, sandbox, "singer", params.SigninToken);
  // The browser's environment holds no credentials either.
  await assertNoSecretsIn(Deno.readTextFileSync(`${script}.env`), sandbox, "singer");

  // `%s` places the URL; BROWSER is used without --browser (the first command that starts).
  const placed = await runCli(sandbox, ["console", "-p", "singer", "--service=iam"], {
    env: { BROWSER: `/nonexistent/browser:${script} --new-tab=%s --flag` },
  });
  assert.equal(placed.code, 0, placed.stderr);
  const placedArgs = Deno.readTextFileSync(`${script}.args`).trimEnd().split("\n");
  assert.equal(placedArgs.length, 2);
  assert.equal(placedArgs[1], "--flag");
  assert.ok(placedArgs[0].startsWith("--new-tab=http://"));
  assert.equal(
    loginParams(placedArgs[0].slice("--new-tab=".length), world.sts.url + FEDERATION_PATH)
      .Destination,
    `${world.sts.url}/iam/home?region=us-east-1`,
  );
  assert.equal(world.sts.count("AssumeRole"), 1, "one MFA prompt, then the cache");
});

Deno.test("console: a browser that cannot be started or fails is one line naming it", async () => {
  await using world = await makeWorld({ source: MFA });
  const sandbox = world.sandbox;
  sandbox.env.VEGAS_CREDENTIALS_FEDERATION_URL = world.sts.url + FEDERATION_PATH;

  const missing = await runCli(sandbox, ["console", "-p", "singer", "--browser=no-such-browser"]);
  assertOneLineFailure(missing);
  assert.match(missing.stderr, /cannot start the browser 'no-such-browser': not found/);

  // A browser that fails and repeats the URL in its complaint: the URL is cut out.
  const script = `${sandbox.home}/bin/broken-browser`;
  Deno.writeTextFileSync(
    script,
    `#!/bin/sh\necho "broken-browser: cannot open $1 (token \${1##*SigninToken=})" >&2\nexit 3\n`,
    { mode: 0o755 },
  );
  const failed = await runCli(sandbox, ["console", "-p", "singer", "--browser", script]);
  assertOneLineFailure(failed);
  assert.match(
    failed.stderr,
    /the browser command '\S+broken-browser' failed \(exit status 3\): broken-browser: cannot open … \(token …\)\n$/,
  );
  await assertNoSecretsIn(failed.stderr, sandbox, "singer");

  // The system's URL handler, when there is none: PATH holds nothing but setsid.
  const bin = Deno.makeTempDirSync({ dir: sandbox.home });
  Deno.symlinkSync("/usr/bin/setsid", `${bin}/setsid`);
  const none = await runCli(sandbox, ["console", "-p", "singer"], { env: { PATH: bin } });
  assertOneLineFailure(none);
  assert.match(
    none.stderr,
    /cannot start the browser 'xdg-open': not found \(choose one with --browser CMD or BROWSER, or use --print\)/,
  );
  assert.equal(world.sts.count("AssumeRole"), 1);
});

Deno.test("console: federation endpoint errors are one line, exit 1, no secret", async () => {
  await using world = await makeWorld({ source: MFA });
  const sandbox = world.sandbox;
  const federationUrl = world.sts.url + FEDERATION_PATH;
  sandbox.env.VEGAS_CREDENTIALS_FEDERATION_URL = federationUrl;
  const run = (env?: Record<string, string>) =>
    runCli(sandbox, ["console", "-p", "singer", "--print"], { env });
  const ok = await runCli(sandbox, ["console", "-p", "singer", "--print", "--verbose"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /requesting a console sign-in token for profile 'singer'/);
  const token = loginParams(ok.stdout.trim(), federationUrl).SigninToken;
  await assertNoSecretsIn(ok.stderr, sandbox, "singer", token);

  world.sts.federation.injectFaults({ status: 500, body: "Internal Server Error" });
  const failing = await run();
  assertOneLineFailure(failing);
  assert.match(
    failing.stderr,
    new RegExp(
      `the AWS sign-in endpoint ${federationUrl} failed for profile 'singer' \\(HTTP 500\\)`,
    ),
  );

  world.sts.federation.injectFaults({ status: 200, body: "<html>Sign in</html>" });
  const notJson = await run();
  assertOneLineFailure(notJson);
  assert.match(notJson.stderr, /answered profile 'singer' with something other than JSON\n$/);

  world.sts.federation.injectFaults({ status: 200, body: '{"Token":"x"}' });
  const noToken = await run();
  assertOneLineFailure(noToken);
  assert.match(noToken.stderr, /answered profile 'singer' without a SigninToken\n$/);

  // A port nothing listens on: 2, below the ports the OS hands out, so no other test process can
  // be given it meanwhile (as a port just freed can), and not one fetch blocks (such as 9).
  const closed = "http://127.0.0.1:2/federation";
  const refused = await run({ VEGAS_CREDENTIALS_FEDERATION_URL: closed });
  assertOneLineFailure(refused);
  assert.match(
    refused.stderr,
    new RegExp(
      `cannot reach the AWS sign-in endpoint ${closed} for profile 'singer': .*refused`,
      "i",
    ),
  );

  // The cached credentials still look fresh to the program, but STS has expired them.
  world.sts.expireIssuedCredentials();
  const expired = await run();
  assertOneLineFailure(expired);
  assert.match(
    expired.stderr,
    /refused the credentials of profile 'singer' \(HTTP 400\): they may have expired or been revoked; 'vegas-credentials cache clean --profile singer'/,
  );
  for (const result of [failing, notJson, noToken, refused, expired]) {
    await assertNoSecretsIn(result.stderr, sandbox, "singer");
  }
  assert.equal(world.sts.count("AssumeRole"), 1);
});

Deno.test("console: bad options are usage errors before any AWS call", async () => {
  await using world = await makeWorld({ source: MFA });
  const cases: [string[], RegExp][] = [
    [["--print", "--browser=x"], /--print and --browser exclude each other/],
    [["--service=ec2", "--destination=https://x/"], /--service and --destination exclude/],
    [["--service=../admin"], /--service '..\/admin' is not a console service name/],
    [["--region=mars"], /--region 'mars' is not an AWS region name/],
    [["--destination=/ec2/home"], /--destination must be a full console URL/],
    [["extra"], /unexpected argument 'extra'/],
  ];
  for (const [options, message] of cases) {
    const result = await runCli(world.sandbox, ["console", "-p", "singer", ...options]);
    assert.equal(result.code, 2, `${options}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  const noProfile = await runCli(world.sandbox, ["console", "--print"]);
  assert.equal(noProfile.code, 2);
  assert.match(noProfile.stderr, /console needs --profile=NAME/);
  const http = await runCli(world.sandbox, ["console", "-p", "singer", "--print"], {
    env: { VEGAS_CREDENTIALS_FEDERATION_URL: "http://signin.example.com/federation" },
  });
  assert.equal(http.code, 1);
  assert.match(
    http.stderr,
    /must be an https URL \(http only for 127\.0\.0\.1, localhost or \[::1\]\)/,
  );
  assert.equal(world.sts.calls.length, 0);
});

/** Debian's Chromium (`.ci/run` installs it). */
const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet, self-contained headless run as root (no sandbox: CI runs as root). */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
].join(" ");

Deno.test("console --browser: a real headless Chromium lands on the console page as the role", async () => {
  assert.ok(
    Deno.statSync(CHROMIUM).isFile,
    `${CHROMIUM} is missing: apt-get install chromium (as .ci/run does)`,
  );
  await using world = await makeWorld({
    source: `${MFA}\nregion = eu-west-1`,
    target: "role_session_name = FrankSinatra",
  });
  const sandbox = world.sandbox;
  sandbox.env.VEGAS_CREDENTIALS_FEDERATION_URL = world.sts.url + FEDERATION_PATH;
  const out = Deno.makeTempDirSync({ dir: sandbox.home, prefix: "chromium-" });
  // The browser command: Chromium loads the URL twice, once printing the page it landed on (after
  // the sign-in redirect), once taking a screenshot; each with a fresh profile.
  const wrapper = `${sandbox.home}/bin/headless-chromium`;
  Deno.writeTextFileSync(
    wrapper,
    [
      "#!/bin/sh",
      "set -e",
      `${CHROMIUM} ${CHROMIUM_FLAGS} --user-data-dir=${out}/dom-profile --dump-dom "$1" ` +
      `> ${out}/dom.html 2>> ${out}/chromium.log`,
      `${CHROMIUM} ${CHROMIUM_FLAGS} --user-data-dir=${out}/png-profile --window-size=900,420 ` +
      `--screenshot=${out}/console.png "$1" 2>> ${out}/chromium.log`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );

  const result = await runCli(sandbox, [
    "console",
    "-p",
    "singer",
    "--service=ec2",
    "--browser",
    wrapper,
  ]);
  assert.equal(result.code, 0, result.stderr + Deno.readTextFileSync(`${out}/chromium.log`));
  const dom = Deno.readTextFileSync(`${out}/dom.html`);
  assert.match(dom, /<title>SingerRole\/FrankSinatra \| Console Home<\/title>/, dom);
  assert.match(dom, /id="identity">SingerRole\/FrankSinatra @ 2222-2222-2222</);
  assert.match(dom, /id="role">arn:aws:iam::222222222222:role\/SingerRole</);
  assert.match(dom, /id="service">ec2</);
  assert.match(dom, /id="region">eu-west-1</);
  assert.match(dom, /id="issuer">vegas-credentials</);
  // Chromium's own requests: the sign-in redirect, then the console page with the session cookie.
  const visits = world.sts.federation.calls.filter((c) => c.action !== "getSigninToken");
  assert.deepEqual(
    visits.map((c) => `${c.action} ${c.status} ${c.page}`),
    [
      "login 302 /ec2/home?region=eu-west-1",
      "console 200 /ec2/home?region=eu-west-1",
      "login 302 /ec2/home?region=eu-west-1",
      "console 200 /ec2/home?region=eu-west-1",
    ],
  );
  const png = Deno.readFileSync(`${out}/console.png`);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG screenshot");
  if (Deno.env.get("VEGAS_UPDATE_DOCS_IMAGES")) {
    Deno.copyFileSync(
      `${out}/console.png`,
      new URL("../../docs/images/console.png", import.meta.url),
    );
  }
  await assertNoSecretsIn(result.stderr, sandbox, "singer");
});
