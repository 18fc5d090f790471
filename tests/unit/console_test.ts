/**
 * Unit tests of `console`'s building blocks: the partition table, the URLs, the sign-in token
 * request's error handling, redaction, and choosing the browser command.
 */
import assert from "node:assert/strict";
import {
  destinationUrl,
  fetchSigninToken,
  loginUrl,
  partitionEndpoints,
  partitionOf,
  REGION_PATTERN,
  SERVICE_PATTERN,
  signinTokenRequestUrl,
} from "../../src/console/federation.ts";
import { redact } from "../../src/console/redact.ts";
import { browserArgv, browserCommands, splitWords } from "../../src/console/browser.ts";
import { ConfigError, VegasError } from "../../src/errors.ts";
import type { Credentials } from "../../src/credentials.ts";

const CREDENTIALS: Credentials = {
  accessKeyId: "ASIAEXAMPLEEXAMPLE01",
  secretAccessKey: "se+cr/et=key&more",
  sessionToken: "to+ken/with=odd&chars",
  expiration: new Date("2030-01-01T00:00:00Z"),
};

const noEnv = (_name: string) => undefined;

Deno.test("console: each partition's sign-in and console hosts and default region", () => {
  const cases = [
    ["arn:aws:iam::1:role/R", "signin.aws.amazon.com", "console.aws.amazon.com", "us-east-1"],
    ["arn:aws-cn:iam::1:role/R", "signin.amazonaws.cn", "console.amazonaws.cn", "cn-north-1"],
    [
      "arn:aws-us-gov:iam::1:role/a/R",
      "signin.amazonaws-us-gov.com",
      "console.amazonaws-us-gov.com",
      "us-gov-west-1",
    ],
  ];
  for (const [arn, signin, console, region] of cases) {
    const endpoints = partitionEndpoints(partitionOf(arn))!;
    assert.equal(endpoints.federationUrl, `https://${signin}/federation`);
    assert.equal(endpoints.consoleUrl, `https://${console}/`);
    assert.equal(endpoints.defaultRegion, region);
    assert.equal(
      destinationUrl(endpoints.consoleUrl, "eu-west-1", "ec2"),
      `https://${console}/ec2/home?region=eu-west-1`,
    );
  }
  for (const partition of ["aws-iso", "aws-iso-b", "", "constructor", "__proto__"]) {
    assert.equal(partitionEndpoints(partition), undefined, partition);
    assert.equal(partitionEndpoints(partition, "http://127.0.0.1:1/federation"), undefined);
  }
});

Deno.test("console: the federation URL override and the console base that follows from it", () => {
  const local = partitionEndpoints("aws-cn", "http://127.0.0.1:8080/federation")!;
  assert.equal(local.federationUrl, "http://127.0.0.1:8080/federation");
  assert.equal(local.consoleUrl, "http://127.0.0.1:8080/");
  assert.equal(local.defaultRegion, "cn-north-1");
  const nested = partitionEndpoints("aws", "https://proxy.example.com/aws/federation")!;
  assert.equal(nested.consoleUrl, "https://proxy.example.com/aws/");
  assert.equal(
    destinationUrl(nested.consoleUrl, "us-east-1"),
    `${nested.consoleUrl}console/home?region=us-east-1`,
  );
  assert.ok(partitionEndpoints("aws", "http://localhost/federation"));
  assert.ok(partitionEndpoints("aws", "http://[::1]:9/federation"));
  for (
    const [bad, message] of [
      ["not a url", /is not a URL/],
      ["http://signin.example.com/federation", /must be an https URL/],
      ["ftp://127.0.0.1/federation", /must be an https URL/],
      ["https://x.example/federation?Action=login", /without query/],
      ["https://user:pw@x.example/federation", /without query, fragment or user name/],
    ] as const
  ) {
    assert.throws(() => partitionEndpoints("aws", bad), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^VEGAS_CREDENTIALS_FEDERATION_URL /);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /pw@/);
      return true;
    });
  }
});

