/**
 * `completion bash|zsh|fish|powershell`: prints a shell completion script.
 *
 * Commands, options and option values come from the command table when the script is printed, so
 * a script always matches the program that wrote it. Profile names change with the config file,
 * so the script asks the program for them on each Tab (`__complete profiles`, src/cli/complete.ts):
 * one short process that reads only the config file, with no other work behind it.
 * @module
 */
import type { CommandContext } from "../commands/context.ts";
import { COMMANDS, GLOBAL_OPTIONS, VERSION_OPTION } from "./commands.ts";
import type { OptionSpec, OptionSpecs } from "./args.ts";
import { UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";

/** The shells a script can be printed for. */
export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

/** What an option's value completes to. */
export type ValueKind =
  | { readonly kind: "profiles" | "role-profiles" | "source-profiles" | "file" }
  | { readonly kind: "choices"; readonly choices: readonly string[] };

/** An option as completion sees it. */
export interface CompletionOption {
  readonly long: string;
  readonly short?: string;
  readonly description: string;
  /** Undefined for a flag; what its value completes to otherwise (`none`: free text). */
  readonly value?: ValueKind | { readonly kind: "none" };
}

/** A command (one or two words) with its options and positional words. */
export interface CompletionCommand {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly CompletionOption[];
  /** Words its first positional argument may be. */
  readonly arguments?: readonly string[];
  /** Takes a command line after `--` (exec). */
  readonly commandAfterDashes?: boolean;
}

/** Everything a completion script knows. */
export interface CompletionModel {
  readonly commands: readonly CompletionCommand[];
  readonly global: readonly CompletionOption[];
  /** First words: single commands and group words (`config`, `cache`), with a summary. */
  readonly firstWords: readonly { readonly word: string; readonly summary: string }[];
  /** Group word → its subcommand words. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

function option(long: string, spec: OptionSpec): CompletionOption {
  let value: CompletionOption["value"];
  if (spec.type === "string") {
    if (spec.choices) value = { kind: "choices", choices: spec.choices };
    else if (spec.complete) value = { kind: spec.complete };
    else if (long === "profile") value = { kind: "profiles" };
    else value = { kind: "none" };
  }
  return { long, short: spec.short, description: spec.description, value };
}

function options(specs: OptionSpecs): CompletionOption[] {
  return Object.entries(specs).map(([long, spec]) => option(long, spec));
}

/** The completion model of the command table. */
export function completionModel(): CompletionModel {
  const groups = new Map<string, string[]>();
  const firstWords: { word: string; summary: string }[] = [];
  for (const command of COMMANDS) {
    const [first, second] = command.name.split(" ");
    if (second === undefined) {
      firstWords.push({ word: first, summary: command.summary });
      continue;
    }
    if (!groups.has(first)) {
      groups.set(first, []);
      firstWords.push({ word: first, summary: "" });
    }
    groups.get(first)!.push(second);
  }
  for (const entry of firstWords) {
    const subcommands = groups.get(entry.word);
    if (subcommands) entry.summary = `Commands: ${subcommands.join(", ")}`;
  }
  const words = firstWords.map((entry) => entry.word);
  return {
    commands: COMMANDS.map((command) => ({
      name: command.name,
      summary: command.summary,
      options: options(command.options),
      arguments: command.name === "help" ? words : command.arguments,
      commandAfterDashes: command.commandAfterDashes,
    })),
    global: options({ ...GLOBAL_OPTIONS, version: VERSION_OPTION }),
    firstWords,
    groups,
  };
}

/** `'text'` for POSIX shells (bash, zsh). */
function sq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `'text'` for fish: backslash and quote escaped. */
function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** `'text'` for PowerShell. */
function psQuote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Every `--long` and `-s` name of an option that takes a value. */
function valueOptionNames(model: CompletionModel): string[] {
  const names = new Set<string>();
  for (const opt of [...model.global, ...model.commands.flatMap((c) => c.options)]) {
    if (opt.value === undefined) continue;
    names.add(`--${opt.long}`);
    if (opt.short) names.add(`-${opt.short}`);
  }
  return [...names];
}

const HEADER = (shell: Shell) =>
  `# ${shell} completion for vegas-credentials ${VERSION}, printed by ` +
  `\`vegas-credentials completion ${shell}\`.\n` +
  "# Commands and options are those of this version; profile names are read from your AWS config\n" +
  "# on each Tab (`vegas-credentials __complete profiles`).\n";

/** The bash script (bash 3.2 and later; no bash-completion package needed). */
export function bashScript(model: CompletionModel): string {
  const optionWords = (command?: CompletionCommand) =>
    [...(command?.options ?? []), ...model.global].map((o) => `--${o.long}`).join(" ");
  const optionCases = model.commands.map((c) => `    ${sq(c.name)}) echo ${sq(optionWords(c))} ;;`);
  const valueCases: string[] = [];
  for (const command of model.commands) {
    for (const opt of command.options) {
      const value = opt.value;
      if (!value || value.kind === "none") continue;
      const names = [`--${opt.long}`, ...(opt.short ? [`-${opt.short}`] : [])]
        .map((name) => sq(`${command.name} ${name}`)).join("|");
      const action = value.kind === "choices"
        ? `_vegas_credentials_words ${sq(value.choices.join(" "))} "$4"`
        : value.kind === "file"
        ? `_vegas_credentials_files "$4"`
        : `_vegas_credentials_profiles "$1" ${value.kind} "$4"`;
      valueCases.push(`    ${names}) ${action} ;;`);
    }
  }
  const argumentCases = model.commands.filter((c) => c.arguments?.length).map((c) =>
    `    ${sq(c.name)}) _vegas_credentials_words ${sq(c.arguments!.join(" "))} "$cur" ;;`
  );
  const groupCases = [...model.groups].map(([group, subcommands]) =>
    `    ${sq(group)}) echo ${sq(subcommands.join(" "))} ;;`
  );
  return `${
    HEADER("bash")
  }# Install: eval "$(vegas-credentials completion bash)"   (e.g. in ~/.bashrc)

_vegas_credentials_words() { # WORDS PREFIX: the words that start with PREFIX
  local word
  for word in $1; do
    [[ $word == "$2"* ]] && COMPREPLY+=("$word")
  done
  return 0
}

_vegas_credentials_files() { # PREFIX
  local path
  while IFS= read -r path; do
    COMPREPLY+=("$path")
  done < <(compgen -f -- "$1")
  type compopt >/dev/null 2>&1 && compopt -o filenames
  return 0
}

_vegas_credentials_profiles() { # PROGRAM KIND PREFIX: profile names from the config file
  local name quoted
  while IFS= read -r name; do
    [[ $name == "$3"* ]] || continue
    printf -v quoted '%q' "$name"
    COMPREPLY+=("$quoted")
  done < <("$1" __complete "$2" 2>/dev/null)
  return 0
}

_vegas_credentials_options() { # COMMAND: its options and the global ones
  case $1 in
${optionCases.join("\n")}
    *) echo ${sq(optionWords())} ;;
  esac
}

_vegas_credentials_subcommands() { # GROUP
  case $1 in
${groupCases.join("\n")}
  esac
}

_vegas_credentials_values() { # PROGRAM COMMAND OPTION PREFIX
  case "$2 $3" in
${valueCases.join("\n")}
    *' --profile'|*' -p') _vegas_credentials_profiles "$1" profiles "$4" ;;
  esac
}

_vegas_credentials() {
  local program=\${COMP_WORDS[0]} i n word cur expect="" command="" dashes=-1 prefix=""
  local -a args=() words=()
  COMPREPLY=()
  [[ $program == "~/"* ]] && program=$HOME/\${program#"~/"}
  type -P -- "$program" >/dev/null 2>&1 || program=vegas-credentials
  # bash splits --option=VALUE at "=" (COMP_WORDBREAKS): join those pieces again.
  for ((i = 1; i <= COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    n=\${#args[@]}
    if ((n)) && [[ \${args[n-1]} == --?* ]] &&
      { [[ $word == "=" && \${args[n-1]} != *=* ]] || [[ \${args[n-1]} == *= ]]; }; then
      args[n-1]+=$word
    else
      args+=("$word")
    fi
  done
  n=\${#args[@]}
  cur=\${args[n-1]}
  for ((i = 0; i < n - 1; i++)); do
    word=\${args[i]}
    if ((dashes >= 0)); then
      ((dashes++))
    elif [[ -n $expect ]]; then
      expect=""
    elif [[ $word == -- ]]; then
      dashes=0
    elif [[ $word == -* ]]; then
      case $word in
        ${valueOptionNames(model).join("|")}) expect=$word ;;
      esac
    else
      words+=("$word")
    fi
  done
  command=\${words[0]-}
  if [[ -n $(_vegas_credentials_subcommands "$command") && -n \${words[1]-} ]]; then
    command="$command \${words[1]}"
  fi
  if ((dashes == 0)); then # the command exec runs
    while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -c -- "$cur")
    return 0
  elif ((dashes > 0)); then
    _vegas_credentials_files "$cur"
    return 0
  elif [[ -n $expect ]]; then
    _vegas_credentials_values "$program" "$command" "$expect" "$cur"
  elif [[ $cur == --*=* ]]; then
    prefix=\${cur%%=*}=
    _vegas_credentials_values "$program" "$command" "\${cur%%=*}" "\${cur#*=}"
    # Without "=" in COMP_WORDBREAKS the whole --option=value word is replaced.
    if [[ $COMP_WORDBREAKS != *=* ]]; then
      COMPREPLY=("\${COMPREPLY[@]/#/$prefix}")
    fi
  elif [[ $cur == -* ]]; then
    _vegas_credentials_words "$(_vegas_credentials_options "$command")" "$cur"
  elif ((\${#words[@]} == 0)); then
    _vegas_credentials_words ${sq(model.firstWords.map((w) => w.word).join(" "))} "$cur"
  elif ((\${#words[@]} == 1)) && [[ -n $(_vegas_credentials_subcommands "$command") ]]; then
    _vegas_credentials_words "$(_vegas_credentials_subcommands "$command")" "$cur"
  elif [[ $command == help ]] && ((\${#words[@]} == 2)); then
    _vegas_credentials_words "$(_vegas_credentials_subcommands "\${words[1]}")" "$cur"
  elif ((\${#words[@]} == 1)); then
    case $command in
${argumentCases.map((line) => `  ${line}`).join("\n")}
    esac
  fi
  return 0
}

complete -F _vegas_credentials vegas-credentials
`;
}

/** The zsh script (after `compinit`). */
export function zshScript(model: CompletionModel): string {
  const describe = (entries: readonly { readonly word: string; readonly summary: string }[]) =>
    entries.map((e) => sq(`${e.word.replaceAll(":", "\\:")}:${e.summary}`)).join(" ");
  const optionEntries = (list: readonly CompletionOption[]) =>
    list.map((o) => ({ word: `--${o.long}`, summary: o.description }));
  const optionCases = model.commands.map((c) =>
    `    ${sq(c.name)}) opts=(${describe(optionEntries([...c.options, ...model.global]))}) ;;`
  );
  const valueCases: string[] = [];
  for (const command of model.commands) {
    for (const opt of command.options) {
      const value = opt.value;
      if (!value || value.kind === "none") continue;
      const names = [`--${opt.long}`, ...(opt.short ? [`-${opt.short}`] : [])]
        .map((name) => sq(`${command.name} ${name}`)).join("|");
      const action = value.kind === "choices"
        ? `compadd -- ${value.choices.map(sq).join(" ")}`
        : value.kind === "file"
        ? "_files"
        : `_vegas_credentials_profiles "$1" ${value.kind}`;
      valueCases.push(`    ${names}) ${action} ;;`);
    }
  }
  const groupCases = [...model.groups].map(([group, subcommands]) => {
    const entries = subcommands.map((word) => ({
      word,
      summary: model.commands.find((c) => c.name === `${group} ${word}`)!.summary,
    }));
    return `    ${sq(group)}) subs=(${describe(entries)}) ;;`;
  });
  const argumentCases = model.commands.filter((c) => c.arguments?.length && c.name !== "help")
    .map((c) => `    ${sq(c.name)}) compadd -- ${c.arguments!.map(sq).join(" ")} ;;`);
  return `#compdef vegas-credentials
${
    HEADER("zsh")
  }# Install: source <(vegas-credentials completion zsh)   (in ~/.zshrc, after compinit)

_vegas_credentials_profiles() { # PROGRAM KIND: profile names from the config file
  local -a names
  names=(\${(f)"$("$1" __complete "$2" 2>/dev/null)"})
  compadd -a names
}

_vegas_credentials_subcommands() { # GROUP: sets subs
  subs=()
  case $1 in
${groupCases.join("\n")}
  esac
}

_vegas_credentials_values() { # PROGRAM COMMAND OPTION
  case "$2 $3" in
${valueCases.join("\n")}
    *' --profile'|*' -p') _vegas_credentials_profiles "$1" profiles ;;
  esac
}

_vegas_credentials() {
  local program=\${words[1]} cur=\${words[CURRENT]} word expect="" command="" i dashes=-1
  local -a positional opts subs
  program=\${~program}
  (( $+commands[$program] )) || [[ -x $program ]] || program=vegas-credentials
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    if ((dashes >= 0)); then
      ((dashes++))
    elif [[ -n $expect ]]; then
      expect=""
    elif [[ $word == -- ]]; then
      dashes=0
    elif [[ $word == -* ]]; then
      case $word in
        ${valueOptionNames(model).join("|")}) expect=$word ;;
      esac
    else
      positional+=("$word")
    fi
  done
  command=\${positional[1]-}
  _vegas_credentials_subcommands "$command"
  if ((\${#subs} && \${#positional} >= 2)); then
    command="$command \${positional[2]}"
  fi
  if ((dashes >= 0)); then
    # The command exec runs, then its own arguments.
    words=("\${(@)words[CURRENT-dashes,-1]}")
    ((CURRENT = dashes + 1))
    _normal
    return
  fi
  if [[ -n $expect ]]; then
    _vegas_credentials_values "$program" "$command" "$expect"
  elif [[ $cur == --*=* ]]; then
    local option=\${cur%%=*}
    compset -P '*='
    _vegas_credentials_values "$program" "$command" "$option"
  elif [[ $cur == -* ]]; then
    case $command in
${optionCases.join("\n")}
      *) opts=(${describe(optionEntries(model.global))}) ;;
    esac
    _describe -t options option opts
  elif ((\${#positional} == 0)); then
    local -a first
    first=(${describe(model.firstWords)})
    _describe -t commands command first
  elif ((\${#positional} == 1 && \${#subs})); then
    _describe -t commands command subs
  elif [[ $command == help ]]; then
    if ((\${#positional} == 1)); then
      compadd -- ${model.firstWords.map((w) => sq(w.word)).join(" ")}
    else
      _vegas_credentials_subcommands "\${positional[2]}"
      ((\${#positional} == 2 && \${#subs})) && _describe -t commands command subs
    fi
  elif ((\${#positional} == 1)); then
    case $command in
${argumentCases.map((line) => `  ${line}`).join("\n")}
    esac
  fi
}

compdef _vegas_credentials vegas-credentials
`;
}

/** The fish script. */
export function fishScript(model: CompletionModel): string {
  const c = "complete -c vegas-credentials";
  const lines: string[] = [
    `${
      HEADER("fish")
    }# Install: vegas-credentials completion fish > ~/.config/fish/completions/vegas-credentials.fish`,
    "",
    "function __vegas_credentials_profiles --argument-names kind",
    "    set -l program (commandline -opc)[1]",
    "    command -q -- $program; or set program vegas-credentials",
    "    $program __complete $kind 2>/dev/null",
    "end",
    "",
    "# The words that are not options (nor option values), before the cursor.",
    "function __vegas_credentials_words",
    "    set -l tokens (commandline -opc)[2..-1]",
    "    set -l skip 0",
    "    for token in $tokens",
    "        if test $skip = 1",
    "            set skip 0",
    "            continue",
    "        end",
    "        switch $token",
    "            case --",
    "                return",
    `            case ${valueOptionNames(model).join(" ")}`,
    "                set skip 1",
    "            case '-*'",
    "            case '*'",
    "                echo $token",
    "        end",
    "    end",
    "end",
    "",
    "# Is the command (one or two words) $argv?",
    "function __vegas_credentials_is",
    "    set -l words (__vegas_credentials_words)",
    "    set -l n (count $argv)",
    "    test (count $words) -ge $n; or return 1",
    '    test "$words[1..$n]" = "$argv"',
    "end",
    "",
    "function __vegas_credentials_count --argument-names n",
    "    test (count (__vegas_credentials_words)) -eq $n",
    "end",
    "",
    "function __vegas_credentials_after_dashes",
    "    contains -- -- (commandline -opc)",
    "end",
    "",
    "# After `exec … --`: whatever fish completes for the command line that follows.",
    "function __vegas_credentials_command_line",
    "    set -l tokens (commandline -opc)",
    "    set -l start (math (contains -i -- -- $tokens) + 1)",
    "    set -l line (string escape -- $tokens[$start..-1]) (commandline -ct)",
    "    complete -C (string join ' ' -- $line)",
    "end",
    "",
    `${c} -n 'not __vegas_credentials_after_dashes' -f`,
    `${c} -n __vegas_credentials_after_dashes -f -a '(__vegas_credentials_command_line)'`,
  ];
  for (const { word, summary } of model.firstWords) {
    lines.push(
      `${c} -n '__vegas_credentials_count 0' -a ${fishQuote(word)} -d ${fishQuote(summary)}`,
    );
  }
  for (const [group, subcommands] of model.groups) {
    for (const word of subcommands) {
      const summary = model.commands.find((x) => x.name === `${group} ${word}`)!.summary;
      lines.push(
        `${c} -n ${fishQuote(`__vegas_credentials_is ${group}; and __vegas_credentials_count 1`)}` +
          ` -a ${fishQuote(word)} -d ${fishQuote(summary)}`,
      );
    }
  }
  const optionLine = (opt: CompletionOption, condition: string) => {
    const parts = [c, "-n", fishQuote(condition), "-l", opt.long];
    if (opt.short) parts.push("-s", opt.short);
    const value = opt.value;
    if (value) {
      parts.push("-r");
      if (value.kind === "choices") parts.push("-xa", fishQuote(value.choices.join(" ")));
      else if (value.kind.endsWith("profiles")) {
        parts.push("-xa", fishQuote(`(__vegas_credentials_profiles ${value.kind})`));
      } else if (value.kind === "file") parts.push("-F");
    }
    parts.push("-d", fishQuote(opt.description));
    return parts.join(" ");
  };
  for (const opt of model.global) {
    lines.push(optionLine(opt, "not __vegas_credentials_after_dashes"));
  }
  for (const command of model.commands) {
    const is = `__vegas_credentials_is ${command.name}; and not __vegas_credentials_after_dashes`;
    for (const opt of command.options) lines.push(optionLine(opt, is));
    if (command.arguments?.length && command.name !== "help") {
      const words = command.name.split(" ").length;
      lines.push(
        `${c} -n ${
          fishQuote(
            `__vegas_credentials_is ${command.name}; and __vegas_credentials_count ${words}`,
          )
        }` +
          ` -a ${fishQuote(command.arguments.join(" "))}`,
      );
    }
  }
  lines.push(
    `${c} -n ${fishQuote("__vegas_credentials_is help; and __vegas_credentials_count 1")} -a ${
      fishQuote(model.firstWords.map((w) => w.word).join(" "))
    }`,
  );
  for (const [group, subcommands] of model.groups) {
    lines.push(
      `${c} -n ${
        fishQuote(`__vegas_credentials_is help ${group}; and __vegas_credentials_count 2`)
      }` +
        ` -a ${fishQuote(subcommands.join(" "))}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The PowerShell script (Windows PowerShell 5.1 and PowerShell 7). */
export function powershellScript(model: CompletionModel): string {
  const list = (items: readonly string[]) => `@(${items.map(psQuote).join(", ")})`;
  const optionsOf = (command?: CompletionCommand) =>
    list([...(command?.options ?? []), ...model.global].map((o) => `--${o.long}`));
  const commandOptions = model.commands.map((c) => `    ${psQuote(c.name)} = ${optionsOf(c)}`);
  const values: string[] = [];
  for (const command of model.commands) {
    for (const opt of command.options) {
      const value = opt.value;
      if (!value || value.kind === "none") continue;
      const action = value.kind === "choices" ? list(value.choices) : psQuote(value.kind);
      for (const name of [`--${opt.long}`, ...(opt.short ? [`-${opt.short}`] : [])]) {
        values.push(`    ${psQuote(`${command.name} ${name}`)} = ${action}`);
      }
    }
  }
  const groups = [...model.groups].map(([group, subs]) => `    ${psQuote(group)} = ${list(subs)}`);
  const args = model.commands.filter((c) => c.arguments?.length && c.name !== "help")
    .map((c) => `    ${psQuote(c.name)} = ${list(c.arguments!)}`);
  return `${
    HEADER("powershell")
  }# Install: vegas-credentials completion powershell >> $PROFILE   (then open a new shell)

Register-ArgumentCompleter -Native -CommandName 'vegas-credentials', 'vegas-credentials.exe' -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $firstWords = ${list(model.firstWords.map((w) => w.word))}
  $groups = @{
${groups.join("\n")}
  }
  $options = @{
${commandOptions.join("\n")}
  }
  $globalOptions = ${optionsOf()}
  $values = @{
${values.join("\n")}
  }
  $arguments = @{
${args.join("\n")}
  }
  $valueOptions = ${list(valueOptionNames(model))}
  $program = $commandAst.CommandElements[0].ToString()
  if (-not (Get-Command $program -ErrorAction SilentlyContinue)) { $program = 'vegas-credentials' }
  $before = @($commandAst.CommandElements | Select-Object -Skip 1 |
    Where-Object { $_.Extent.EndOffset -lt $cursorPosition -or ($_.Extent.EndOffset -eq $cursorPosition -and $wordToComplete -eq '') } |
    ForEach-Object { $_.ToString() })
  $words = @(); $expect = $null; $dashes = -1
  foreach ($word in $before) {
    if ($dashes -ge 0) { $dashes++ }
    elseif ($expect) { $expect = $null }
    elseif ($word -eq '--') { $dashes = 0 }
    elseif ($word -like '-*') { if ($valueOptions -contains $word) { $expect = $word } }
    else { $words += $word }
  }
  if ($dashes -ge 0) { return }
  $command = if ($words.Count -ge 1) { $words[0] } else { '' }
  if ($groups.ContainsKey($command) -and $words.Count -ge 2) { $command = "$command $($words[1])" }
  $prefix = ''
  $current = $wordToComplete
  if (-not $expect -and $current -like '--*=*') {
    $expect = $current.Substring(0, $current.IndexOf('='))
    $prefix = $current.Substring(0, $current.IndexOf('=') + 1)
    $current = $current.Substring($current.IndexOf('=') + 1)
  }
  $candidates = @()
  if ($expect) {
    $kind = $values["$command $expect"]
    if ($null -eq $kind -and ($expect -eq '--profile' -or $expect -eq '-p')) { $kind = 'profiles' }
    if ($kind -is [array]) { $candidates = $kind }
    elseif ($kind -like '*profiles') {
      $candidates = @(& $program __complete $kind 2>$null)
    } elseif ($kind -eq 'file') {
      $candidates = @(Get-ChildItem -Path "$current*" -ErrorAction SilentlyContinue | ForEach-Object { $_.FullName })
    }
  } elseif ($current -like '-*') {
    $candidates = if ($options.ContainsKey($command)) { $options[$command] } else { $globalOptions }
  } elseif ($words.Count -eq 0) {
    $candidates = $firstWords
  } elseif ($words.Count -eq 1 -and $groups.ContainsKey($command)) {
    $candidates = $groups[$command]
  } elseif ($command -eq 'help') {
    if ($words.Count -eq 1) { $candidates = $firstWords }
    elseif ($words.Count -eq 2 -and $groups.ContainsKey($words[1])) { $candidates = $groups[$words[1]] }
  } elseif ($words.Count -eq 1 -and $arguments.ContainsKey($command)) {
    $candidates = $arguments[$command]
  }
  $candidates | Where-Object { $_ -like "$current*" } | ForEach-Object {
    $text = if ($_ -match '[\\s''"]') { "'" + ($_ -replace "'", "''") + "'" } else { $_ }
    [System.Management.Automation.CompletionResult]::new("$prefix$text", $_, 'ParameterValue', $_)
  }
}
`;
}

/** The script for `shell`. */
export function completionScript(shell: Shell, model = completionModel()): string {
  switch (shell) {
    case "bash":
      return bashScript(model);
    case "zsh":
      return zshScript(model);
    case "fish":
      return fishScript(model);
    case "powershell":
      return powershellScript(model);
  }
}

/** Runs `completion SHELL`. */
export function runCompletion(context: CommandContext): Promise<number> {
  const [shell, extra] = context.positionals;
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(
      `completion needs the shell: vegas-credentials completion ${SHELLS.join("|")}` +
        (shell === undefined ? "" : ` (not '${shell}')`),
    );
  }
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  context.print(completionScript(shell as Shell));
  return Promise.resolve(0);
}
