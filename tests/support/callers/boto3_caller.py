"""A caller on boto3 (Debian's python3-boto3): one long-lived client from the default credential
chain, GetCallerIdentity every second until it has made CALLERS_MIN_CALLS calls and seen
CALLERS_MIN_KEYS different access keys (the server refreshed them), or CALLERS_DEADLINE_MS (epoch
milliseconds) has passed. Prints one line per call and a summary line; exits 1 when a call failed.
STS_ENDPOINT is the STS emulator."""
import json
import os
import sys
import time

import boto3

deadline = int(os.environ["CALLERS_DEADLINE_MS"]) / 1000
min_calls = int(os.environ["CALLERS_MIN_CALLS"])
min_keys = int(os.environ["CALLERS_MIN_KEYS"])
session = boto3.session.Session()
client = session.client("sts", endpoint_url=os.environ["STS_ENDPOINT"])
keys = set()
calls = failed = 0
while True:
    calls += 1
    try:
        print("boto3 ok", client.get_caller_identity()["Arn"], flush=True)
    except Exception as error:  # every failure is a test failure: report it, go on
        failed += 1
        print("boto3 FAIL", type(error).__name__, str(error).splitlines()[0], flush=True)
    keys.add(session.get_credentials().get_frozen_credentials().access_key)
    if (calls >= min_calls and len(keys) >= min_keys) or time.time() >= deadline:
        break
    time.sleep(1)
print("boto3 summary", json.dumps({"calls": calls, "failed": failed, "keys": len(keys)}), flush=True)
sys.exit(1 if failed else 0)