Deno.test("console: service and region names", () => {
  for (const ok of ["ec2", "s3", "cloudwatch", "route53", "systems-manager"]) {
    assert.ok(SERVICE_PATTERN.test(ok), ok);
  }
  for (const bad of ["", "EC2", "../iam", "ec2/home", "a b", "-x", "ec2?x=1"]) {
    assert.ok(!SERVICE_PATTERN.test(bad), bad);
  }
  for (const ok of ["us-east-1", "cn-north-1", "us-gov-west-1", "ap-southeast-2", "il-central-1"]) {
    assert.ok(REGION_PATTERN.test(ok), ok);
  }
  for (const bad of ["mars", "us-east", "US-EAST-1", "us-east-1/../x", "us_east_1"]) {
    assert.ok(!REGION_PATTERN.test(bad), bad);
  }
});

Deno.test("console: the getSigninToken and login URLs encode every value", () => {
  const request = new URL(
    signinTokenRequestUrl("https://signin.aws.amazon.com/federation", CREDENTIALS),
  );
  assert.equal(request.origin + request.pathname, "https://signin.aws.amazon.com/federation");
  assert.equal(request.searchParams.get("Action"), "getSigninToken");
  assert.deepEqual(JSON.parse(request.searchParams.get("Session")!), {
    sessionId: CREDENTIALS.accessKeyId,
    sessionKey: CREDENTIALS.secretAccessKey,
    sessionToken: CREDENTIALS.sessionToken,
  });
  assert.doesNotMatch(request.search, /[+/=&]with/, "the token's characters are escaped");

  const destination = "https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:";
  const login = new URL(
    loginUrl("https://signin.aws.amazon.com/federation", destination, "t+k/n="),
  );
  assert.deepEqual([...login.searchParams], [
    ["Action", "login"],
    ["Issuer", "vegas-credentials"],
    ["Destination", destination],
    ["SigninToken", "t+k/n="],
  ]);
  assert.equal(login.hash, "", "the destination's fragment stays inside Destination");

  assert.throws(
    () =>
      signinTokenRequestUrl("https://x/federation", { ...CREDENTIALS, sessionToken: undefined }),
    /needs temporary credentials/,
  );
});

Deno.test("console: redact removes a secret in every encoding a URL gives it", () => {
  const url = signinTokenRequestUrl("http://127.0.0.1:9/federation", CREDENTIALS);
  const message =
    `error sending request for url (${url}): refused; key ${CREDENTIALS.secretAccessKey} ` +
    `${encodeURIComponent(CREDENTIALS.sessionToken!)}`;
  const cleaned = redact(message, [url, CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken!]);
  assert.equal(cleaned, "error sending request for url (…): refused; key … …");
  assert.equal(redact("nothing here", ["", "x+y"]), "nothing here");
});

/** A fetch that answers `status` with `body`, or throws `error`. */
function fakeFetch(answer: { status?: number; body?: string; error?: Error }): typeof fetch {
  return (_input, _init) => {
    if (answer.error) return Promise.reject(answer.error);
    return Promise.resolve(new Response(answer.body ?? "", { status: answer.status ?? 200 }));
  };
}

