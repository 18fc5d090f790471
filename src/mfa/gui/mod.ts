/**
 * The `gui` MFA input and its dialogs.
 * @module
 */
export {
  DIALOGS,
  dialogSubject,
  type Gui,
  type GuiAvailability,
  guiAvailability,
  guiDriver,
  openGui,
  UNIX_DIALOGS,
} from "./gui_input.ts";
export {
  codeDialog,
  type DialogAnswer,
  type DialogCommand,
  type DialogModule,
  type DialogResult,
  type DialogSpec,
  type DialogSubject,
  passwordDialog,
} from "./dialog.ts";
