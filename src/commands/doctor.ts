/**
 * `doctor [--profile NAME]`: checks the setup of every vegas profile without calling AWS, and says
 * how to fix each problem. Exit 1 when any problem is found.
 * @module
 */
import { load } from "../lazy.ts";
import type { CommandContext } from "../cli/commands.ts";
import { type Env, readSharedFiles, type SharedFiles } from "../config/files.ts";
import { resolveProfile } from "../config/resolve.ts";
import {
  closestNames,
  mfaSerialProblem,
  parseSeconds,
  roleArnProblem,
} from "../config/validate.ts";
import { cacheDir } from "../cache/key.ts";
import { readEntry } from "../cache/store.ts";
import { VegasError } from "../errors.ts";
import type { Ui } from "../ui.ts";
import { CHAINED_ROLE_MAX_SECONDS } from "../fresh.ts";
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

const ok = (message: string): Finding => ({ severity: "ok", message });
const problem = (message: string, fix: string): Finding => ({ severity: "problem", message, fix });
const warning = (message: string, fix: string): Finding => ({ severity: "warning", message, fix });

/** Splits a command line into words, honouring simple single and double quotes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    words.push(match[1] ?? match[2] ?? match[3]);
  }
  return words;
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
  const wanted = `credential_process = vegas-credentials assume --profile=${name}`;
  const line = target.get("credential_process");
  if (!line) {
    return [
      problem(
        "credential_process is missing: the AWS tools will not call vegas-credentials",
        `add: ${wanted}`,
      ),
    ];
  }
  const words = splitCommandLine(line);
  if (!/vegas-credentials|main\.ts/.test(line)) {
    return [
      problem(`credential_process runs '${words[0]}', not vegas-credentials`, `write: ${wanted}`),
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
        `credential_process names profile '${named}', not '${name}' (it would return another ` +
          `profile's credentials)`,
        `write: ${wanted}`,
      ),
    );
  }
  const program = words[0];
  if (/vegas-credentials(\.exe)?$/.test(program) && !findOnPath(program, env)) {
    findings.push(
      warning(
        `credential_process runs '${program}', which is not on this PATH`,
        "install vegas-credentials on the PATH the AWS tools see, or write its full path",
      ),
    );
  }
  if (!findings.length) findings.push(ok(`credential_process runs assume --profile=${name}`));
  return findings;
}

function durationFinding(
  value: string | undefined,
  key: string,
  min: number,
  max: number,
  where: string,
): Finding | undefined {
  if (value === undefined) return undefined;
  const parsed = parseSeconds(value, min, max);
  if (typeof parsed === "string") {
    return problem(`${key} '${value}' ${parsed}`, `set ${key} in ${where} to ${min}-${max}`);
  }
  return undefined;
}

function sourceKeyFindings(
  sourceName: string,
  files: SharedFiles,
): Finding[] {
  const places = [
    [files.credentials.get(sourceName), files.credentialsFile],
    [files.config.get(sourceName), files.configFile],
  ] as const;
  for (const [section, file] of places) {
    const id = section?.get("aws_access_key_id");
    const secret = section?.get("aws_secret_access_key");
    if (!id && !secret) continue;
    const where = `[${sourceName}] in ${file}`;
    if (!id) {
      return [
        problem(`aws_access_key_id is missing in ${where}`, `add it next to aws_secret_access_key`),
      ];
    }
    if (!secret) {
      return [
        problem(`aws_secret_access_key is missing in ${where}`, `add it next to aws_access_key_id`),
      ];
    }
    if (!/^[A-Z0-9]{16,128}$/.test(id)) {
      return [
        problem(
          `aws_access_key_id in ${where} is not an AWS access key id`,
          "copy the key id again from the IAM console",
        ),
      ];
    }
    const findings = [ok(`source keys in ${file}`)];
    if (section?.get("aws_session_token")) {
      findings.push(
        warning(
          `${where} holds temporary keys (aws_session_token); they expire, and GetSessionToken ` +
            "needs long-term keys",
          "use your IAM user's long-term access key",
        ),
      );
    }
    return findings;
  }
  const process = files.config.get(sourceName)?.get("credential_process") ??
    files.credentials.get(sourceName)?.get("credential_process");
  if (process && /vegas-credentials|main\.ts/.test(process)) {
    return [
      problem(
        `source profile '${sourceName}' gets its keys from vegas-credentials itself (a loop)`,
        `put your IAM user's keys in [${sourceName}] of ${files.credentialsFile}`,
      ),
    ];
  }
  return [
    problem(
      `source profile '${sourceName}' has no aws_access_key_id / aws_secret_access_key`,
      `run: aws configure set aws_access_key_id … --profile ${sourceName} (and ` +
        `aws_secret_access_key), or add them to [${sourceName}] in ${files.credentialsFile}`,
    ),
  ];
}

/** Checks one vegas profile. */
export async function checkProfile(
  name: string,
  files: SharedFiles,
  env: Env,
  ui: Ui,
): Promise<Report> {
  const findings: Finding[] = [];
  const target = files.config.get(name);
  if (!target) {
    const close = closestNames(name, files.config.keys());
    return {
      subject: `profile ${name}`,
      findings: [
        problem(
          `profile '${name}' is not in ${files.configFile}`,
          close.length
            ? `did you mean '${close[0]}'?`
            : `add [profile ${name}] with vegas_role_arn and vegas_source_profile`,
        ),
      ],
    };
  }
  const section = name === "default" ? "[default]" : `[profile ${name}]`;
  const where = `${section} in ${files.configFile}`;

  const roleArn = target.get("vegas_role_arn");
  if (!roleArn) {
    findings.push(
      problem(
        "vegas_role_arn is missing",
        `add: vegas_role_arn = arn:aws:iam::ACCOUNT:role/NAME to ${where}`,
      ),
    );
  } else {
    const why = roleArnProblem(roleArn);
    findings.push(
      why
        ? problem(`vegas_role_arn '${roleArn}' ${why}`, "copy the role ARN from the IAM console")
        : ok(`role ${roleArn}`),
    );
  }

  for (const key of ["role_arn", "source_profile"]) {
    if (!target.has(key)) continue;
    const prefixed = target.has(`vegas_${key}`);
    findings.push(
      problem(
        `${key} is set next to credential_process: the AWS tools then assume the role themselves ` +
          "and ignore credential_process (Terraform fails on it)",
        prefixed ? `remove ${key} from ${where}` : `rename ${key} to vegas_${key} in ${where}`,
      ),
    );
  }
  if (target.has("mfa_serial")) {
    findings.push(
      warning(
        "mfa_serial in a role profile is ignored: vegas-credentials reads it from the source profile",
        `move mfa_serial to the source profile and remove it from ${where}`,
      ),
    );
  }
  if (target.has("vegas_mfa_session_duration")) {
    findings.push(
      warning(
        "vegas_mfa_session_duration in a role profile is ignored: it belongs on the source profile",
        "move it to the source profile",
      ),
    );
  }

  findings.push(...credentialProcessFindings(name, target, env));

  const duration = durationFinding(
    target.get("duration_seconds"),
    "duration_seconds",
    900,
    43200,
    where,
  );
  if (duration) findings.push(duration);

  const sourceName = target.get("vegas_source_profile");
  let sourceConfig: ReadonlyMap<string, string> | undefined;
  if (!sourceName) {
    findings.push(
      problem(
        "vegas_source_profile is missing",
        `add: vegas_source_profile = default (the profile with your IAM user keys) to ${where}`,
      ),
    );
  } else if (sourceName === name) {
    findings.push(
      problem(
        "vegas_source_profile names the profile itself",
        "name the profile that holds your IAM user keys",
      ),
    );
  } else if (!files.config.has(sourceName) && !files.credentials.has(sourceName)) {
    const close = closestNames(sourceName, [...files.config.keys(), ...files.credentials.keys()]);
    findings.push(
      problem(
        `vegas_source_profile '${sourceName}' is not a profile in ${files.configFile} or ${files.credentialsFile}`,
        close.length
          ? `did you mean '${close[0]}'?`
          : `add [${sourceName}] with your IAM user keys`,
      ),
    );
  } else {
    sourceConfig = files.config.get(sourceName);
    const sourceSection = sourceName === "default" ? "[default]" : `[profile ${sourceName}]`;
    const sourceWhere = `${sourceSection} in ${files.configFile}`;
    const serial = sourceConfig?.get("mfa_serial");
    if (!serial) {
      findings.push(
        problem(
          `source profile '${sourceName}' has no mfa_serial`,
          `add: mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME to ${sourceWhere}`,
        ),
      );
    } else {
      const why = mfaSerialProblem(serial);
      findings.push(
        why
          ? problem(
            `mfa_serial '${serial}' ${why}`,
            `copy the MFA device ARN from the IAM console into ${sourceWhere}`,
          )
          : ok(`source profile '${sourceName}', MFA device ${serial}`),
      );
    }
    findings.push(...sourceKeyFindings(sourceName, files));
    const session = sourceConfig?.get("vegas_mfa_session_duration");
    const sessionFinding = durationFinding(
      session,
      "vegas_mfa_session_duration",
      900,
      129600,
      sourceWhere,
    );
    if (sessionFinding) findings.push(sessionFinding);
    else if (session !== undefined) {
      const seconds = Number(target.get("duration_seconds") ?? 3600);
      findings.push(
        seconds > CHAINED_ROLE_MAX_SECONDS
          ? warning(
            `duration_seconds ${seconds} is over the 1 hour STS allows roles assumed with an MFA ` +
              "session, so this profile skips the session and asks for an MFA code each time",
            "set duration_seconds = 3600 (or less) to use the MFA session",
          )
          : ok(`MFA session of ${session} s shared through source profile '${sourceName}'`),
      );
    }
  }
  const timeout = durationFinding(
    target.get("vegas_mfa_timeout") ?? sourceConfig?.get("vegas_mfa_timeout"),
    "vegas_mfa_timeout",
    5,
    3600,
    where,
  );
  if (timeout) findings.push(timeout);

  if (!findings.some((f) => f.severity === "problem")) {
    // Everything checked above is fine: resolve it fully, as `assume` would, for the rest.
    try {
      const profile = resolveProfile(name, env, files);
      const { driverNames } = await load<typeof import("../mfa/registry.ts")>(
        "../mfa/registry.ts",
        import.meta.url,
      );
      const known = driverNames();
      const unknown = profile.mfaInputs?.filter((input) => !known.includes(input)) ?? [];
      if (unknown.length) {
        findings.push(
          problem(
            `vegas_mfa_inputs names unknown input '${unknown[0]}'`,
            `use some of: ${known.join(", ")}`,
          ),
        );
      } else {
        const inputs = (await detectInputs(profile, ui, env))
          .filter((input) => !profile.mfaInputs || profile.mfaInputs.includes(input.name));
        const available = inputs.filter((input) => input.available).map((input) => input.name);
        findings.push(
          available.length ? ok(`MFA inputs available here: ${available.join(", ")}`) : problem(
            `no MFA input available here (${
              inputs.map((i) => `${i.name}: ${i.detail}`).join("; ")
            })`,
            "run from a terminal, or set vegas_mfa_process to a command that prints the code",
          ),
        );
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const hint = error instanceof VegasError ? error.hint : undefined;
      findings.push(problem(message, hint ?? "correct the setting named above"));
    }
  }
  return { subject: `profile ${name}`, findings };
}

function modeProblem(path: string, allowed: number): number | undefined {
  if (Deno.build.os === "windows") return undefined;
  try {
    const mode = Deno.statSync(path).mode;
    return mode !== null && (mode & ~allowed & 0o777) !== 0 ? mode & 0o777 : undefined;
  } catch {
    return undefined;
  }
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
  const credentialsMode = modeProblem(files.credentialsFile, 0o600);
  if (credentialsMode !== undefined) {
    findings.push(
      warning(
        `credentials file ${files.credentialsFile} has mode ${credentialsMode.toString(8)}: ` +
          "other users may read your keys",
        `chmod 600 ${files.credentialsFile}`,
      ),
    );
  }
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
  if (info) {
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
        problem(
          `cache directory ${dir} has mode ${(info.mode & 0o777).toString(8)}: others may list it`,
          `chmod 700 ${dir}`,
        ),
      );
    } else {
      const ignored: string[] = [];
      for (const item of Deno.readDirSync(dir)) {
        if (!item.name.endsWith(".json")) continue;
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
  const names = only !== undefined ? [only] : vegasProfileNames(files);
  if (!names.length) {
    reports[0].findings.push(
      problem(
        `no vegas profile in ${files.configFile} (no profile has vegas_role_arn)`,
        "add one: [profile NAME] with credential_process = vegas-credentials assume " +
          "--profile=NAME, vegas_role_arn and vegas_source_profile",
      ),
    );
  }
  for (const name of names) reports.push(await checkProfile(name, files, env, ui));
  return reports;
}

/** The text of a `doctor` run. */
export function formatReports(reports: readonly Report[]): string {
  const label: Record<Severity, string> = { ok: "ok", warning: "warning", problem: "PROBLEM" };
  let text = "";
  for (const report of reports) {
    text += `${report.subject}\n`;
    for (const finding of report.findings) {
      text += `  ${label[finding.severity].padEnd(8)} ${finding.message}\n`;
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
  context.print(formatReports(reports));
  return reports.some((r) => r.findings.some((f) => f.severity === "problem")) ? 1 : 0;
}