Deno.test("console: sign-in token answers and failures are one line without secrets", async () => {
  const endpoint = "https://signin.aws.amazon.com/federation";
  const get = (answer: Parameters<typeof fakeFetch>[0]) =>
    fetchSigninToken(endpoint, CREDENTIALS, "singer", { fetch: fakeFetch(answer) });
  assert.equal(await get({ body: '{"SigninToken":"abc"}' }), "abc");

  const url = signinTokenRequestUrl(endpoint, CREDENTIALS);
  const networkError = new TypeError("fetch failed", {
    cause: new Error(
      `error sending request for url (${url}): client error (Connect): dns error: failed to lookup`,
    ),
  });
  const timeout = new DOMException("The signal has been aborted", "TimeoutError");
  const cases: [Parameters<typeof fakeFetch>[0], RegExp][] = [
    [{ status: 400, body: url }, /refused the credentials of profile 'singer' \(HTTP 400\)/],
    [{ status: 403 }, /refused the credentials of profile 'singer' \(HTTP 403\)/],
    [{ status: 500, body: url }, /failed for profile 'singer' \(HTTP 500\); try again later$/],
    [{ status: 302 }, /failed for profile 'singer' \(HTTP 302\)/],
    [{ body: "<html>" }, /answered profile 'singer' with something other than JSON$/],
    [{ body: "null" }, /answered profile 'singer' without a SigninToken$/],
    [{ body: '{"SigninToken":42}' }, /without a SigninToken$/],
    [{ error: networkError }, /cannot reach .* for profile 'singer': failed to lookup$/],
    [{ error: timeout }, /cannot reach .* for profile 'singer': no answer in time$/],
  ];
  for (const [answer, message] of cases) {
    await assert.rejects(get(answer), (error) => {
      assert.ok(error instanceof VegasError);
      assert.match(error.message, message);
      assert.ok(
        error.message.startsWith(`cannot reach the AWS sign-in endpoint ${endpoint} `) ||
          error.message.startsWith(`the AWS sign-in endpoint ${endpoint} `),
      );
      assert.doesNotMatch(error.message, /\n/);
      for (const secret of [CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken!, "Session="]) {
        assert.ok(!error.message.includes(secret), error.message);
        assert.ok(!error.message.includes(encodeURIComponent(secret)), error.message);
      }
      assert.equal(error.cause, undefined, "the fetch error (which quotes the URL) is not kept");
      return true;
    });
  }
});

Deno.test("console: browser command words, BROWSER lists and platform defaults", () => {
  assert.deepEqual(splitWords(`firefox --new-tab "my profile" 'a b'c --x="1 2"`), [
    "firefox",
    "--new-tab",
    "my profile",
    "a bc",
    "--x=1 2",
  ]);
  assert.deepEqual(splitWords("   "), []);

  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(browserCommands("chromium --incognito", env({ BROWSER: "x" })), [
    { words: ["chromium", "--incognito"], origin: "--browser" },
  ]);
  assert.throws(() => browserCommands(" ", noEnv), /--browser needs a command/);
  assert.deepEqual(browserCommands(undefined, env({ BROWSER: "w3m:firefox %s::" }), "linux"), [
    { words: ["w3m"], origin: "BROWSER" },
    { words: ["firefox", "%s"], origin: "BROWSER" },
  ]);
  assert.deepEqual(
    browserCommands(undefined, env({ BROWSER: "C:\\Browsers\\b.exe;edge" }), "windows")
      .map((c) => c.words[0]),
    ["C:\\Browsers\\b.exe", "edge"],
  );
  assert.deepEqual(browserCommands(undefined, env({ BROWSER: "" }), "linux")[0].words, [
    "xdg-open",
  ]);
  assert.deepEqual(browserCommands(undefined, noEnv, "darwin")[0].words, ["open"]);
  assert.deepEqual(browserCommands(undefined, noEnv, "freebsd")[0].words, ["xdg-open"]);
  assert.deepEqual(browserCommands(undefined, noEnv, "windows")[0], {
    words: ["rundll32", "url.dll,FileProtocolHandler"],
    origin: "default",
  });

  const url = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=x%25s";
  assert.deepEqual(browserArgv({ words: ["open", "-a", "Safari"], origin: "BROWSER" }, url), [
    "open",
    "-a",
    "Safari",
    url,
  ]);
  assert.deepEqual(
    browserArgv({ words: ["b", "--url=%s", "--then"], origin: "--browser" }, url),
    ["b", `--url=${url}`, "--then"],
  );
});

Deno.test("console: its module is loaded lazily and embedded by deno compile", async () => {
  const { lazyModules } = await import("../../scripts/compile.ts");
  assert.ok(lazyModules("src").includes("src/commands/console.ts"));
});
