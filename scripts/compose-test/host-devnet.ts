import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./run.js";

const CLI = new URL("../../bin/bigbrotr.js", import.meta.url).pathname;

/** A devnet relay as its seed file's header describes it. */
export interface DevnetRelay {
  url: string;
  events: number;
}

/**
 * `bigbrotr devnet` on the host, listening on the stack's data-network gateway: reachable
 * from the containers on that internal network and from nowhere else. Same seed and ports on
 * every start, so a restarted devnet serves the same relays at the same URLs.
 */
export class HostDevnet {
  #child: ChildProcess | undefined;
  readonly seedFile: string;

  constructor(
    readonly host: string,
    readonly portBase: number,
    seedDir: string,
    readonly log: string,
  ) {
    this.seedFile = join(seedDir, "devnet-seeds.txt");
  }

  async start(): Promise<DevnetRelay[]> {
    rmSync(this.seedFile, { force: true });
    const out = openSync(this.log, "a");
    const args = ["devnet", "--host", this.host, "--port-base", String(this.portBase)];
    args.push("--relays", "6", "--events", "600", "--misbehaving", "0", "--seed", "7");
    this.#child = spawn(process.execPath, [CLI, ...args, "--seed-file", this.seedFile], {
      stdio: ["ignore", out, out],
    });
    const child = this.#child;
    await waitFor("the devnet's seed file", 60, async () => {
      if (child.exitCode !== null)
        throw new Error(`devnet exited ${child.exitCode}, see ${this.log}`);
      return existsSync(this.seedFile) ? true : undefined;
    });
    const relays = this.relays();
    // Every later check is "each of these relays ...": none would make them all pass.
    if (relays.length === 0)
      throw new Error(`the devnet's seed file lists no relay: ${this.seedFile}`);
    return relays;
  }

  /** Relays and their event counts from the seed file's header ("# url  behaviour  N"). */
  relays(): DevnetRelay[] {
    const lines = readFileSync(this.seedFile, "utf8").split("\n");
    return lines.flatMap((line) => {
      const m = line.match(/^# (wss?:\/\/\S+)\s+.*?\s(\d+)(?: events?)?$/);
      return m?.[1] && m[2] ? [{ url: m[1], events: Number(m[2]) }] : [];
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}
