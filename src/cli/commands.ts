/**
 * The command table: names, options and summaries; each command's code is imported only when run,
 * so `assume` (the hot path) loads nothing it does not use.
 * @module
 */
import { load } from "../lazy.ts";
import type { OptionSpec, OptionSpecs } from "./args.ts";
import { runAssume } from "../commands/assume.ts";
import type { CommandContext } from "../commands/context.ts";

export type { CommandContext } from "../commands/context.ts";

/** One command of the CLI. */
export interface Command {
  /** One or two words: `assume`, `cache clean`. */
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Longer help text and examples. */
  readonly details?: string;
  /** Takes a command line after `--` (see `ParseOptions.commandAfterDashes`). */
  readonly commandAfterDashes?: boolean;
  /** The words the first positional argument may be (for help and shell completion). */
  readonly arguments?: readonly string[];
  /** Runs the command; resolves to the exit code. */
  readonly run: (context: CommandContext) => Promise<number>;
}

/** Options every command accepts, before or after the command name. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  help: { type: "boolean", short: "h", description: "Show help" },
  verbose: { type: "boolean", short: "v", description: "Explain what happens (on the terminal)" },
  "no-color": { type: "boolean", description: "No colours (also NO_COLOR, TERM=dumb)" },
  "no-emoji": { type: "boolean", description: "No emoji (also NO_EMOJI)" },
  "no-gui": {
    type: "boolean",
    description: "Never show a GUI dialog (also VEGAS_CREDENTIALS_NO_GUI)",
  },
};

/** `--version` and `-V`: known everywhere, shown only in the main help. */
export const VERSION_OPTION: OptionSpec = {
  type: "boolean",
  short: "V",
  description: "Print the version",
};

const profileOption = {
  profile: { type: "string", short: "p", value: "NAME", description: "Profile in ~/.aws/config" },
} as const;

