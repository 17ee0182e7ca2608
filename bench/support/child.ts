/** Bench helper processes: a TypeScript script under tsx that announces itself with one JSON line. */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/**
 * Starts `bench/support/<script>` under tsx with `arg` as its JSON argument and waits for the
 * first line of its stdout that starts with "{" (its announcement). The child keeps running
 * until its stdin closes or it gets SIGTERM.
 */
export async function startJsonChild<T>(
  script: string,
  arg: unknown,
  nodeArgs: string[] = [],
): Promise<{ value: T; child: ChildProcess }> {
  const path = join(dirname(fileURLToPath(import.meta.url)), script);
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", path, JSON.stringify(arg)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    if (line.startsWith("{")) return { value: JSON.parse(line) as T, child };
  }
  throw new Error(`${script} exited before announcing itself`);
}

/**
 * The child's half: prints `announcement` as the JSON line startJsonChild waits for, then
 * keeps serving until stdin closes or SIGTERM, when `close` runs and the process exits.
 */
export function announceAndServe(announcement: unknown, close: () => Promise<unknown>): void {
  process.stdout.write(`${JSON.stringify(announcement)}\n`);
  const stop = async () => {
    await close();
    process.exit(0);
  };
  process.stdin.on("end", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}
