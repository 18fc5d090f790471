/**
 * `doctor [--profile NAME]`: checks the setup of every vegas profile without calling AWS (but IAM
 * for the key ages, with a fresh MFA session), and says how to fix each problem. Exit 1 when any
 * problem is found.
 * @module
 */
import { load } from "../lazy.ts";
import type { CommandContext } from "./context.ts";
import { type Env, readSharedFiles, type SharedFiles } from "../config/files.ts";
import {
  CHAINED_ROLE_MAX_SECONDS,
  inspectProfile,
  type ResolvedProfile,
  runsVegas,
  shown,
} from "../config/resolve.ts";
import { sharedFileDisagreements } from "../config/sdk_dialects.ts";
import { colour } from "../sanitize.ts";
import { shlexSplit } from "../config/ini.ts";
import { cacheDir } from "../cache/key.ts";
import { cacheLocationProblem, readEntry } from "../cache/store.ts";
import { sharedFileWarnings } from "../config/file_safety.ts";
import type { Ui } from "../ui.ts";
import { detectInputs } from "./config_list.ts";
import { noPositionals, vegasProfileNames } from "./common.ts";
import { findOnPath } from "../find_program.ts";

/** How bad a finding is: problems make `doctor` exit 1, warnings do not. */
export type Severity = "ok" | "warning" | "problem";

/** One result of a check. */
export interface Finding {
  readonly severity: Severity;
  readonly message: string;
  /** What to do about it. */
  readonly fix?: string;
}

/** The findings about one subject: a profile, or the files and cache. */
export interface Report {
  readonly subject: string;
  readonly findings: Finding[];
}

const keystoreChecks = () =>
  load<typeof import("../keystore/checks.ts")>("../keystore/checks.ts", import.meta.url);

const ok = (message: string): Finding => ({ severity: "ok", message });
const problem = (message: string, fix: string): Finding => ({ severity: "problem", message, fix });
const warning = (message: string, fix: string): Finding => ({ severity: "warning", message, fix });

/**
 * Splits a `credential_process` line into words as botocore does (`shlex.split`); a line it cannot
 * split gives no words.
 */
export function splitCommandLine(line: string): string[] {
  try {
    return shlexSplit(line);
  } catch {
    return [];
  }
}

/** An absolute path on this OS (`/…`, or `C:\\…` on Windows). */
function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);
}

/** `name` as one shell word: quoted when it holds anything but safe characters. */
function shellWord(name: string): string {
  return /^[\w@%+=:,./-]+$/.test(name) ? name : `'${name.replaceAll("'", `'"'"'`)}'`;
}

/** The `--profile` / `-p` value of a `vegas-credentials assume` command line. */
export function profileArgument(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const inline = /^(?:--profile|-p)=(.*)$/.exec(word) ?? /^-p(.+)$/.exec(word);
    if (inline) return inline[1];
    if (word === "--profile" || word === "-p") return words[i + 1];
  }
  return undefined;
}

function credentialProcessFindings(
  name: string,
  target: ReadonlyMap<string, string>,
  env: Env,
): Finding[] {
  const line = target.get("credential_process");
  const words = line === undefined ? [] : splitCommandLine(line);
  // Suggested fixes keep the program the user wrote when it is an absolute path.
  const program = runsVegas(line) && isAbsolute(words[0] ?? "")
    ? shellWord(words[0])
    : "vegas-credentials";
  const wanted = `credential_process = ${program} assume --profile=${shellWord(name)}`;
  if (!line) {
    return [
      problem(
        "credential_process is missing: the AWS tools will not call vegas-credentials",
        `add: ${wanted}`,
      ),
    ];
  }
  if (!runsVegas(line)) {
    return [
      problem(
        `credential_process runs ${shown(words[0] ?? "")}, not vegas-credentials`,
        `write: ${wanted}`,
      ),
    ];
  }
  const findings: Finding[] = [];
  if (!words.includes("assume")) {
    findings.push(
      problem("credential_process does not run the assume command", `write: ${wanted}`),
    );
  }
  const named = profileArgument(words);
  if (named === undefined) {
    findings.push(problem("credential_process names no --profile", `write: ${wanted}`));
  } else if (named !== name) {
    findings.push(
      problem(
        `credential_process names profile ${shown(named)}, not ${
          shown(name)
        } (it would return another ` +
          `profile's credentials)`,
        `write: ${wanted}`,
      ),
    );
  }
  const command = words[0];
  if (!isAbsolute(command)) {
    const found = findOnPath(command, env);
    findings.push(
      warning(
        found
          ? `credential_process runs ${shown(command)} by a relative name: GUI apps and IDEs ` +
            "(VS Code, JetBrains, the AWS Toolkit) do not have your shell's PATH"
          : `credential_process runs ${shown(command)}, which is not on this PATH`,
        found
          ? `write its full path: credential_process = ${shellWord(found)} assume ` +
            `--profile=${shellWord(name)}`
          : "install vegas-credentials and write its full path in credential_process",
      ),
    );
  }
  if (!findings.length) findings.push(ok(`credential_process runs assume --profile=${name}`));
  return findings;
}

