/**
 * The walkthrough's child processes: `bigbrotr` commands run as a user would run them, their
 * output kept, waited for by what they print (never by a fixed sleep), stopped with Ctrl-C.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { collectOutput } from "../../test/support/service-process.js";

const BIN = resolve("bin/bigbrotr.js");

export interface Running {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr together, in order). */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export type Finished = Awaited<ReturnType<typeof collectOutput>>;

/** Starts `bigbrotr <args>` in `cwd` with `env` (on top of nothing secret: see walkthrough.ts). */
export function start(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: "pipe" });
  let text = "";
  child.stdout?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  return { child, output: () => text, exited };
}

/** Runs `bigbrotr <args>` to its end. */
export function run(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  return collectOutput(spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: "pipe" }));
}

/** Polls `test` until it returns a value (not undefined) or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  what: string,
  test: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await test();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Ctrl-C, as a terminal sends it; resolves with the exit code (SIGKILL after `timeoutMs`). */
export async function interrupt(running: Running, timeoutMs: number): Promise<number | null> {
  running.child.kill("SIGINT");
  const timer = setTimeout(() => running.child.kill("SIGKILL"), timeoutMs);
  try {
    return await running.exited;
  } finally {
    clearTimeout(timer);
  }
}