/** Every command. */
export const COMMANDS: readonly Command[] = [
  {
    name: "assume",
    summary: "Print credential_process JSON for a role profile (prompts for MFA when needed)",
    usage: "vegas-credentials assume --profile=NAME",
    options: profileOption,
    details: [
      "Used from ~/.aws/config:",
      "  [profile NAME]",
      "  credential_process = vegas-credentials assume --profile=NAME",
      "  vegas_role_arn = arn:aws:iam::222222222222:role/SingerRole",
      "  vegas_source_profile = default",
    ].join("\n"),
    // Static: this is the hot path, and a dynamic import costs a module-graph load of its own.
    run: runAssume,
  },
  {
    name: "env",
    summary: "Print a role profile's credentials as shell variable assignments (for eval)",
    usage: "vegas-credentials env --profile=NAME [-f|--format=sh|fish|powershell|json]",
    options: {
      ...profileOption,
      format: {
        type: "string",
        short: "f",
        value: "FORMAT",
        description: "sh (default; also bash, zsh), fish, powershell (also pwsh) or json",
        choices: ["sh", "fish", "powershell", "json"],
      },
    },
    details: [
      "Examples:",
      '  eval "$(vegas-credentials env --profile=singer)"',
      "  vegas-credentials env --profile=singer --format=fish | source",
      "  vegas-credentials env --profile=singer --format=powershell | Invoke-Expression",
    ].join("\n"),
    run: async (context) =>
      (await load<typeof import("../commands/env.ts")>("../commands/env.ts", import.meta.url))
        .runEnv(context),
  },
  {
    name: "exec",
    summary: "Run a command with a role profile's credentials in its environment",
    usage: "vegas-credentials exec --profile=NAME -- COMMAND [ARGS...]",
    options: {
      ...profileOption,
      server: {
        type: "boolean",
        description: "Serve refreshing credentials to the command instead of fixed keys",
      },
    },
    commandAfterDashes: true,
    details: [
      "The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,",
      "AWS_CREDENTIAL_EXPIRATION and the profile's region; AWS_PROFILE is removed.",
      "Exits with the command's exit status (128+N when signal N ended it).",
      "",
      "With --server (or VEGAS_CREDENTIALS_EXEC_SERVER=1, or vegas_exec_server = true in the",
      "profile) it gets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "instead: a server on 127.0.0.1, for as long as the command runs, that the AWS SDKs and",
      "the AWS CLI refresh their credentials from (--server=false turns it off).",
      "",
      "Examples:",
      "  vegas-credentials exec --profile=singer -- terraform plan",
      "  vegas-credentials exec --profile=singer --server -- cdk deploy",
    ].join("\n"),
    run: async (context) =>
      (await load<typeof import("../commands/exec.ts")>("../commands/exec.ts", import.meta.url))
        .runExec(context),
  },
  {
    name: "console",
    summary: "Open the AWS web console signed in as a profile's role (no new MFA while cached)",
    usage: "vegas-credentials console --profile=NAME [--service=S | --destination=URL] " +
      "[--region=R] [--print | --browser=CMD]",
    options: {
      ...profileOption,
      service: {
        type: "string",
        value: "S",
        description: "Open this service's page (ec2, s3, iam…); default: the console home",
      },
      destination: {
        type: "string",
        value: "URL",
        description: "Open this console URL instead",
      },
      region: {
        type: "string",
        value: "R",
        description: "Console region (default: the profile's, else the partition's)",
      },
      print: {
        type: "boolean",
        description: "Print the sign-in URL on stdout instead of opening a browser",
      },
      browser: {
        type: "string",
        value: "CMD",
        description: "Open it with CMD (%s = the URL; default: $BROWSER, else the system's)",
      },
    },
    details: [
      "Signs in with the role's credentials from the cache, an MFA session or a new MFA code,",
      "like assume. Partitions aws, aws-cn and aws-us-gov.",
      "",
      "WARNING: the sign-in URL is a bearer secret: for 15 minutes anyone who has it is in the",
      "console as the role. It is never logged (not even with --verbose); without --print it is",
      "passed only on the browser's command line. Treat --print output like a password.",
      "",
      "The browser command runs without a shell; vegas-credentials waits for it to end.",
      "",
      "Examples:",
      "  vegas-credentials console -p singer",
      "  vegas-credentials console -p singer --service=cloudwatch --region=eu-west-1",
      "  vegas-credentials console -p singer --browser='firefox --private-window'",
    ].join("\n"),
    run: async (context) =>
      (await load<typeof import("../commands/console.ts")>(
        "../commands/console.ts",
        import.meta.url,
      )).runConsole(context),
  },
  {
    name: "status",
    summary: "List the vegas profiles and what the cache holds for each",
    usage: "vegas-credentials status [--profile=NAME] [--json] [--wide]",
    options: {
      profile: { ...profileOption.profile, description: "Only this profile" },
      json: { type: "boolean", description: "A JSON array, for scripts" },
      wide: {
        type: "boolean",
        description: "Never shorten a column to fit the terminal",
      },
    },
    run: async (context) =>
      (await load<typeof import("../commands/status.ts")>("../commands/status.ts", import.meta.url))
        .runStatus(context),
  },
  {
    name: "doctor",
    summary: "Check the setup of every vegas profile; exit 1 on problems",
    usage: "vegas-credentials doctor [--profile=NAME]",
    options: {
      profile: { ...profileOption.profile, description: "Check only this profile" },
    },
    run: async (context) =>
      (await load<typeof import("../commands/doctor.ts")>("../commands/doctor.ts", import.meta.url))
        .runDoctor(context),
  },
  {
    name: "rotate",
    summary: "Replace a source profile's IAM access key with a new one, safely",
    usage: "vegas-credentials rotate --profile=SOURCE [--dry-run] [--deactivate-only]",
    options: {
      profile: {
        ...profileOption.profile,
        value: "SOURCE",
        description: "The source profile (the one with your IAM user's access key)",
        complete: "source-profiles",
      },
      "dry-run": {
        type: "boolean",
        description: "Show the user, the key and its age, and the steps; change nothing",
      },
      "deactivate-only": {
        type: "boolean",
        description: "Make the old key inactive instead of deleting it",
      },
    },
    details: [
      "With MFA (the MFA session when configured): lists the IAM user's keys, creates a new key,",
      "writes it where the old one is (only the two key lines of the file change, or the OS store",
      "entry is replaced, in one step), waits until STS accepts it, then deletes the old key and",
      "the cached credentials made with it. A working key is stored at every moment; the new",
      "secret is never shown.",
      "",
      "Examples:",
      "  vegas-credentials rotate --profile=default --dry-run",
      "  vegas-credentials rotate --profile=default",
    ].join("\n"),
    run: async (context) =>
      (await load<typeof import("../commands/rotate.ts")>("../commands/rotate.ts", import.meta.url))
        .runRotate(context),
  },
  {
    name: "config list",
    summary: "Show the files, cache directory and MFA inputs vegas-credentials uses here",
    usage: "vegas-credentials config list [--profile=NAME]",
    options: {
      profile: {
        ...profileOption.profile,
        description: "Check the MFA inputs with this profile's settings",
      },
    },
    run: async (context) =>
      (await load<typeof import("../commands/config_list.ts")>(
        "../commands/config_list.ts",
        import.meta.url,
      )).runConfigList(context),
  },
  {
    name: "config show-profile",
    summary: "Show a profile's resolved settings and where each comes from (no secrets)",
    usage: "vegas-credentials config show-profile --profile=NAME",
    options: profileOption,
    run: async (context) =>
      (await load<typeof import("../commands/show_profile.ts")>(
        "../commands/show_profile.ts",
        import.meta.url,
      )).runShowProfile(context),
  },
  {
    name: "config import",
    summary: "Convert AWS CLI / aws-vault role profiles (role_arn + source_profile) to vegas ones",
    usage: "vegas-credentials config import [--profile=NAME...] [--write] [--program=PATH]",
    options: {
      profile: {
        ...profileOption.profile,
        multiple: true,
        complete: "role-profiles",
        description: "Only this role profile (repeat for several); default: every one",
      },
      write: {
        type: "boolean",
        description: "Rewrite the config file (after saving CONFIG.vegas-backup)",
      },
      program: {
        type: "string",
        value: "PATH",
        complete: "file",
        description: "Program to write in credential_process (default: this one)",
      },
    },
    details: [
      "A profile with role_arn and source_profile becomes:",
      "  credential_process = /absolute/path/vegas-credentials assume --profile=NAME",
      "  vegas_role_arn = …           (was role_arn)",
      "  vegas_source_profile = …     (was source_profile)",
      "  vegas_mfa_process = …        (was aws-vault's mfa_process)",
      "and its mfa_serial moves to the source profile (when all its roles name the same device).",
      "duration_seconds, role_session_name, external_id and region stay as they are.",
      "",
      "Without --write: prints the change as a unified diff and changes nothing.",
      "With --write: saves the file as it was to CONFIG.vegas-backup (mode 0600), then replaces",
      "it in one step; comments, order and every line it does not convert stay byte for byte.",
      "Running it again changes nothing.",
      "",
      "Examples:",
      "  vegas-credentials config import",
      "  vegas-credentials config import --profile=prod --profile=staging --write",
    ].join("\n"),
    run: async (context) =>
      (await load<typeof import("../commands/config_import.ts")>(
        "../commands/config_import.ts",
        import.meta.url,
      )).runConfigImport(context),
  },
  ...keysCommands(),
  {
    name: "cache clean",
    summary: "Remove cached credentials and MFA sessions",
    usage: "vegas-credentials cache clean [--profile=NAME [--sessions]]",
    options: {
      profile: {
        ...profileOption.profile,
        description: "Only this profile's role credentials",
      },
      sessions: {
        type: "boolean",
        description: "With --profile: also the MFA session of its source profile",
      },
      credential: {
        type: "boolean",
        description: "Cached credentials (the default; for compatibility)",
      },
      password: {
        type: "boolean",
        description: "Accepted for compatibility: no YubiKey password is stored",
      },
    },
    details: "Without --profile: every cached credential, MFA session and unused lock file.",
    run: async (context) =>
      (await load<typeof import("../commands/cache_clean.ts")>(
        "../commands/cache_clean.ts",
        import.meta.url,
      )).runCacheClean(context),
  },
  {
    name: "completion",
    summary: "Print a shell completion script (bash, zsh, fish or powershell)",
    usage: "vegas-credentials completion bash|zsh|fish|powershell",
    options: {},
    arguments: ["bash", "zsh", "fish", "powershell"],
    details: [
      "Completes commands, options, --format values and the profile names in your config.",
      "",
      "Install:",
      "  bash:       echo 'eval \"$(vegas-credentials completion bash)\"' >> ~/.bashrc",
      "  zsh:        echo 'source <(vegas-credentials completion zsh)' >> ~/.zshrc   (after compinit)",
      "  fish:       vegas-credentials completion fish > ~/.config/fish/completions/vegas-credentials.fish",
      "  powershell: vegas-credentials completion powershell >> $PROFILE",
      "",
      "Then open a new shell.",
    ].join("\n"),
    run: async (context) =>
      (await load<typeof import("./completion.ts")>(
        "./completion.ts",
        import.meta.url,
      )).runCompletion(context),
  },
  {
    name: "version",
    summary: "Print the version",
    usage: "vegas-credentials version [--full]",
    options: { full: { type: "boolean", description: "Add OS, architecture and Deno version" } },
    run: async (context) =>
      (await load<typeof import("../commands/version.ts")>(
        "../commands/version.ts",
        import.meta.url,
      )).runVersion(context),
  },
  {
    name: "help",
    summary: "Show help for the program or a command",
    usage: "vegas-credentials help [COMMAND]",
    options: {},
    run: async (context) =>
      (await load<typeof import("./help_command.ts")>(
        "./help_command.ts",
        import.meta.url,
      )).runHelp(context),
  },
];

