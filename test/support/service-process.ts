import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const BIN = resolve("bin/bigbrotr.js");

/**
 * `bigbrotr <service> --once --config <servicePath>` as a child process on `databaseUrl`,
 * without a Nostr key from the environment (`--forever` among `args`: without `--once`).
 */
export function startServiceProcess(
  service: string,
  configDir: string,
  servicePath: string,
  databaseUrl: string,
  args: readonly string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BIGBROTR_CONFIG_DIR: configDir,
    DATABASE_URL: databaseUrl,
    ...extraEnv,
  };
  delete env.NOSTR_PRIVATE_KEY;
  const once = args.includes("--forever") ? [] : ["--once"];
  const rest = args.filter((a) => a !== "--forever");
  return spawn(process.execPath, [BIN, service, ...once, "--config", servicePath, ...rest], {
    env,
    stdio: "pipe",
  });
}

/** What a child printed, once it has exited. */
export function collectOutput(child: ChildProcess): Promise<{
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((done) =>
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr })),
  );
}

/** The JSON log lines of a child's output with `msg`, parsed. */
export function logLines(stdout: string, msg: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

/** A running child's JSON log lines as they come, and whether (how) it has exited. */
export interface FollowedProcess {
  readonly lines: Record<string, unknown>[];
  /** Exit code once it has exited (null when killed by a signal), undefined while it runs. */
  readonly exited: number | null | undefined;
  /** The lines with `msg`. */
  seen(msg: string): Record<string, unknown>[];
  /** Resolves once `test` holds or the child has exited (check `exited` after). */
  until(test: () => boolean | Promise<boolean>): Promise<void>;
}

export function followJsonLines(child: ChildProcess): FollowedProcess {
  const lines: Record<string, unknown>[] = [];
  let exited: number | null | undefined;
  child.on("exit", (code) => {
    exited = code;
  });
  let buffered = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const l of parts) if (l.startsWith("{")) lines.push(JSON.parse(l));
  });
  return {
    lines,
    get exited() {
      return exited;
    },
    seen: (msg) => lines.filter((l) => l.msg === msg),
    async until(test) {
      while (!(await test()) && exited === undefined) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
