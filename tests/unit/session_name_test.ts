import assert from "node:assert/strict";
import { firstValidName, passwdFullName, sanitiseSessionName } from "../../src/session_name.ts";

Deno.test("session names: sanitised like STS wants, 2-64 characters", () => {
  assert.equal(sanitiseSessionName("Frank Sinatra (The Voice)"), "FrankSinatraTheVoice");
  assert.equal(sanitiseSessionName("a".repeat(80)).length, 64);
  assert.equal(sanitiseSessionName("é@x+=,.-_"), "@x+=,.-_");
  assert.equal(firstValidName(["  ", "ö", "frank", "host"]), "frank");
  assert.equal(firstValidName([undefined, undefined]), "vegas-credentials");
  assert.equal(
    passwdFullName(
      "root:x:0:0:root:/root:/bin/sh\nfs:x:1000:1000:Frank Sinatra,,,:/home/fs:/bin/sh\n",
      1000,
    ),
    "Frank Sinatra",
  );
  assert.equal(passwdFullName("fs:x:1000:1000::/home/fs:/bin/sh\n", 1000), undefined);
});
