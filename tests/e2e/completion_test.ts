/**
 * `completion`, for real: the scripts the program prints, installed as the README says, in an
 * interactive bash and zsh (typed into a tmux terminal, Tab pressed) and in fish (its own completion
 * engine, `complete -C`); profile names come from the sandbox's config through `__complete`.
 */
import assert from "node:assert/strict";
import { makeSandbox, runCli, type Sandbox, TEST_ROLE_ARN } from "../support/harness.ts";
import { openTerminal, type Terminal } from "../support/tmux.ts";
import { waitFor } from "../support/world.ts";

const VEGAS_PROFILES = ["singer", "sinatra", "quoted name", "café"];

function vegasProfile(name: string): string {
  const header = /^[\w-]+$/.test(name) ? name : `"${name}"`;
  return `[profile ${header}]\n` +
    `credential_process = vegas-credentials assume '--profile=${name}'\n` +
    `vegas_role_arn = ${TEST_ROLE_ARN}\nvegas_source_profile = default\n`;
}

function sandbox(): Sandbox {
  const box = makeSandbox();
  box.writeConfig(
    "[default]\nmfa_serial = arn:aws:iam::111111111111:mfa/FrankSinatra\n\n" +
      VEGAS_PROFILES.map(vegasProfile).join("\n") +
      `\n[profile legacy]\nrole_arn = ${TEST_ROLE_ARN}\nsource_profile = default\n` +
      "\n[profile plain]\nregion = eu-west-1\n",
  );
  return box;
}

/** The last line of the terminal that is not empty (the command line being edited). */
function lastLine(terminal: Terminal): string {
  return terminal.screen().split("\n").filter((line) => line.trim() !== "").at(-1) ?? "";
}

/** Waits for `check`; a timeout shows the screen. */
async function until(terminal: Terminal, what: string, check: () => boolean): Promise<void> {
  try {
    await waitFor(what, check, 10_000);
  } catch (error) {
    const screen = terminal.screen().split("\n").filter((line) => line.trim()).join("\n");
    throw new Error(`${(error as Error).message}; the screen:\n${screen}`);
  }
}

/** Waits until the command line reads `text` (after a Tab completed it). */
function lineBecomes(terminal: Terminal, text: string): Promise<void> {
  return until(terminal, `the command line '${text}'`, () => lastLine(terminal) === `$ ${text}`);
}

/** Waits until the screen shows `pattern`. */
function screenShows(terminal: Terminal, pattern: RegExp): Promise<void> {
  return until(terminal, `${pattern} on the screen`, () => pattern.test(terminal.screen()));
}

/** Types `text` and presses Tab `tabs` times. */
function typeTab(terminal: Terminal, text: string, tabs = 1) {
  terminal.type(text);
  for (let i = 0; i < tabs; i++) terminal.key("Tab");
}

