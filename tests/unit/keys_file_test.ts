/**
 * `keys import`'s and `keys export`'s edits of the shared files: found with the INI reader's line
 * numbers, made with `config import`'s line editor, every other byte kept.
 */
import assert from "node:assert/strict";
import { findKeysInFiles, readSharedFile, withKeys } from "../../src/keystore/file_keys.ts";
import { joinLines } from "../../src/import/lines.ts";
import { ConfigError } from "../../src/errors.ts";
import type { Env } from "../../src/config/files.ts";

const ID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** Writes the two files to a temporary home; returns its environment. */
function home(config: string, credentials: string): { env: Env; dir: string } {
  const dir = Deno.makeTempDirSync({ prefix: "vegas-keys-" });
  Deno.writeTextFileSync(`${dir}/config`, config);
  Deno.writeTextFileSync(`${dir}/credentials`, credentials);
  const vars: Record<string, string> = {
    HOME: dir,
    AWS_CONFIG_FILE: `${dir}/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${dir}/credentials`,
  };
  return { env: (name) => vars[name], dir };
}

/** The file's text after the removal `keys import` would make. */
function removed(config: string, credentials: string, profile = "src"): string | undefined {
  const { env, dir } = home(config, credentials);
  try {
    const found = findKeysInFiles(profile, env);
    return found && joinLines(found.removal.lines);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function refused(config: string, credentials: string, pattern: RegExp) {
  assert.throws(() => removed(config, credentials), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(SECRET));
    return true;
  });
}

Deno.test("keys import edits: the key lines, and a section they leave empty", () => {
  // A section that keeps other settings keeps its header; the session token goes with the keys.
  assert.equal(
    removed(
      "",
      `[src]\nregion = eu-west-1\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n` +
        "aws_session_token = dG9rZW4=\n[other]\nx = 1\n",
    ),
    "[src]\nregion = eu-west-1\n[other]\nx = 1\n",
  );
  // An emptied last section without a final line break; the line before keeps its ending.
  assert.equal(
    removed("", `[a]\nk = v\n[src]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}`),
    "[a]\nk = v\n",
  );
  // CRLF line endings stay, and the `:` delimiter is read like `=`.
  assert.equal(
    removed(
      "",
      `# mine\r\n[src]\r\naws_access_key_id=${ID}\r\naws_secret_access_key:${SECRET}\r\n`,
    ),
    "# mine\r\n",
  );
  // Keys in the config file's profile section (botocore reads them there too).
  assert.equal(
    removed(
      `[profile src]\nmfa_serial = arn:aws:iam::1:mfa/u\naws_access_key_id = ${ID}\n` +
        `aws_secret_access_key = ${SECRET}\n`,
      "",
    ),
    "[profile src]\nmfa_serial = arn:aws:iam::1:mfa/u\n",
  );
  assert.equal(removed("", "[src]\nregion = x\n"), undefined);
});

Deno.test("keys import edits: what cannot be moved safely is refused, naming profile and file", () => {
  refused(
    "",
    `[DEFAULT]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n[src]\nregion = x\n`,
    /source profile 'src' in \S+credentials: aws_access_key_id comes from the \[DEFAULT\] section/,
  );
  refused(
    `[profile src]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`,
    `[src]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`,
    /source profile 'src' has keys in both \S+credentials and \S+config/,
  );
  refused("", `[src]\naws_access_key_id = ${ID}\n`, /aws_secret_access_key is missing or empty/);
  refused(
    "",
    `[src]\naws_access_key_id = nope\naws_secret_access_key = ${SECRET}\n`,
    /source profile 'src' in \S+credentials: the access key id is not an AWS access key id/,
  );
  refused(
    "",
    `[src]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n  more\n`,
    /the secret access key is empty or holds spaces/,
  );
});

Deno.test("keys export edits: into the profile's section, else a new one at the end", () => {
  const { dir } = home("", "");
  try {
    const edit = (text: string) => {
      Deno.writeTextFileSync(`${dir}/credentials`, text);
      return withKeys(readSharedFile(`${dir}/credentials`), "src", {
        accessKeyId: ID,
        secretAccessKey: SECRET,
      });
    };
    const keys = `aws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`;
    assert.equal(edit("[src]\nregion = x\n"), `[src]\n${keys}region = x\n`);
    assert.equal(edit("[a]\nk = v"), `[a]\nk = v\n\n[src]\n${keys}`);
    assert.equal(edit("[a]\nk = v\n\n"), `[a]\nk = v\n\n[src]\n${keys}`);
    assert.equal(edit(""), `[src]\n${keys}`);
    assert.equal(
      edit("[a]\r\nk = v\r\n"),
      `[a]\r\nk = v\r\n\r\n[src]\r\n${keys.replaceAll("\n", "\r\n")}`,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