/** The `keys` group: a source profile's long-term keys in the OS secure store. */
function keysCommands(): Command[] {
  const profile = {
    profile: {
      ...profileOption.profile,
      description: "The source profile (the one with your IAM user keys)",
      complete: "source-profiles",
    },
  } as const;
  const run =
    (name: "runKeysAdd" | "runKeysImport" | "runKeysExport" | "runKeysRemove" | "runKeysList") =>
    async (context: CommandContext) =>
      (await load<typeof import("../commands/keys.ts")>("../commands/keys.ts", import.meta.url))[
        name
      ](context);
  const stores = [
    "The store: vegas_keystore on the source profile, else VEGAS_CREDENTIALS_KEYSTORE, else",
    "this OS's own: keychain (macOS), wincred (Windows), secret-service (Linux); or pass.",
  ].join("\n");
  return [
    {
      name: "keys add",
      summary: "Put a source profile's access key into the OS secure store",
      usage: "vegas-credentials keys add --profile=NAME",
      options: profile,
      details: [
        "Asks for the access key id and the secret access key (hidden) on the terminal;",
        "without a terminal, reads them from two lines of standard input.",
        "",
        stores,
        "",
        "Examples:",
        "  vegas-credentials keys add --profile=default",
        '  printf \'%s\\n%s\\n\' "$ID" "$SECRET" | vegas-credentials keys add -p default',
      ].join("\n"),
      run: run("runKeysAdd"),
    },
    {
      name: "keys import",
      summary: "Move a source profile's keys from ~/.aws/credentials into the OS secure store",
      usage: "vegas-credentials keys import --profile=NAME [--dry-run]",
      options: {
        ...profile,
        "dry-run": {
          type: "boolean",
          description: "Show the lines it would remove (keys masked); change nothing",
        },
      },
      details: [
        "Writes the keys to the store, reads them back and compares, then removes exactly the",
        "key lines (and the section, when nothing else is left in it) from the file in one",
        "step; every other byte of the file stays as it was. No copy of the keys is kept.",
        "",
        stores,
      ].join("\n"),
      run: run("runKeysImport"),
    },
    {
      name: "keys export",
      summary: "Move a source profile's keys from the OS secure store back to ~/.aws/credentials",
      usage: "vegas-credentials keys export --profile=NAME",
      options: profile,
      details: "For leaving vegas-credentials: the AWS tools read the keys from the file again.",
      run: run("runKeysExport"),
    },
    {
      name: "keys remove",
      summary: "Delete a source profile's keys (and its MFA session) from the OS secure store",
      usage: "vegas-credentials keys remove --profile=NAME",
      options: profile,
      run: run("runKeysRemove"),
    },
    {
      name: "keys list",
      summary: "List the keys in the OS secure store: profile, store, masked key id",
      usage: "vegas-credentials keys list",
      options: {},
      run: run("runKeysList"),
    },
  ];
}
