/**
 * `deno task demo`: the real program end to end with no AWS account. Starts the local STS emulator,
 * writes a throwaway ~/.aws, then runs `assume` twice (a miss with an MFA prompt, then a cache hit)
 * and, when the AWS CLI is installed, `aws sts get-caller-identity` through credential_process.
 *
 * On a terminal you type the demo code shown; without one (or with `--auto`) a `vegas_mfa_process`
 * types it for you.
 */
import { startStsEmulator } from "./sts_server.ts";
import { totpSync } from "./totp.ts";
import {
  makeSandbox,
  standardConfig,
  standardCredentials,
  TEST_ROLE_ARN,
  TEST_USER,
  TOTP_COMMAND,
} from "./harness.ts";

const auto = Deno.args.includes("--auto") || !Deno.stdin.isTerminal();
const bold = (text: string) => Deno.stdout.isTerminal() ? `\x1b[1m${text}\x1b[0m` : text;
const say = (text = "") => console.log(text);

const sts = await startStsEmulator({ users: [{ ...TEST_USER }], roles: [{ arn: TEST_ROLE_ARN }] });
await using sandbox = makeSandbox();
try {
  sandbox.env.AWS_ENDPOINT_URL_STS = sts.url;
  delete sandbox.env.NO_COLOR;
  sandbox.writeConfig(
    standardConfig({
      source: auto ? `vegas_mfa_process = ${TOTP_COMMAND}` : "",
      target: "role_session_name = SinatraAtTheSands",
    }),
  );
  sandbox.writeCredentials(standardCredentials());

  say(bold("vegas-credentials demo") + ` — local STS emulator at ${sts.url} (no AWS account)`);
  say(`\n${bold("~/.aws/config")} (${sandbox.configFile}):`);
  say(Deno.readTextFileSync(sandbox.configFile).replace(/^/gm, "  ").trimEnd());
  say(`\nThe emulator checks SigV4 signatures and TOTP codes of the demo MFA device.`);

  const run = async (label: string) => {
    say(`\n${bold(`$ vegas-credentials assume --profile=singer`)}   # ${label}`);
    const started = performance.now();
    const child = new Deno.Command(sandbox.bin, {
      args: ["assume", "--profile=singer"],
      env: sandbox.env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const output = await child.output();
    const ms = Math.round(performance.now() - started);
    const text = new TextDecoder().decode(output.stdout).trim();
    if (!output.success) return false;
    const parsed = JSON.parse(text);
    const shown = { ...parsed, SecretAccessKey: "<hidden>", SessionToken: "<hidden>" };
    say(`  stdout: ${JSON.stringify(shown)}`);
    say(`  took ${ms} ms; STS AssumeRole calls so far: ${sts.count("AssumeRole", true)}`);
    return true;
  };
  /** Runs `assume`; on a terminal, a rejected or mistyped code gets a fresh code and a new try. */
  const runWithRetry = async (label: string) => {
    for (let attempt = 1; !(await run(label)); attempt++) {
      if (auto || attempt >= 3) throw new Error("assume failed (see the message above)");
      const next = totpSync(TEST_USER.totpSecret, Date.now() + 30_000 - (Date.now() % 30_000));
      say(`\nThat did not work. The demo device's next code is ${bold(next)} (valid from the next`);
      say(`30-second window; a code STS has accepted once is refused). Trying again.`);
    }
  };

  if (auto) {
    say(
      `\nNo terminal (or --auto): vegas_mfa_process prints the demo code, as a password manager would.`,
    );
  } else {
    say(
      `\nThe program will ask for an MFA code on your terminal. The demo device's current code is`,
    );
    say(`  ${bold(totpSync(TEST_USER.totpSecret))}  (a new one every 30 seconds: run`);
    say(
      `  'TOTP_SECRET=${TEST_USER.totpSecret} deno run -q --allow-env tests/support/totp.ts' for a fresh one)`,
    );
  }
  await runWithRetry("cache miss: MFA prompt, STS AssumeRole, cached");
  await runWithRetry("cache hit: no prompt, no STS call");

  const aws = ["/usr/bin/aws", "aws"].find((path) => {
    try {
      return new Deno.Command(path, { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      return false;
    }
  });
  if (aws) {
    // The AWS CLI 2.9 in Debian ignores AWS_ENDPOINT_URL_STS, so the emulator is named here.
    const args = [
      "sts",
      "get-caller-identity",
      "--profile",
      "singer",
      "--region",
      "us-east-1",
      "--endpoint-url",
      sts.url,
    ];
    say(`\n${bold(`$ aws ${args.join(" ")}`)}   # the AWS CLI runs vegas-credentials itself`);
    const out = await new Deno.Command(aws, {
      args,
      env: sandbox.env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error("aws sts get-caller-identity failed");
  } else {say(
      "\n(Install the AWS CLI to see it call vegas-credentials through credential_process.)",
    );}

  say(
    `\nSTS calls: ${sts.count("AssumeRole", true)} AssumeRole, ${
      sts.count("GetCallerIdentity", true)
    } GetCallerIdentity.`,
  );
  say(
    `Cache: ${sandbox.cacheDir} (mode 0700, files 0600). Everything was temporary and is now removed.`,
  );
} finally {
  await sts.close();
}