/** Settings that make a profile something else than a holder of an IAM user's keys. */
const NOT_KEYS = ["role_arn", "source_profile", "credential_source", "credential_process"];

/**
 * A warning when source profile `source` (with no keys in the files) is what the AWS tools take
 * for a role or process profile: its keys were never meant to be in the OS store, and the user
 * most likely named the wrong profile in `vegas_source_profile`.
 */
function notAKeysProfile(name: string, source: string, files: SharedFiles): Finding[] {
  const values = files.profiles.get(source);
  const found = NOT_KEYS.filter((key) => values?.has(key));
  if (!values || !found.length) return [];
  const file = files.config.has(source) ? files.configFile : files.credentialsFile;
  const kind = values.has("role_arn") ? "role profile" : "profile of another credential source";
  const named = values.get("source_profile");
  return [warning(
    `source profile ${shown(source)} in ${file} is an AWS CLI ${kind} (${found.join(", ")}), ` +
      "not your IAM user's keys",
    `name the profile that holds your IAM user's access key in vegas_source_profile of ` +
      `[${name === "default" ? "default" : `profile ${name}`}]` +
      (named ? ` (perhaps ${shown(named)})` : ""),
  )];
}

/** Checks one vegas profile with the rule set `assume` uses, plus how the AWS tools will call it. */
export async function checkProfile(
  name: string,
  files: SharedFiles,
  env: Env,
  ui: Ui,
): Promise<Report> {
  const inspection = inspectProfile(name, env, files);
  const findings: Finding[] = [];
  const resolved = inspection.resolved;
  if (resolved) {
    findings.push(
      ok(`role ${resolved.roleArn}`),
      ok(`source profile '${resolved.sourceProfile}', MFA device ${resolved.mfaSerial}`),
    );
    // Keys expected in the OS store are looked up below: no "ok" before that.
    if (!("store" in resolved.source)) {
      findings.push(ok(`source keys in ${resolved.origins.sourceKeys}`));
    } else findings.push(...notAKeysProfile(name, resolved.sourceProfile, files));
    if ("sessionToken" in resolved.source && resolved.source.sessionToken) {
      findings.push(
        warning(
          `source profile '${resolved.sourceProfile}' holds temporary keys (aws_session_token); ` +
            "they expire, and GetSessionToken needs long-term keys",
          "use your IAM user's long-term access key",
        ),
      );
    }
    if (
      resolved.mfaSessionDuration !== undefined &&
      resolved.durationSeconds <= CHAINED_ROLE_MAX_SECONDS
    ) {
      findings.push(
        ok(
          `MFA session of ${resolved.mfaSessionDuration} s shared through source profile ` +
            `'${resolved.sourceProfile}'`,
        ),
      );
    }
  }
  for (const found of inspection.problems) {
    findings.push(problem(found.message, found.fix ?? "correct the setting named above"));
  }
  for (const found of inspection.warnings) {
    findings.push(warning(found.message, found.fix ?? "correct the setting named above"));
  }
  // Issue 12: plaintext keys, or keys expected in the OS store (src/keystore/checks.ts).
  if (resolved) findings.push(...await (await keystoreChecks()).keystoreFindings(resolved, env));
  const target = files.profiles.get(name);
  if (target) findings.push(...credentialProcessFindings(name, target, env));
  if (resolved) findings.push(...await inputFindings(resolved, env, ui));
  return { subject: `profile ${name}`, findings };
}

/** Can an MFA code be had here for `profile`? */
async function inputFindings(profile: ResolvedProfile, env: Env, ui: Ui): Promise<Finding[]> {
  // An unknown name in vegas_mfa_inputs is a problem of the profile itself (src/config/resolve.ts).
  const inputs = (await detectInputs(profile, ui, env))
    .filter((input) => !profile.mfaInputs || profile.mfaInputs.includes(input.name));
  const available = inputs.filter((input) => input.available).map((input) => input.name);
  return [
    available.length ? ok(`MFA inputs available here: ${available.join(", ")}`) : problem(
      `no MFA input available here (${inputs.map((i) => `${i.name}: ${i.detail}`).join("; ")})`,
      "run from a terminal, or set vegas_mfa_process to a command that prints the code",
    ),
  ];
}

/** Lines of the shared files that the JavaScript SDK reads differently from the AWS CLI. */
function dialectFindings(files: SharedFiles): Finding[] {
  return sharedFileDisagreements(files.configFile, files.credentialsFile).map((line) =>
    warning(
      line,
      "write that line so that every tool reads it alike: a header alone on its line, " +
        "comments on lines of their own, profile names of letters, digits and -_.@+:/%",
    )
  );
}

