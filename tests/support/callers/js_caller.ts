/**
 * A caller on the AWS SDK for JavaScript v3 (CDK's SDK), run by Deno from npm: one client from the
 * default provider chain, GetCallerIdentity every second until it has made CALLERS_MIN_CALLS calls
 * and seen CALLERS_MIN_KEYS different access keys (the server refreshed them), or
 * CALLERS_DEADLINE_MS (epoch milliseconds) has passed. Prints one line per call and a summary
 * line; exits 1 when a call failed. The SDK finds the STS emulator through AWS_ENDPOINT_URL_STS.
 * @module
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const deadline = Number(Deno.env.get("CALLERS_DEADLINE_MS"));
const minCalls = Number(Deno.env.get("CALLERS_MIN_CALLS"));
const minKeys = Number(Deno.env.get("CALLERS_MIN_KEYS"));
const client = new STSClient({});
const keys = new Set<string>();
let calls = 0;
let failed = 0;
for (;;) {
  calls++;
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    console.log(`js ok ${out.Arn}`);
  } catch (error) {
    failed++;
    console.log(`js FAIL ${(error as Error).name}: ${(error as Error).message.split("\n")[0]}`);
  }
  keys.add((await client.config.credentials()).accessKeyId);
  if ((calls >= minCalls && keys.size >= minKeys) || Date.now() >= deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
console.log(`js summary ${JSON.stringify({ calls, failed, keys: keys.size })}`);
Deno.exit(failed ? 1 : 0);
