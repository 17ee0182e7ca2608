import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

/** A command that failed: its arguments, exit code and the end of its output. */
export class CommandError extends Error {
  constructor(args: readonly string[], code: number | null, tail: string) {
    super(`${args.join(" ")} exited ${code}\n${tail}`);
    this.name = "CommandError";
  }
}

interface RunOptions {
  /** Appends stdout and stderr here (the run's log) instead of keeping only the tail. */
  log?: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve with the output even when the command fails. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; stdout is returned, the last 40 lines of output go in errors. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    const keep = (chunk: Buffer, err: boolean) => {
      if (opts.log) appendFileSync(opts.log, chunk);
      if (err) stderr = (stderr + chunk.toString()).slice(-200_000);
      else stdout += chunk.toString();
    };
    child.stdout.on("data", (c: Buffer) => keep(c, false));
    child.stderr.on("data", (c: Buffer) => keep(c, true));
    child.stdin.end(opts.input ?? "");
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0 || opts.allowFailure) return resolve({ code, stdout, stderr });
      const tail = `${stdout.slice(-4000)}${stderr}`.split("\n").slice(-40).join("\n");
      reject(new CommandError([cmd, ...args], code, tail));
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutS`. */
export async function waitFor<T>(
  what: string,
  timeoutS: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutS} s waiting for ${what}${last ? `: ${last}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 2000));
  }
}
