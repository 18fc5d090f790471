/**
 * The command of the `exec --server` end-to-end test: probes the credential server the way an
 * attacker on the same machine would, then runs four real AWS callers at once, each calling
 * GetCallerIdentity every second until it has seen the server refresh the keys (the SDKs: at least
 * CALLERS_MIN_CALLS calls and CALLERS_MIN_KEYS different keys; the AWS CLI: until the SDK callers
 * are done, at least two calls), or until CALLERS_DEADLINE_MS (epoch milliseconds), which only a
 * failing run reaches:
 *
 * - the AWS CLI (`/usr/bin/aws`), one process per call;
 * - boto3 (tests/support/callers/boto3_caller.py under Debian's `/usr/bin/python3`);
 * - the AWS SDK for JavaScript v3 (tests/support/callers/js_caller.ts under Deno);
 * - the AWS SDK for Go v2 (the binary GO_CALLER, built from tests/support/callers/go_caller).
 *
 * Their lines go to stdout as they come; the last line is `SUMMARY {json}`. Nothing printed holds a
 * key or the server's token. STS_ENDPOINT is the STS emulator.
 * @module
 */
const HERE = new URL(".", import.meta.url).pathname;
const REPO = new URL("../../../", import.meta.url).pathname;
const env = Deno.env.toObject();
const fullUri = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
const token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
const url = new URL(fullUri);
const deadline = Number(env.CALLERS_DEADLINE_MS);
const endpoint = env.STS_ENDPOINT;

/** One raw HTTP/1.1 request (fetch cannot send a Host header of its own choosing). */
async function raw(request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(4096);
    let text = "";
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return text;
  } finally {
    conn.close();
  }
}

/** Status and body of a request to the server. */
async function probe(
  init: { path?: string; method?: string; token?: string | null; host?: string },
): Promise<{ status: number; body: string }> {
  const headers = [`Host: ${init.host ?? url.host}`, "Connection: close"];
  const auth = init.token === undefined ? token : init.token;
  if (auth !== null) headers.push(`Authorization: ${auth}`);
  const text = await raw(
    `${init.method ?? "GET"} ${init.path ?? url.pathname} HTTP/1.1\r\n${
      headers.join("\r\n")
    }\r\n\r\n`,
  );
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

const right = await probe({});
const answer = JSON.parse(right.body);
const refusals = {
  wrongToken: await probe({ token: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") }),
  noToken: await probe({ token: null }),
  otherPath: await probe({ path: "/" }),
  query: await probe({ path: `${url.pathname}?x=1` }),
  post: await probe({ method: "POST" }),
  rebound: await probe({ host: `attacker.example:${url.port}` }),
};

/** Passes `stream`'s lines on to `write` as they come. */
async function lines(stream: ReadableStream<Uint8Array>, write: (line: string) => void) {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop()!;
    parts.forEach(write);
  }
  if (rest) write(rest);
}

/** Runs `command` with its output's lines passed on as they come; resolves to its exit code. */
async function run(name: string, command: string, args: string[]): Promise<number> {
  try {
    const child = new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).spawn();
    const [status] = await Promise.all([
      child.status,
      lines(child.stdout, (line) => console.log(line)),
      lines(child.stderr, (line) => console.error(`${name} stderr: ${line}`)),
    ]);
    return status.code;
  } catch (error) {
    console.log(`${name} FAIL ${error}`);
    return 1;
  }
}

/** The AWS CLI: one process per call, as a shell loop would, until `sdkCallers` have ended. */
async function awsLoop(sdkCallers: Promise<unknown>): Promise<number> {
  let sdkCallersDone = false;
  sdkCallers.finally(() => sdkCallersDone = true);
  let calls = 0;
  let failed = 0;
  for (;;) {
    calls++;
    const out = await new Deno.Command("/usr/bin/aws", {
      args: ["sts", "get-caller-identity", "--endpoint-url", endpoint, "--output", "text"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr).trim();
    if (out.success) console.log(`aws ok ${text.split(/\s+/).find((w) => w.startsWith("arn:"))}`);
    else {
      failed++;
      console.log(`aws FAIL ${text.split("\n").at(-1)}`);
    }
    if ((sdkCallersDone && calls >= 2) || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  console.log(`aws summary ${JSON.stringify({ calls, failed, keys: 0 })}`);
  return failed ? 1 : 0;
}

const sdkCallers = Promise.all([
  run("boto3", "/usr/bin/python3", [`${HERE}boto3_caller.py`]),
  run("js", Deno.execPath(), [
    "run",
    "-q",
    "-A",
    `--config=${REPO}deno.json`,
    `${HERE}js_caller.ts`,
  ]),
  run("go", env.GO_CALLER, []),
]);
const codes = [await awsLoop(sdkCallers), ...await sdkCallers];

console.log(
  "SUMMARY " + JSON.stringify({
    port: Number(url.port),
    pathLength: url.pathname.length,
    tokenLength: token.length,
    staticKeys: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]
      .filter((name) => name in env),
    right: { status: right.status, fields: Object.keys(answer).sort(), ...pick(answer) },
    refusals: Object.fromEntries(
      Object.entries(refusals).map(([name, { status, body }]) => [name, { status, body }]),
    ),
    codes: { aws: codes[0], boto3: codes[1], js: codes[2], go: codes[3] },
  }),
);

function pick(answer: Record<string, string>) {
  return {
    AccountId: answer.AccountId,
    RoleArn: answer.RoleArn,
    Expiration: answer.Expiration,
    keyShape: /^ASIA[A-Z0-9]{16}$/.test(answer.AccessKeyId),
  };
}