/** Clears the command line (Ctrl-C gives a fresh prompt in bash and zsh). */
async function clear(terminal: Terminal) {
  // A mark on the line first, so that an empty prompt can only be the one after the Ctrl-C: the
  // shell must have taken it before anything else is typed.
  terminal.type("#");
  await until(
    terminal,
    "the mark",
    () => terminal.screen().split("\n").some((line) => /^\$ .*#\s*$/.test(line)),
  );
  terminal.key("C-c");
  await until(terminal, "a fresh prompt", () => lastLine(terminal) === "$ ");
  terminal.type("clear");
  terminal.key("Enter");
  await until(terminal, "a clear screen", () => terminal.screen().trim() === "$");
}

Deno.test("completion bash: installed as documented; complete -p, compgen and Tab in an interactive bash", async () => {
  await using box = sandbox();
  using terminal = openTerminal(box, "PS1='$ ' HISTFILE= exec bash --norc --noprofile -i");
  await waitFor("the prompt", () => lastLine(terminal) === "$ ");
  terminal.type('eval "$(vegas-credentials completion bash)"');
  terminal.key("Enter");
  terminal.type("complete -p vegas-credentials");
  terminal.key("Enter");
  await screenShows(terminal, /^complete -F _vegas_credentials vegas-credentials$/m);

  // compgen-style: the completion function called the way bash calls it.
  terminal.type(
    "COMP_WORDS=(vegas-credentials env --format ''); COMP_CWORD=3; _vegas_credentials; " +
      'echo "R=${COMPREPLY[*]}"',
  );
  terminal.key("Enter");
  await screenShows(terminal, /^R=sh fish powershell json$/m);
  await clear(terminal);

  typeTab(terminal, "vegas-credentials conf");
  await lineBecomes(terminal, "vegas-credentials config ");
  typeTab(terminal, "", 2);
  await screenShows(terminal, /^import +list +show-profile\s*$/m);
  await clear(terminal);

  typeTab(terminal, "vegas-credentials assume --profile=sin", 2);
  await screenShows(terminal, /^sinatra +singer\s*$/m);
  typeTab(terminal, "g");
  await lineBecomes(terminal, "vegas-credentials assume --profile=singer ");
  await clear(terminal);

  // A name with a space is inserted quoted, as the shell needs it.
  typeTab(terminal, "vegas-credentials env -p quo");
  await lineBecomes(terminal, "vegas-credentials env -p quoted\\ name ");
  typeTab(terminal, "--f");
  await lineBecomes(terminal, "vegas-credentials env -p quoted\\ name --format ");
  await clear(terminal);

  // config import offers the AWS CLI role profiles it converts, not the vegas ones.
  typeTab(terminal, "vegas-credentials config import --profile ");
  await lineBecomes(terminal, "vegas-credentials config import --profile legacy ");
  await clear(terminal);

  typeTab(terminal, "vegas-credentials exec -p singer -- vegas-cre");
  await lineBecomes(terminal, "vegas-credentials exec -p singer -- vegas-credentials ");
});

Deno.test("completion zsh: installed as documented after compinit; Tab completes commands, options, values, profiles", async () => {
  await using box = sandbox();
  using terminal = openTerminal(box, "PS1='$ ' exec zsh -f -i");
  await waitFor("the prompt", () => lastLine(terminal) === "$ ");
  terminal.type(
    "autoload -U compinit && compinit -u && source <(vegas-credentials completion zsh)",
  );
  terminal.key("Enter");
  terminal.type("echo installed");
  terminal.key("Enter");
  await screenShows(terminal, /^installed$/m);
  await clear(terminal);

  typeTab(terminal, "vegas-credentials conf");
  await lineBecomes(terminal, "vegas-credentials config ");
  typeTab(terminal, "sh");
  await lineBecomes(terminal, "vegas-credentials config show-profile ");
  typeTab(terminal, "--pro");
  await lineBecomes(terminal, "vegas-credentials config show-profile --profile ");
  await clear(terminal);

  typeTab(terminal, "vegas-credentials env --format=p");
  await lineBecomes(terminal, "vegas-credentials env --format=powershell ");
  await clear(terminal);

  typeTab(terminal, "vegas-credentials assume --profile=sin");
  await screenShows(terminal, /^sinatra +singer\s*$/m);
  await clear(terminal);
  typeTab(terminal, "vegas-credentials assume -p ca");
  await lineBecomes(terminal, "vegas-credentials assume -p café ");
  await clear(terminal);

  typeTab(terminal, "vegas-credentials assume --");
  await screenShows(terminal, /^--profile +-- Profile in ~\/\.aws\/config$/m);
  await screenShows(terminal, /^--no-gui +-- Never show a GUI dialog/m);
});

/** fish's own completion engine on `line`, with the script installed where the README says. */
async function fishComplete(box: Sandbox, line: string): Promise<string[]> {
  const output = await new Deno.Command("fish", {
    args: ["-c", `complete -C ${JSON.stringify(line)}`],
    env: box.env,
    clearEnv: true,
    stdin: "null",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(new TextDecoder().decode(output.stderr), "");
  return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean)
    .map((entry) => entry.split("\t")[0]);
}

Deno.test("completion fish: installed in ~/.config/fish/completions; fish completes from it", async () => {
  await using box = sandbox();
  const script = await runCli(box, ["completion", "fish"]);
  assert.equal(script.code, 0, script.stderr);
  Deno.mkdirSync(`${box.home}/.config/fish/completions`, { recursive: true });
  Deno.writeTextFileSync(
    `${box.home}/.config/fish/completions/vegas-credentials.fish`,
    script.stdout,
  );

  assert.deepEqual(await fishComplete(box, "vegas-credentials con"), ["config", "console"]);
  assert.deepEqual(await fishComplete(box, "vegas-credentials config "), [
    "import",
    "list",
    "show-profile",
  ]);
  assert.deepEqual(await fishComplete(box, "vegas-credentials cache clean --s"), ["--sessions"]);
  assert.deepEqual(await fishComplete(box, "vegas-credentials env --format "), [
    "fish",
    "json",
    "powershell",
    "sh",
  ]);
  assert.deepEqual(
    (await fishComplete(box, "vegas-credentials assume --profile ")).sort(),
    [...VEGAS_PROFILES].sort(),
  );
  assert.deepEqual((await fishComplete(box, "vegas-credentials assume --profile=si")).sort(), [
    "--profile=sinatra",
    "--profile=singer",
  ]);
  assert.deepEqual(await fishComplete(box, "vegas-credentials config import -p "), ["legacy"]);
  assert.deepEqual(await fishComplete(box, "vegas-credentials completion "), [
    "bash",
    "fish",
    "powershell",
    "zsh",
  ]);
  assert.deepEqual(await fishComplete(box, "vegas-credentials help cache "), ["clean"]);
  const options = await fishComplete(box, "vegas-credentials status --");
  for (const option of ["--json", "--profile", "--verbose", "--no-color", "--help", "--version"]) {
    assert.ok(options.includes(option), `${option} in ${options}`);
  }
  const versionOptions = await fishComplete(box, "vegas-credentials version --");
  assert.ok(versionOptions.includes("--full"), `--full in ${versionOptions}`);
  assert.ok(!versionOptions.includes("--profile"), "version takes no --profile");
  // After `exec … --`: the command's own completion (here: command names).
  assert.ok((await fishComplete(box, "vegas-credentials exec -p singer -- vegas-cred"))
    .includes("vegas-credentials"));
});

Deno.test("completion: __complete lists the profiles of a 200-profile config; quiet on a broken one", async () => {
  await using box = makeSandbox();
  const names = Array.from({ length: 200 }, (_, i) => `role-${String(i).padStart(3, "0")}`);
  box.writeConfig(names.map(vegasProfile).join("\n"));
  const result = await runCli(box, ["__complete", "profiles"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.split("\n").slice(0, -1), names);
  assert.equal((await runCli(box, ["__complete", "role-profiles"])).stdout, "");

  box.writeConfig("[profile a]\nregion = x\nregion = y\n");
  const broken = await runCli(box, ["__complete", "profiles"]);
  assert.deepEqual([broken.code, broken.stdout, broken.stderr], [0, "", ""]);
  assert.equal((await runCli(box, ["__complete", "nonsense"])).code, 2);
  // Hidden: not a command of the help.
  assert.doesNotMatch((await runCli(box, ["--help"])).stdout, /__complete/);
});

Deno.test("completion: usage, --help with the install lines", async () => {
  await using box = makeSandbox();
  const help = await runCli(box, ["completion", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /eval "\$\(vegas-credentials completion bash\)"/);
  assert.match(help.stdout, /~\/\.config\/fish\/completions\/vegas-credentials\.fish/);
  assert.match(help.stdout, /completion powershell >> \$PROFILE/);
  for (const args of [["completion"], ["completion", "tcsh"], ["completion", "bash", "zsh"]]) {
    const result = await runCli(box, args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /completion needs the shell: .*bash\|zsh\|fish\|powershell|unexpected argument 'zsh'/,
    );
  }
});

Deno.test("completion: rotate and keys --profile offer the source profiles, not the role profiles", async () => {
  await using box = sandbox();
  // A second source profile, named only by a role profile (its keys would be in credentials).
  Deno.writeTextFileSync(
    box.configFile,
    `\n[profile deploy]\ncredential_process = vegas-credentials assume --profile=deploy\n` +
      `vegas_role_arn = ${TEST_ROLE_ARN}\nvegas_source_profile = iam\n`,
    { append: true },
  );
  const fish = await runCli(box, ["completion", "fish"]);
  Deno.mkdirSync(`${box.home}/.config/fish/completions`, { recursive: true });
  Deno.writeTextFileSync(
    `${box.home}/.config/fish/completions/vegas-credentials.fish`,
    fish.stdout,
  );
  const bash = await runCli(box, ["completion", "bash"]);
  Deno.writeTextFileSync(`${box.home}/completion.bash`, bash.stdout);
  const bashComplete = async (words: string[]) => {
    const output = await new Deno.Command("bash", {
      args: [
        "-c",
        `. ~/completion.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); ` +
        `COMP_CWORD=${words.length - 1}; _vegas_credentials; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      env: box.env,
      clearEnv: true,
      stdin: "null",
    }).output();
    return new TextDecoder().decode(output.stdout).split("\n").filter(Boolean);
  };
  for (const command of ["rotate", "keys add", "keys import", "keys export", "keys remove"]) {
    const words = ["vegas-credentials", ...command.split(" "), "--profile", ""];
    assert.deepEqual(await fishComplete(box, `${words.join(" ")}`), ["default", "iam"], command);
    assert.deepEqual(await bashComplete(words), ["default", "iam"], command);
  }
  // The role profiles' commands still offer the role profiles.
  assert.ok((await bashComplete(["vegas-credentials", "exec", "-p", ""])).includes("deploy"));
});
