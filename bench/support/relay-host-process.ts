/** Starts bench/support/relay-host.ts in a child process (under tsx) and reads its relay list. */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface HostedRelay {
  url: string;
  count: number;
}
export interface Hosted {
  shares: HostedRelay[];
  all: HostedRelay;
  big: HostedRelay | null;
}

export interface HostSpec {
  events: number;
  relays: number;
  copies: number;
  big: number;
  maxLimit: number;
  negentropy?: boolean;
}

/** Waits for the host's relay list; stop it with `child.stdin.end()` and SIGTERM. */
export async function startRelayHost(
  spec: HostSpec,
): Promise<{ hosted: Hosted; child: ChildProcess }> {
  const host = join(dirname(fileURLToPath(import.meta.url)), "relay-host.ts");
  const child = spawn(
    process.execPath,
    ["--max-old-space-size=8192", "--import", "tsx", host, JSON.stringify(spec)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    if (line.startsWith("{")) return { hosted: JSON.parse(line) as Hosted, child };
  }
  throw new Error("relay host exited before listing its relays");
}