/** Checks the shared files and the cache directory. */
export function checkFiles(files: SharedFiles, env: Env): Report {
  const findings: Finding[] = [];
  try {
    Deno.statSync(files.configFile);
    findings.push(ok(`config file ${files.configFile}`));
  } catch {
    findings.push(
      problem(
        `config file ${files.configFile} does not exist`,
        "create it with a vegas profile (see the README)",
      ),
    );
  }
  for (const found of sharedFileWarnings(files)) findings.push(warning(found.message, found.fix));
  const dir = cacheDir(env);
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.lstatSync(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      findings.push(
        problem(
          `cache directory ${dir}: ${(error as Error).message}`,
          `fix the permissions of ${dir}`,
        ),
      );
    } else findings.push(ok(`cache directory ${dir} (created on first use)`));
  }
  const unsafe = info ? cacheLocationProblem(dir) : undefined;
  if (unsafe) {
    findings.push(problem(unsafe, "see the fix named above; without it nothing is cached"));
  } else if (info) {
    const uid = Deno.build.os === "windows" ? null : Deno.uid();
    if (!info.isDirectory) {
      findings.push(problem(`cache directory ${dir} is not a directory`, `remove ${dir}`));
    } else if (info.uid !== null && uid !== null && info.uid !== uid) {
      findings.push(
        problem(
          `cache directory ${dir} belongs to uid ${info.uid}, not to you`,
          `remove ${dir} (it is created again), or set VEGAS_CREDENTIALS_CACHE_DIR`,
        ),
      );
    } else if (info.mode !== null && (info.mode & 0o077) !== 0 && Deno.build.os !== "windows") {
      findings.push(
        warning(
          `cache directory ${dir} has mode ${(info.mode & 0o777).toString(8)}: others may list ` +
            "it (the names of your profiles)",
          `chmod 700 ${dir}`,
        ),
      );
    } else {
      const ignored: string[] = [];
      for (const item of Deno.readDirSync(dir)) {
        // Entries only: a hit index (hit.*.json) is checked each time the fast path reads it.
        if (!item.name.endsWith(".json") || item.name.startsWith("hit.")) continue;
        const read = readEntry(`${dir}/${item.name}`);
        if (read.reason) ignored.push(read.reason);
      }
      findings.push(
        ignored.length
          ? problem(
            `${ignored.length} cache file(s) are ignored: ${ignored[0]}`,
            "vegas-credentials cache clean",
          )
          : ok(`cache directory ${dir}`),
      );
    }
  }
  return { subject: "files", findings };
}

/** Every report of a `doctor` run. */
export async function diagnose(env: Env, ui: Ui, only?: string): Promise<Report[]> {
  let files: SharedFiles;
  try {
    files = readSharedFiles(env);
  } catch (error) {
    return [{
      subject: "files",
      findings: [problem((error as Error).message, "fix the file named above")],
    }];
  }
  const reports = [checkFiles(files, env)];
  reports[0].findings.push(...dialectFindings(files));
  const names = only !== undefined ? [only] : vegasProfileNames(files);
  if (!names.length) {
    reports[0].findings.push(
      problem(
        `no vegas profile in ${files.configFile} (no profile has vegas_role_arn or a ` +
          "credential_process that runs vegas-credentials)",
        "add one: [profile NAME] with credential_process = vegas-credentials assume " +
          "--profile=NAME, vegas_role_arn and vegas_source_profile",
      ),
    );
  }
  for (const name of names) reports.push(await checkProfile(name, files, env, ui));
  // Access key ages, only with a fresh MFA session (issue 15).
  const keys = await load<typeof import("../rotate/key_age.ts")>(
    "../rotate/key_age.ts",
    import.meta.url,
  );
  reports.push(...await keys.sourceKeyReports(files, names, env, ui));
  return reports;
}

/** The text of a `doctor` run. */
export function formatReports(reports: readonly Report[], color = false): string {
  const names: Record<Severity, string> = { ok: "ok", warning: "warning", problem: "PROBLEM" };
  const codes: Record<Severity, "31" | "32" | "33"> = { ok: "32", warning: "33", problem: "31" };
  const label = (severity: Severity) =>
    color
      ? colour(codes[severity], names[severity]) + " ".repeat(8 - names[severity].length)
      : names[severity].padEnd(8);
  let text = "";
  for (const report of reports) {
    text += `${report.subject}\n`;
    for (const finding of report.findings) {
      text += `  ${label(finding.severity)} ${finding.message}\n`;
      if (finding.fix && finding.severity !== "ok") {
        text += `  ${"".padEnd(8)} fix: ${finding.fix}\n`;
      }
    }
    text += "\n";
  }
  const all = reports.flatMap((report) => report.findings);
  const problems = all.filter((f) => f.severity === "problem").length;
  const warnings = all.filter((f) => f.severity === "warning").length;
  const profiles = reports.filter((report) => report.subject.startsWith("profile ")).length;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  text += problems
    ? `${count(problems, "problem")}, ${count(warnings, "warning")}.\n`
    : `All good: ${count(profiles, "profile")} checked, ${count(warnings, "warning")}.\n`;
  return text;
}

/** Runs `doctor [--profile NAME]`: exit 1 when anything is wrong. */
export async function runDoctor(context: CommandContext): Promise<number> {
  noPositionals(context);
  const only = typeof context.values.profile === "string" ? context.values.profile : undefined;
  const reports = await diagnose(context.env, context.ui, only);
  context.print(formatReports(reports, context.ui.options.color && Deno.stdout.isTerminal()));
  return reports.some((r) => r.findings.some((f) => f.severity === "problem")) ? 1 : 0;
}
