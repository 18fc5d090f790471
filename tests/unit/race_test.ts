/**
 * The MFA race (src/mfa/race.ts) with small in-test inputs and drivers that the test answers, fails
 * or cancels by hand, so every ordering is set by the test and not by timers.
 */
import assert from "node:assert/strict";
import { raceInputs, selectInputs } from "../../src/mfa/race.ts";
import { driverNames } from "../../src/mfa/registry.ts";
import { MFA_INPUT_NAMES } from "../../src/config/validate.ts";
import {
  MfaCancelled,
  type MfaDriver,
  MfaFailed,
  type MfaInput,
  MfaInputError,
  type MfaRequest,
} from "../../src/mfa/types.ts";
import { VegasError } from "../../src/errors.ts";
import type { ResolvedProfile } from "../../src/config/resolve.ts";
import { Ui } from "../../src/ui.ts";

/** The real Ui, keeping what the race says instead of writing it to the terminal. */
class RecordingUi extends Ui {
  readonly debugLines: string[] = [];
  readonly infoLines: string[] = [];
  constructor() {
    super({ verbose: false, color: false, emoji: false, noGui: true });
  }
  override debug(text: string): void {
    this.debugLines.push(text);
  }
  override info(text: string): void {
    this.infoLines.push(text);
  }
}

function request(mfaInputs?: string[]): MfaRequest {
  const profile = { profile: "singer", mfaInputs } as unknown as ResolvedProfile;
  return { profile, attempt: 1, ui: new RecordingUi(), env: () => undefined, childEnv: {} };
}

/**
 * An input the test drives: it answers or fails when told, and notes the abort reason when the race
 * stops it while it is still waiting (as a real input closes its prompt).
 */
class ScriptedInput implements MfaInput {
  readonly generator = false;
  started = false;
  /** The abort reason, when stopped while waiting. */
  stoppedWith: unknown;
  #settled = false;
  #resolve?: (answer: string) => void;
  #reject?: (error: unknown) => void;

  constructor(readonly name: string) {}

  read(_request: MfaRequest, signal: AbortSignal): Promise<string> {
    this.started = true;
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      signal.addEventListener("abort", () => {
        if (this.#settled) return;
        this.stoppedWith = signal.reason;
        this.fail(new MfaInputError(this.name, "stopped"));
      }, { once: true });
    });
  }

  answer(text: string) {
    this.#settled = true;
    this.#resolve!(text);
  }

  fail(error: unknown) {
    this.#settled = true;
    this.#reject!(error);
  }
}

const inputs = (...names: string[]) => names.map((name) => new ScriptedInput(name));

/** Whether `promise` has settled, as seen after the queued reactions ran. */
function watch(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(() => state.settled = true, () => state.settled = true);
  return state;
}

/** One turn of the event loop: every reaction already queued has run. */
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The overall timeout when the test is not about it: never reached when the race behaves, and a
 * race that does not end when it should fails the test with the timeout outcome instead of hanging.
 */
const LONG = 5_000;

Deno.test("race: every input starts at once; the first valid code wins and the others are stopped", async () => {
  const [process, yubikey, terminal] = inputs("process", "yubikey", "terminal");
  const race = raceInputs(request(), [process, yubikey, terminal], LONG);
  assert.ok(process.started && yubikey.started && terminal.started);
  yubikey.answer(" 123 456\n"); // spaces as authenticator apps show them
  const answer = await race;
  assert.equal(answer.code, "123456");
  assert.equal(answer.input, yubikey);
  // The losers see the abort, with the note the terminal prompt shows as it closes its line.
  assert.equal(process.stoppedWith, "answered by YubiKey");
  assert.equal(terminal.stoppedWith, "answered by YubiKey");
  assert.equal(yubikey.stoppedWith, undefined);
  terminal.answer("654321"); // a late answer changes nothing
  await turn();
});

Deno.test("race: an answer that is not 6 digits ends that input only; the others keep going", async () => {
  const [gui, terminal] = inputs("gui", "terminal");
  const ui = new RecordingUi();
  const race = raceInputs({ ...request(), ui }, [gui, terminal], LONG);
  const state = watch(race);
  gui.answer("12345");
  await turn();
  assert.equal(state.settled, false);
  assert.equal(terminal.stoppedWith, undefined);
  assert.deepEqual(ui.debugLines, [
    "MFA input gui gave no code: answered something other than 6 digits",
  ]);
  terminal.answer("654321");
  const answer = await race;
  assert.equal(answer.code, "654321");
  assert.equal(answer.input, terminal);
});

Deno.test("race: when every input fails, one error names each input's reason, after the last", async () => {
  const [process, yubikey, gui] = inputs("process", "yubikey", "gui");
  const race = raceInputs(request(), [process, yubikey, gui], LONG);
  const state = watch(race);
  process.fail(new MfaInputError("process", "vegas_mfa_process exited with status 1"));
  await turn();
  yubikey.fail(new Error("no YubiKey found"));
  await turn();
  assert.equal(state.settled, false);
  gui.answer("not a code");
  await assert.rejects(race, (error: Error) => {
    assert.ok(error instanceof VegasError);
    assert.equal(
      error.message,
      "no MFA code for profile 'singer': process: vegas_mfa_process exited with status 1; " +
        "yubikey: no YubiKey found; gui: answered something other than 6 digits",
    );
    return true;
  });
});

