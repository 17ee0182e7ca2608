/** Starts bench/support/relay-host.ts in a child process (under tsx) and reads its relay list. */
import type { ChildProcess } from "node:child_process";
import { startJsonChild } from "./child.js";

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
  const { value, child } = await startJsonChild<Hosted>("relay-host.ts", spec, [
    "--max-old-space-size=8192",
  ]);
  return { hosted: value, child };
}
