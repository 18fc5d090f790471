/**
 * The Windows Credential Manager, through Windows PowerShell calling `CredReadW`, `CredWriteW`,
 * `CredDeleteW` and `CredEnumerateW`. An entry is a generic credential named
 * `vegas-credentials/KIND/PROFILE`, its comment the masked key id. The script is fixed text, given
 * as `-EncodedCommand` (it holds no data); the operation, name and comment reach it in environment
 * variables, and the secret only on stdin (base64, so no console code page can change it).
 * @module
 */
import type { Env } from "../config/files.ts";
import type { ChildResult } from "../mfa/spawn.ts";
import { runHelper } from "./helper.ts";
import {
  type Entry,
  firstLine,
  type Keystore,
  KeystoreError,
  SERVICE,
  type StoredItem,
} from "./types.ts";

const INSTALL = "it comes with Windows (powershell.exe)";

/** Environment variables that carry the (non-secret) request into the script. */
export const VARIABLES = {
  operation: "VEGAS_KEYSTORE_OPERATION",
  target: "VEGAS_KEYSTORE_TARGET",
  comment: "VEGAS_KEYSTORE_COMMENT",
} as const;

/** Markers before each answer, so PowerShell noise is never taken for one. */
export const MARKERS = {
  secret: "vegas-secret:",
  missing: "vegas-missing",
  item: "vegas-item:",
  error: "vegas-error:",
} as const;

/** The credential's name (target) of `entry`. */
export function targetOf(entry: Entry): string {
  return `${SERVICE}/${entry.kind}/${entry.profile}`;
}

// The Win32 calls, wrapped so that each returns its error code (GetLastWin32Error read from
// PowerShell may belong to another call in between).
const CSHARP = `
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
public static class VegasCredentials {
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  struct Credential {
    public int Flags; public int Type; public string TargetName; public string Comment;
    public System.Runtime.InteropServices.ComTypes.FILETIME LastWritten;
    public int CredentialBlobSize; public IntPtr CredentialBlob; public int Persist;
    public int AttributeCount; public IntPtr Attributes; public string TargetAlias;
    public string UserName;
  }
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredReadW(string target, int type, int flags, out IntPtr credential);
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredWriteW(ref Credential credential, int flags);
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredDeleteW(string target, int type, int flags);
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredEnumerateW(string filter, int flags, out int count, out IntPtr list);
  [DllImport("advapi32.dll")]
  static extern void CredFree(IntPtr buffer);
  const int Generic = 1, LocalMachine = 2;
  public static int Read(string target, out byte[] blob) {
    blob = null;
    IntPtr found;
    if (!CredReadW(target, Generic, 0, out found)) return Marshal.GetLastWin32Error();
    try {
      Credential c = (Credential)Marshal.PtrToStructure(found, typeof(Credential));
      blob = new byte[c.CredentialBlobSize];
      Marshal.Copy(c.CredentialBlob, blob, 0, c.CredentialBlobSize);
      return 0;
    } finally { CredFree(found); }
  }
  public static int Write(string target, string comment, byte[] blob) {
    Credential c = new Credential();
    c.Type = Generic; c.TargetName = target; c.Comment = comment; c.Persist = LocalMachine;
    c.UserName = "${SERVICE}"; c.CredentialBlobSize = blob.Length;
    c.CredentialBlob = Marshal.AllocHGlobal(blob.Length);
    try {
      Marshal.Copy(blob, 0, c.CredentialBlob, blob.Length);
      return CredWriteW(ref c, 0) ? 0 : Marshal.GetLastWin32Error();
    } finally {
      Marshal.Copy(new byte[blob.Length], 0, c.CredentialBlob, blob.Length);
      Marshal.FreeHGlobal(c.CredentialBlob);
    }
  }
  public static int Delete(string target) {
    return CredDeleteW(target, Generic, 0) ? 0 : Marshal.GetLastWin32Error();
  }
  public static int List(string filter, List<string> items) {
    int count; IntPtr list;
    if (!CredEnumerateW(filter, 0, out count, out list)) return Marshal.GetLastWin32Error();
    try {
      for (int i = 0; i < count; i++) {
        IntPtr one = Marshal.ReadIntPtr(list, i * IntPtr.Size);
        Credential c = (Credential)Marshal.PtrToStructure(one, typeof(Credential));
        items.Add(c.TargetName + "\\n" + (c.Comment ?? ""));
      }
      return 0;
    } finally { CredFree(list); }
  }
}
`;

/**
 * The script: one operation per run, read from the environment. Exit 0 with a marker on stdout,
 * or exit 1 with `vegas-error: CODE` (a Win32 error code) on stderr.
 */
