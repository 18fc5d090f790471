/**
 * The credential server of `exec --server` in-process, over real loopback HTTP: its refusals, its
 * answer, one refresh at a time, and closing. (tests/e2e/exec_server_test.ts runs it with real AWS
 * callers.)
 */
import assert from "node:assert/strict";
import {
  applyTestMargin,
  checkDefaultProfile,
  containerCredentialsJson,
  CredentialSupply,
  sameSecret,
  SERVER_REMOVED_VARIABLES,
  startCredentialServer,
} from "../../src/exec_server.ts";
import { type Credentials, freshness, FRESHNESS_MARGIN_SECONDS } from "../../src/credentials.ts";
import { childEnvironment, REMOVED_VARIABLES } from "../../src/commands/exec.ts";
import type { SharedFiles } from "../../src/config/files.ts";
import { ConfigError } from "../../src/errors.ts";
import type { Ui } from "../../src/ui.ts";
import { listenersOn } from "../support/listeners.ts";

const ROLE = "arn:aws:iam::222222222222:role/team/SingerRole";

function credentials(id: string, secondsLeft = 3600): Credentials {
  return {
    accessKeyId: `ASIA${id.padEnd(16, "X")}`,
    secretAccessKey: `secret-${id}`,
    sessionToken: `token-${id}`,
    expiration: new Date(Date.now() + secondsLeft * 1000),
  };
}

/** A Ui that keeps its lines. */
function recordingUi(): Ui & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (text: string) => void lines.push(text),
    debug: (text: string) => void lines.push(text),
  } as unknown as Ui & { lines: string[] };
}

/** One raw HTTP/1.1 request; resolves to the status and body. */
async function raw(
  port: number,
  lines: string[],
): Promise<{ status: number; body: string; head: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode([...lines, "Connection: close", "", ""].join("\r\n")),
    );
    let text = "";
    const buffer = new Uint8Array(4096);
    for (let n; (n = await conn.read(buffer)) !== null;) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const split = text.indexOf("\r\n\r\n");
    return {
      status: Number(text.slice(9, 12)),
      head: text.slice(0, split).toLowerCase(),
      body: text.slice(split + 4),
    };
  } finally {
    conn.close();
  }
}

