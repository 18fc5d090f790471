/**
 * GUI dialog: a small WinForms window run by Windows PowerShell. The script goes on stdin
 * (`-Command -`), so nothing but fixed flags is on the command line. The script is fixed text:
 * the title and the question (which name the profile, from the user's files) reach it as data,
 * in environment variables, never inside its source — PowerShell takes U+2018–U+201B for quotes
 * too, so no quoting scheme is worth trusting with them.
 * @module
 */
import type { DialogAnswer, DialogCommand, DialogResult, DialogSpec } from "./dialog.ts";
import { firstErrorLine } from "./dialog.ts";

/** Program name. */
export const name = "powershell";

/** Printed before the answer so PowerShell noise is never taken for one. */
export const ANSWER_MARKER = "vegas-answer:";

/** Environment variables that carry the dialog's texts into the script. */
export const TITLE_VARIABLE = "VEGAS_DIALOG_TITLE";
/** See {@link TITLE_VARIABLE}. */
export const TEXT_VARIABLE = "VEGAS_DIALOG_TEXT";

/**
 * The dialog script. Every line is a complete statement: `-Command -` runs stdin line by line.
 * A masked text box when `hidden`; OK prints the marker and the text, Cancel prints nothing. The
 * texts come from {@link TITLE_VARIABLE} and {@link TEXT_VARIABLE}.
 */
export function script(spec: Pick<DialogSpec, "hidden">): string {
  const lines = [
    "$ErrorActionPreference = 'Stop'",
    "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8",
    "Add-Type -AssemblyName System.Windows.Forms",
    "Add-Type -AssemblyName System.Drawing",
    "[System.Windows.Forms.Application]::EnableVisualStyles()",
    "$form = New-Object System.Windows.Forms.Form",
    `$form.Text = $env:${TITLE_VARIABLE}`,
    "$form.FormBorderStyle = 'FixedDialog'",
    "$form.MaximizeBox = $false",
    "$form.MinimizeBox = $false",
    "$form.StartPosition = 'CenterScreen'",
    "$form.TopMost = $true",
    "$form.ClientSize = New-Object System.Drawing.Size(560, 200)",
    "$label = New-Object System.Windows.Forms.Label",
    `$label.Text = $env:${TEXT_VARIABLE}`,
    "$label.SetBounds(12, 12, 536, 110)",
    "$box = New-Object System.Windows.Forms.TextBox",
    "$box.SetBounds(12, 128, 536, 24)",
    ...(spec.hidden ? ["$box.UseSystemPasswordChar = $true"] : []),
    "$ok = New-Object System.Windows.Forms.Button",
    "$ok.Text = 'OK'",
    "$ok.DialogResult = [System.Windows.Forms.DialogResult]::OK",
    "$ok.SetBounds(392, 164, 75, 26)",
    "$cancel = New-Object System.Windows.Forms.Button",
    "$cancel.Text = 'Cancel'",
    "$cancel.DialogResult = [System.Windows.Forms.DialogResult]::Cancel",
    "$cancel.SetBounds(473, 164, 75, 26)",
    "$form.Controls.AddRange(@($label, $box, $ok, $cancel))",
    "$form.AcceptButton = $ok",
    "$form.CancelButton = $cancel",
    "$form.Add_Shown({ $form.Activate(); $box.Focus() | Out-Null })",
    "if ($form.ShowDialog() -eq [System.Windows.Forms.DialogResult]::OK) " +
    `{ [Console]::Out.Write('${ANSWER_MARKER}' + $box.Text) }`,
  ];
  return lines.join("\r\n") + "\r\n";
}

/**
 * `powershell.exe -NoProfile -NonInteractive -Command -` with {@link script} on stdin and the texts
 * in its environment (line breaks as Windows writes them).
 */
export function command(spec: DialogSpec, cmd = "powershell.exe"): DialogCommand {
  return {
    cmd,
    args: ["-NoProfile", "-NonInteractive", "-Command", "-"],
    stdin: script(spec),
    env: {
      [TITLE_VARIABLE]: spec.title,
      [TEXT_VARIABLE]: spec.text.replace(/\r?\n/g, "\r\n"),
    },
  };
}

/** OK prints the marker and the answer; Cancel or closing the window prints nothing. */
export function parse(result: DialogResult): DialogAnswer {
  const at = result.stdout.indexOf(ANSWER_MARKER);
  if (result.code === 0 && at >= 0) {
    return {
      kind: "answer",
      text: result.stdout.slice(at + ANSWER_MARKER.length).replace(/\r?\n$/, ""),
    };
  }
  if (result.code === 0 && result.stdout.trim() === "") return { kind: "cancelled" };
  return {
    kind: "error",
    message: `PowerShell dialog failed (exit code ${result.code}): ${
      firstErrorLine(result.stderr || result.stdout)
    }`,
  };
}