export function script(): string {
  const v = VARIABLES;
  const m = MARKERS;
  return [
    "$ErrorActionPreference = 'Stop'",
    "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8",
    `Add-Type -TypeDefinition @'${CSHARP}'@`,
    `$operation = $env:${v.operation}`,
    `$target = $env:${v.target}`,
    "$b64 = { param($text) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($text)) }",
    "$code = 0",
    "if ($operation -eq 'read') {",
    "  $blob = $null",
    "  $code = [VegasCredentials]::Read($target, [ref]$blob)",
    `  if ($code -eq 1168) { [Console]::Out.Write('${m.missing}'); exit 0 }`,
    `  if ($code -eq 0) { [Console]::Out.Write('${m.secret}' + [Convert]::ToBase64String($blob)) }`,
    "} elseif ($operation -eq 'write') {",
    "  $blob = [Convert]::FromBase64String([Console]::In.ReadToEnd().Trim())",
    `  $code = [VegasCredentials]::Write($target, $env:${v.comment}, $blob)`,
    "  [Array]::Clear($blob, 0, $blob.Length)",
    "} elseif ($operation -eq 'remove') {",
    "  $code = [VegasCredentials]::Delete($target)",
    `  if ($code -eq 1168) { [Console]::Out.Write('${m.missing}'); exit 0 }`,
    "} elseif ($operation -eq 'list') {",
    "  $items = New-Object 'System.Collections.Generic.List[string]'",
    "  $code = [VegasCredentials]::List($target, $items)",
    "  if ($code -eq 1168) { exit 0 }",
    `  foreach ($item in $items) { [Console]::Out.WriteLine('${m.item}' + (& $b64 $item)) }`,
    "} else { $code = 87 }",
    `if ($code -ne 0) { [Console]::Error.WriteLine('${m.error} ' + $code); exit 1 }`,
  ].join("\r\n") + "\r\n";
}

/** `-EncodedCommand`'s form of a script: base64 of its UTF-16LE bytes. */
export function encodedCommand(text: string): string {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    bytes[2 * i] = code & 0xff;
    bytes[2 * i + 1] = code >> 8;
  }
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The PowerShell arguments (the same for every operation: the request is in the environment). */
export function commandLine(): string[] {
  return ["-NoProfile", "-NonInteractive", "-EncodedCommand", encodedCommand(script())];
}

/** The environment of one operation (no secret: that goes to stdin). */
export function requestEnv(
  operation: "read" | "write" | "remove" | "list",
  target: string,
  comment = "",
): Record<string, string> {
  return {
    [VARIABLES.operation]: operation,
    [VARIABLES.target]: target,
    [VARIABLES.comment]: comment,
  };
}

function utf8FromBase64(text: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(text), (char) => char.charCodeAt(0)));
}

/** Base64 of the UTF-8 bytes of `text` (the stdin of a write). */
export function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** What a failed run means: Win32 error codes, else PowerShell's own first error line. */
export function failure(result: ChildResult): KeystoreError {
  const code = new RegExp(`${MARKERS.error} (\\d+)`).exec(result.stderr)?.[1];
  const said = code
    ? `Win32 error ${code}`
    : firstLine(result.stderr) || `exit code ${result.code}`;
  // ERROR_NO_SUCH_LOGON_SESSION: no user profile loaded (a service, a remote session).
  if (code === "1312") {
    return new KeystoreError(
      "wincred",
      "unavailable",
      "the Windows Credential Manager cannot be reached (no logon session: a service or remote " +
        "session without a loaded profile): run in your own logon session, or keep the keys in " +
        "pass: vegas_keystore = pass on the source profile",
    );
  }
  return new KeystoreError("wincred", "failed", `the Windows Credential Manager failed (${said})`);
}

/** Parses the marker lines of a `list` run. */
export function parseList(stdout: string): StoredItem[] {
  const items: StoredItem[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (!line.startsWith(MARKERS.item)) continue;
    const [target, comment] = utf8FromBase64(line.slice(MARKERS.item.length)).split("\n");
    const match = new RegExp(`^${SERVICE}/(keys|session)/(.*)$`, "s").exec(target);
    if (match) {
      items.push({
        kind: match[1] as "keys" | "session",
        profile: match[2],
        hint: comment || undefined,
      });
    }
  }
  return items;
}

/** The Credential Manager backend. */
export function wincred(env: Env): Keystore {
  const run = (request: Record<string, string>, stdin?: string) =>
    runHelper(
      {
        store: "wincred",
        program: "powershell.exe",
        args: commandLine(),
        env: request,
        stdin,
        install: INSTALL,
      },
      env,
    );
  return {
    name: "wincred",
    async read(entry) {
      const result = await run(requestEnv("read", targetOf(entry)));
      if (result.code !== 0) throw failure(result);
      const at = result.stdout.indexOf(MARKERS.secret);
      if (at >= 0) return utf8FromBase64(result.stdout.slice(at + MARKERS.secret.length).trim());
      if (result.stdout.includes(MARKERS.missing)) return undefined;
      throw failure(result);
    },
    async write(entry, secret, hint) {
      const result = await run(
        requestEnv("write", targetOf(entry), hint),
        base64Utf8(secret) + "\n",
      );
      if (result.code !== 0) throw failure(result);
    },
    async remove(entry) {
      const result = await run(requestEnv("remove", targetOf(entry)));
      if (result.code !== 0) throw failure(result);
      return !result.stdout.includes(MARKERS.missing);
    },
    async list() {
      const result = await run(requestEnv("list", `${SERVICE}/*`));
      if (result.code !== 0) throw failure(result);
      return parseList(result.stdout);
    },
  };
}