Deno.test("credential server: answer, and every refusal in one line of JSON", async () => {
  const ui = recordingUi();
  await using server = await startCredentialServer({
    credentials: () => Promise.resolve(credentials("ONE")),
    roleArn: ROLE,
    ui,
  });
  const url = new URL(server.url);
  assert.equal(url.hostname, "127.0.0.1");
  assert.match(url.pathname, /^\/[\w-]{24}$/);
  assert.match(server.token, /^[\w-]{43}$/); // 256 bits
  const get = (extra: string[] = [], path = url.pathname, method = "GET") =>
    raw(Number(url.port), [`${method} ${path} HTTP/1.1`, ...extra]);
  const host = `Host: ${url.host}`;
  const auth = `Authorization: ${server.token}`;

  const ok = await get([host, auth]);
  assert.equal(ok.status, 200);
  assert.match(ok.head, /content-type: application\/json/);
  assert.match(ok.head, /cache-control: no-store/);
  assert.deepEqual(JSON.parse(ok.body), {
    AccessKeyId: "ASIAONEXXXXXXXXXXXXX",
    SecretAccessKey: "secret-ONE",
    Token: "token-ONE",
    Expiration: JSON.parse(ok.body).Expiration,
    AccountId: "222222222222",
    RoleArn: ROLE,
  });
  assert.ok(
    (await get([`Host: localhost:${url.port}`, auth])).status === 200,
    "localhost names the server too",
  );

  const refused = {
    wrongToken: await get([host, `Authorization: ${server.token.slice(1)}x`]),
    emptyToken: await get([host, "Authorization: "]),
    noToken: await get([host]),
    twoTokens: await get([host, auth, auth]),
    otherPath: await get([host, auth], "/"),
    longerPath: await get([host, auth], `${url.pathname}/x`),
    query: await get([host, auth], `${url.pathname}?a=b`),
    post: await get([host, auth], url.pathname, "POST"),
    head: await get([host, auth], url.pathname, "HEAD"),
    rebound: await get([`Host: attacker.example:${url.port}`, auth]),
    otherPort: await get([`Host: 127.0.0.1:${Number(url.port) + 1}`, auth]),
    noPort: await get(["Host: 127.0.0.1", auth]),
  };
  const statuses = Object.fromEntries(Object.entries(refused).map(([k, v]) => [k, v.status]));
  assert.deepEqual(statuses, {
    wrongToken: 403,
    emptyToken: 403,
    noToken: 403,
    twoTokens: 403,
    otherPath: 404,
    longerPath: 404,
    query: 404,
    post: 405,
    head: 405,
    rebound: 400,
    otherPort: 400,
    noPort: 400,
  });
  for (const [name, { body, head }] of Object.entries(refused)) {
    if (name === "head") continue; // no body to a HEAD request
    assert.match(body, /^\{"code":"\w+","message":"[^"\n]+"\}\n$/, name);
    assert.doesNotMatch(body, /secret|token-ONE/, name);
    assert.match(head, /content-type: application\/json/);
  }
  assert.match(refused.post.head, /\nallow: get/);
  // Nothing logged holds a key or the token.
  for (const line of ui.lines) {
    assert.doesNotMatch(line, new RegExp(`secret-ONE|token-ONE|${server.token}|${url.pathname}`));
  }
});

Deno.test("credential server: a failed refresh is a 500 with its one-line reason", async () => {
  const ui = recordingUi();
  await using server = await startCredentialServer({
    credentials: () => Promise.reject(new Error("no accepted MFA code within 120 s")),
    roleArn: ROLE,
    ui,
  });
  const response = await fetch(server.url, { headers: { authorization: server.token } });
  assert.equal(response.status, 500);
  assert.equal(
    await response.text(),
    '{"code":"RefreshFailed","message":"no accepted MFA code within 120 s"}\n',
  );
  assert.deepEqual(ui.lines, [
    "credential server: no credentials for the command: no accepted MFA code within 120 s",
  ]);
});

Deno.test("credential server: closing ends waiting requests and stops listening", async () => {
  const started = Promise.withResolvers<void>();
  const server = await startCredentialServer({
    // A refresh that waits on an MFA prompt nobody answers.
    credentials: () => (started.resolve(), new Promise<Credentials>(() => {})),
    roleArn: ROLE,
    ui: recordingUi(),
  });
  const port = Number(new URL(server.url).port);
  const waiting = fetch(server.url, { headers: { authorization: server.token } });
  await started.promise;
  const listensHere = async () => (await listenersOn(port)).some(({ pid }) => pid === Deno.pid);
  assert.equal(await listensHere(), true, "the check sees the open server");
  await server.close();
  const answer = await waiting;
  assert.equal(answer.status, 503);
  await answer.body?.cancel();
  // Not "a connect is refused": once the port is free, another test process may listen on it.
  assert.equal(await listensHere(), false, "this process still listens on the port");
});

Deno.test("credential supply: one refresh at a time, shared by concurrent requests", async () => {
  let fetches = 0;
  const release = Promise.withResolvers<void>();
  const supply = new CredentialSupply(async () => {
    fetches++;
    await release.promise;
    return credentials(`N${fetches}`);
  });
  const requests = [supply.get(), supply.get(), supply.get()];
  release.resolve();
  const answers = await Promise.all(requests);
  assert.equal(fetches, 1);
  assert.deepEqual(answers.map((c) => c.accessKeyId), Array(3).fill("ASIAN1XXXXXXXXXXXXXX"));
  await supply.get();
  assert.equal(fetches, 2, "the next request asks again (the cache decides what is fresh)");
});

Deno.test("credential supply: a slow refresh answers the previous credentials while they last", async () => {
  const previous = credentials("OLD", 300);
  const prompt = Promise.withResolvers<Credentials>();
  let fetches = 0;
  const supply = new CredentialSupply(() => (fetches++, prompt.promise), {
    last: previous,
    graceMs: 100,
  });
  const started = Date.now();
  assert.equal(await supply.get(), previous);
  assert.ok(Date.now() - started >= 90, "waited for the refresh first");
  assert.equal(await supply.get(), previous);
  assert.equal(fetches, 1, "the waiting refresh is shared, not started again");
  prompt.resolve(credentials("NEW"));
  assert.equal((await supply.get()).accessKeyId, "ASIANEWXXXXXXXXXXXXX");

  // Previous credentials with less than a minute left are not worth answering: wait.
  const late = Promise.withResolvers<Credentials>();
  const nearlyGone = new CredentialSupply(() => late.promise, {
    last: credentials("OLD", 30),
    graceMs: 100,
  });
  const answer = nearlyGone.get();
  setTimeout(() => late.resolve(credentials("LATE")), 300);
  assert.equal((await answer).accessKeyId, "ASIALATEXXXXXXXXXXXX");

  // A failed refresh: the previous credentials while they last, else the failure.
  const failing = new CredentialSupply(() => Promise.reject(new Error("MFA timeout")), {
    last: previous,
  });
  assert.equal(await failing.get(), previous);
  const failingCold = new CredentialSupply(() => Promise.reject(new Error("MFA timeout")));
  await assert.rejects(failingCold.get(), /MFA timeout/);
});

Deno.test("credential supply: a failed refresh behind the previous credentials is reported once per reason", async () => {
  const reports: string[] = [];
  let now = Date.now();
  let outcome: () => Promise<Credentials> = () => Promise.reject(new Error("AccessDenied"));
  const supply = new CredentialSupply(() => outcome(), {
    last: credentials("OLD", 630 + 300),
    now: () => now,
    report: (reason, minutes) => void reports.push(`${reason} ${minutes}`),
  });
  // Each request after the retry pause tries again.
  const later = async () => (now += 61_000, await supply.get());
  for (let i = 0; i < 3; i++) {
    assert.equal((await later()).accessKeyId, "ASIAOLDXXXXXXXXXXXXX");
  }
  assert.deepEqual(reports, ["AccessDenied 14"], "the same reason once");
  outcome = () => Promise.reject(new Error("ExpiredToken"));
  await later();
  outcome = () => Promise.resolve(credentials("NEW", 1230));
  await later();
  outcome = () => Promise.reject(new Error("ExpiredToken"));
  await later();
  assert.deepEqual(reports, ["AccessDenied 14", "ExpiredToken 11", "ExpiredToken 14"]);

  // Previous credentials with less than a minute left do not serve: the request fails instead.
  const late: string[] = [];
  const nearlyGone = new CredentialSupply(() => Promise.reject(new Error("denied")), {
    last: credentials("OLD", 30),
    report: (reason) => void late.push(reason),
  });
  await assert.rejects(nearlyGone.get(), /denied/);
  assert.deepEqual(late, []);
});

Deno.test("credential supply: a failed refresh is tried again after a minute, not on every request", async () => {
  let now = Date.now();
  let fetches = 0;
  let outcome: () => Promise<Credentials> = () => Promise.reject(new Error("cancelled"));
  const supply = new CredentialSupply(() => (fetches++, outcome()), {
    last: credentials("OLD", 630),
    now: () => now,
  });
  for (let i = 0; i < 5; i++) {
    assert.equal((await supply.get()).accessKeyId, "ASIAOLDXXXXXXXXXXXXX");
  }
  assert.equal(fetches, 1, "a refresh (an MFA prompt) on every request");
  now += 61_000;
  outcome = () => Promise.resolve(credentials("NEW", 3600));
  assert.equal((await supply.get()).accessKeyId, "ASIANEWXXXXXXXXXXXXX");
  assert.equal(fetches, 2);
  await supply.get();
  assert.equal(fetches, 3, "after a success, every request asks again (the cache decides)");

  // Previous credentials about to end: no waiting, every request tries.
  let tries = 0;
  const ending = new CredentialSupply(() => (tries++, Promise.reject(new Error("denied"))), {
    last: credentials("OLD", 30),
  });
  await assert.rejects(ending.get(), /denied/);
  await assert.rejects(ending.get(), /denied/);
  assert.equal(tries, 2);
});

Deno.test("exec --server: the JSON answer, token comparison, the child's variables", () => {
  const json = JSON.parse(containerCredentialsJson(credentials("A"), ROLE));
  assert.equal(json.AccountId, "222222222222");
  assert.match(json.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(sameSecret("abc", "abc"));
  assert.ok(!sameSecret("abc", "abd"));
  assert.ok(!sameSecret("abc", "abcd"));
  assert.ok(!sameSecret("", "abc"));

  const parent = {
    AWS_PROFILE: "x",
    AWS_ACCESS_KEY_ID: "AKIAPARENT",
    aws_secret_access_key: "parent-secret",
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials",
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/run/token",
    AWS_WEB_IDENTITY_TOKEN_FILE: "/run/jwt",
    AWS_ROLE_ARN: "arn:aws:iam::1:role/x",
    AWS_REGION: "eu-west-1",
    PATH: "/bin",
  };
  const child = childEnvironment(parent, [["AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://x"]], [
    ...REMOVED_VARIABLES,
    ...SERVER_REMOVED_VARIABLES,
  ]);
  assert.deepEqual(child, {
    AWS_REGION: "eu-west-1",
    PATH: "/bin",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://x",
  });
});

Deno.test("exec --server: a [default] profile the SDKs would use first is refused", () => {
  const files = (config: Record<string, string>, credentials: Record<string, string> = {}) => {
    const map = (o: Record<string, string>) => new Map(Object.entries(o));
    const merged = new Map([["default", map({ ...config, ...credentials })]]);
    return {
      configFile: "/h/.aws/config",
      credentialsFile: "/h/.aws/credentials",
      profiles: merged,
      config: new Map([["default", map(config)]]),
      credentials: new Map([["default", map(credentials)]]),
      services: new Map(),
    } as SharedFiles;
  };
  checkDefaultProfile(files({ region: "eu-west-1", mfa_serial: "x" }), "singer");
  assert.throws(
    () => checkDefaultProfile(files({}, { aws_access_key_id: "AKIA" }), "singer"),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.startsWith(
        "exec --server: profile 'default' in /h/.aws/credentials has aws_access_key_id",
      ),
  );
  for (const key of ["credential_process", "role_arn", "sso_session", "web_identity_token_file"]) {
    assert.throws(
      () => checkDefaultProfile(files({ [key]: "x" }), "singer"),
      new RegExp(`profile 'default' in /h/\\.aws/config has ${key}, `),
    );
  }
});

Deno.test("exec --server: the test-only margin can only lower the freshness margin", () => {
  try {
    applyTestMargin(() => "900");
    assert.equal(freshness.marginSeconds, FRESHNESS_MARGIN_SECONDS);
    applyTestMargin(() => "-1");
    assert.equal(freshness.marginSeconds, FRESHNESS_MARGIN_SECONDS);
    applyTestMargin(() => undefined);
    assert.equal(freshness.marginSeconds, FRESHNESS_MARGIN_SECONDS);
    applyTestMargin(() => "4");
    assert.equal(freshness.marginSeconds, 4);
  } finally {
    freshness.marginSeconds = FRESHNESS_MARGIN_SECONDS;
  }
});
