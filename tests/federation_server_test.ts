/**
 * Tests proving that the emulated console sign-in (tests/support/federation.ts, served by the STS
 * emulator) is strict: only unexpired AssumeRole sessions it issued get a token, only a valid token
 * signs in, and only a signed-in browser sees the console page.
 */
import assert from "node:assert/strict";
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { type EmulatorUser, startStsEmulator, type StsEmulator } from "./support/sts_server.ts";
import { FEDERATION_PATH } from "./support/federation.ts";

const USER: EmulatorUser = {
  accessKeyId: "AKIAFEDERATIONTEST01",
  secretAccessKey: "federationTestSecretKey/0000000000000000",
  arn: "arn:aws:iam::111111111111:user/tester",
};
const ROLE = "arn:aws:iam::222222222222:role/ConsoleRole";

/** The emulator with one user and a role it may assume without MFA; dispose to stop it. */
async function start(): Promise<StsEmulator & AsyncDisposable> {
  const emu = await startStsEmulator({ users: [USER], roles: [{ arn: ROLE, requireMfa: false }] });
  return Object.assign(emu, { [Symbol.asyncDispose]: () => emu.close() });
}

interface Session {
  sessionId: string;
  sessionKey: string;
  sessionToken: string;
}

function client(
  emu: StsEmulator,
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
) {
  return new STSClient({
    region: "us-east-1",
    endpoint: emu.url,
    credentials: keys,
    maxAttempts: 1,
  });
}

async function assumeRole(emu: StsEmulator): Promise<Session> {
  const { Credentials: c } = await client(emu, USER).send(
    new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "tester" }),
  );
  return {
    sessionId: c!.AccessKeyId!,
    sessionKey: c!.SecretAccessKey!,
    sessionToken: c!.SessionToken!,
  };
}

async function getSigninToken(
  emu: StsEmulator,
  session: unknown,
): Promise<{ status: number; body: string }> {
  const url = new URL(emu.url + FEDERATION_PATH);
  url.searchParams.set("Action", "getSigninToken");
  url.searchParams.set("Session", typeof session === "string" ? session : JSON.stringify(session));
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

function loginUrl(
  emu: StsEmulator,
  token: string,
  destination = `${emu.url}/ec2/home?region=eu-west-1`,
) {
  const url = new URL(emu.url + FEDERATION_PATH);
  url.search = new URLSearchParams({
    Action: "login",
    Issuer: "test",
    Destination: destination,
    SigninToken: token,
  })
    .toString();
  return url.href;
}

Deno.test("federation emulator: getSigninToken only for unexpired AssumeRole sessions it issued", async () => {
  await using emu = await start();
  const session = await assumeRole(emu);
  const ok = await getSigninToken(emu, session);
  assert.equal(ok.status, 200);
  assert.match(JSON.parse(ok.body).SigninToken, /^[\w-]{300,}$/);

  const { Credentials: s } = await client(emu, USER).send(new GetSessionTokenCommand({}));
  const refused = [
    { ...session, sessionKey: session.sessionKey + "x" },
    { ...session, sessionToken: "forged" },
    { ...session, sessionId: "ASIAUNKNOWNKEY000000" },
    { sessionId: USER.accessKeyId, sessionKey: USER.secretAccessKey, sessionToken: "" },
    { sessionId: s!.AccessKeyId, sessionKey: s!.SecretAccessKey, sessionToken: s!.SessionToken },
    "not json",
    { sessionId: session.sessionId },
  ];
  for (const bad of refused) {
    assert.equal((await getSigninToken(emu, bad)).status, 400, JSON.stringify(bad));
  }

  emu.expireIssuedCredentials();
  assert.equal((await getSigninToken(emu, session)).status, 400, "expired");
  assert.equal(emu.calls.filter((c) => c.action === "").length, 0, "not taken for STS requests");
  assert.deepEqual(
    emu.federation.calls.map((c) => `${c.action} ${c.status}`),
    ["getSigninToken 200", ...refused.map(() => "getSigninToken 400"), "getSigninToken 400"],
  );
});

Deno.test("federation emulator: login needs a valid token and a destination on the emulator", async () => {
  await using emu = await start();
  const token = JSON.parse((await getSigninToken(emu, await assumeRole(emu))).body).SigninToken;

  const page = `${emu.url}/ec2/home?region=eu-west-1`;
  const anonymous = await fetch(page);
  assert.equal(anonymous.status, 403);
  assert.match(await anonymous.text(), /not signed in/);

  for (
    const bad of [loginUrl(emu, "forged"), loginUrl(emu, token, "https://evil.example/ec2/home")]
  ) {
    const response = await fetch(bad, { redirect: "manual" });
    await response.body?.cancel();
    assert.equal(response.status, 400, bad);
    assert.equal(response.headers.get("set-cookie"), null);
  }

  const login = await fetch(loginUrl(emu, token), { redirect: "manual" });
  await login.body?.cancel();
  assert.equal(login.status, 302);
  assert.equal(login.headers.get("location"), page);
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  const signedIn = await fetch(page, { headers: { cookie } });
  assert.equal(signedIn.status, 200);
  const html = await signedIn.text();
  assert.match(html, /id="identity">ConsoleRole\/tester @ 2222-2222-2222</);
  assert.match(html, /id="region">eu-west-1</);
  assert.match(html, /id="issuer">test</);

  // The token lasts 15 minutes on the emulator's clock.
  emu.clockOffsetMs += 15 * 60 * 1000 + 1000;
  const late = await fetch(loginUrl(emu, token), { redirect: "manual" });
  await late.body?.cancel();
  assert.equal(late.status, 400);

  const post = await fetch(emu.url + FEDERATION_PATH, { method: "POST", body: "Action=login" });
  await post.body?.cancel();
  assert.equal(post.status, 405);
});

Deno.test("federation emulator: queued faults answer the next getSigninToken requests", async () => {
  await using emu = await start();
  const session = await assumeRole(emu);
  emu.federation.injectFaults({ status: 500, body: "boom" }, { status: 200, body: "<html>" });
  assert.deepEqual(await getSigninToken(emu, session), { status: 500, body: "boom" });
  assert.deepEqual(await getSigninToken(emu, session), { status: 200, body: "<html>" });
  assert.equal((await getSigninToken(emu, session)).status, 200);
  assert.match((await getSigninToken(emu, session)).body, /^\{"SigninToken":"/);
});