Deno.test("race: the overall timeout ends it with the timeout outcome and stops every input", async () => {
  const all = inputs("process", "gui", "terminal");
  const started = Date.now();
  await assert.rejects(raceInputs(request(), all, 50), (error: Error) => {
    assert.ok(error instanceof MfaFailed);
    assert.equal(error.outcome, "timeout");
    assert.match(
      error.message,
      /^no MFA code within \d+ s for profile 'singer' \(set vegas_mfa_timeout to wait longer\)$/,
    );
    return true;
  });
  assert.ok(Date.now() - started < 2_000);
  for (const input of all) assert.equal(input.stoppedWith, "timed out", input.name);
});

Deno.test("race: a cancel by the user ends it at once and stops the other inputs", async () => {
  const [process, gui, terminal] = inputs("process", "gui", "terminal");
  const race = raceInputs(request(), [process, gui, terminal], LONG);
  terminal.fail(new MfaCancelled("terminal"));
  await assert.rejects(race, (error: Error) => {
    assert.ok(error instanceof MfaFailed);
    assert.equal(error.outcome, "cancelled");
    assert.equal(error.message, "MFA prompt cancelled by user (terminal)");
    return true;
  });
  assert.equal(process.stoppedWith, "cancelled in the terminal");
  assert.equal(gui.stoppedWith, "cancelled in the terminal");
});

Deno.test("race: with several inputs chosen in vegas_mfa_inputs, a cancel leaves the others waiting", async () => {
  {
    const [terminal, gui] = inputs("terminal", "gui");
    const race = raceInputs(request(["terminal", "gui"]), [terminal, gui], LONG);
    const state = watch(race);
    terminal.fail(new MfaCancelled("terminal"));
    await turn();
    assert.equal(state.settled, false);
    assert.equal(gui.stoppedWith, undefined);
    gui.answer("111222");
    assert.equal((await race).input, gui);
  }
  {
    // The last one cancelled too: the race ends as cancelled.
    const [terminal, gui] = inputs("terminal", "gui");
    const race = raceInputs(request(["terminal", "gui"]), [terminal, gui], LONG);
    terminal.fail(new MfaCancelled("terminal"));
    await turn();
    gui.fail(new MfaCancelled("gui"));
    await assert.rejects(race, (error: Error) => {
      assert.ok(error instanceof MfaFailed);
      assert.equal(error.outcome, "cancelled");
      assert.equal(error.message, "MFA prompt cancelled by user (gui)");
      return true;
    });
  }
  {
    // A cancel, then the last input fails: still the user's cancel, shared with the waiters.
    const [terminal, gui] = inputs("terminal", "gui");
    const race = raceInputs(request(["terminal", "gui"]), [terminal, gui], LONG);
    terminal.fail(new MfaCancelled("terminal"));
    await turn();
    gui.fail(new Error("no display"));
    await assert.rejects(race, (error: Error) => {
      assert.ok(error instanceof MfaFailed);
      assert.equal(error.outcome, "cancelled");
      assert.equal(error.message, "MFA prompt cancelled by user (terminal)");
      return true;
    });
  }
});

/** A driver that is available (an input of its name) or not (`reason`); counts its detections. */
function driver(name: string, reason?: string) {
  const counted = {
    name,
    detected: 0,
    detect(): MfaInput | string {
      counted.detected++;
      return reason ?? new ScriptedInput(name);
    },
  };
  return counted satisfies MfaDriver;
}

function registry() {
  return [
    driver("process", "vegas_mfa_process is not set"),
    driver("yubikey"),
    driver("gui", "VEGAS_CREDENTIALS_NO_GUI is set"),
    driver("terminal"),
  ];
}

Deno.test("selectInputs: without vegas_mfa_inputs, every available driver in registry order", () => {
  const drivers = registry();
  const req = request();
  const chosen = selectInputs(req, drivers);
  assert.deepEqual(chosen.map((input) => input.name), ["yubikey", "terminal"]);
  // Why the others sit out, for --verbose.
  assert.deepEqual((req.ui as RecordingUi).debugLines, [
    "MFA input process unavailable: vegas_mfa_process is not set",
    "MFA input gui unavailable: VEGAS_CREDENTIALS_NO_GUI is set",
  ]);
});

Deno.test("selectInputs: vegas_mfa_inputs chooses the inputs and their order; others are not detected", () => {
  const drivers = registry();
  const chosen = selectInputs(request(["terminal", "yubikey"]), drivers);
  assert.deepEqual(chosen.map((input) => input.name), ["terminal", "yubikey"]);
  assert.deepEqual(drivers.map((d) => d.detected), [0, 1, 0, 1]);
});

Deno.test("selectInputs: an unknown name in vegas_mfa_inputs is reported with the known ones", () => {
  const drivers = registry();
  assert.throws(
    () => selectInputs(request(["terminal", "smartcard"]), drivers),
    (error: Error) => {
      assert.ok(error instanceof VegasError);
      assert.equal(
        error.message,
        "profile 'singer': vegas_mfa_inputs names unknown input 'smartcard' " +
          "(known: process, yubikey, gui, terminal)",
      );
      return true;
    },
  );
  assert.deepEqual(drivers.map((d) => d.detected), [0, 0, 0, 0]); // nothing started
});

Deno.test("selectInputs: when no chosen input can run, one error gives each one's reason", () => {
  assert.throws(
    () => selectInputs(request(["gui", "process"]), registry()),
    (error: Error) => {
      assert.ok(error instanceof VegasError);
      assert.equal(
        error.message,
        "no MFA input available for profile 'singer' (gui: VEGAS_CREDENTIALS_NO_GUI is set; " +
          "process: vegas_mfa_process is not set); run it from a terminal, or set vegas_mfa_process",
      );
      return true;
    },
  );
});

Deno.test("the names vegas_mfa_inputs accepts (checked with the profile) are the drivers', in order", () => {
  assert.deepEqual(driverNames(), [...MFA_INPUT_NAMES]);
});
