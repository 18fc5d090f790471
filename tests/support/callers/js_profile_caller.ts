/**
 * A caller on the AWS SDK for JavaScript v3 (CDK's SDK) that uses a profile with
 * `credential_process`, as CDK does: the default provider chain with AWS_PROFILE set. Prints one
 * JSON line: the caller's ARN and the account id the SDK read from the process's answer.
 * @module
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const client = new STSClient({});
const identity = await client.send(new GetCallerIdentityCommand({}));
const credentials = await client.config.credentials();
console.log(JSON.stringify({ arn: identity.Arn, accountId: credentials.accountId ?? null }));
