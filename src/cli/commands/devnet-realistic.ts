/**
 * `bigbrotr devnet --realistic`: the seeded realistic network (devnet/realistic-network.ts),
 * its table and its seed file's header (every behaviour with its share and count).
 */

import type { DevnetChain, RealisticNetwork } from "../../devnet/realistic-network.js";
import type { NostrEvent } from "../../models/event-types.js";

export interface RealisticDevnetOptions {
  relays: number;
  events: number;
  overlap: number;
  seed: number;
  portBase: number;
  /** The address the relays listen on (and are named by). */
  host: string;
  negentropy: boolean;
}

/** What the devnet command prints and writes about a started network. */
export interface StartedDevnet {
  header: string[];
  columns: string[];
  rows: { url: string; cells: (string | number)[] }[];
  events: number;
  /** Each relay, whether it accepts connections, and a way to store events in it. */
  targets: DevnetTarget[];
  close(): Promise<void>;
}

export interface DevnetTarget {
  url: string;
  up: boolean;
  addEvents(events: NostrEvent[]): void;
}

/** "nostream 2.0.0" from "git+https://github.com/Cameri/nostream.git" and "2.0.0". */
function softwareName(url: string, version: string): string {
  const last =
    url
      .replace(/\.git$/, "")
      .split("/")
      .at(-1) ?? url;
  return `${last} ${version}`;
}

function headerOf(net: RealisticNetwork, opts: RealisticDevnetOptions): string[] {
  const total = net.counts.reduce((sum, c) => sum + c.behaviour.weight, 0);
  return [
    `# bigbrotr devnet --realistic: seed ${opts.seed}, ${opts.relays} relays, ${net.events.length} events, overlap ${opts.overlap}`,
    "# Loopback relays started by `bigbrotr devnet`; they exist only while it runs.",
    "# behaviour  share  relays  what it does",
    ...net.counts.map(
      ({ behaviour: b, count }) =>
        `#   ${b.name}  ${((100 * b.weight) / total).toFixed(1)}%  ${count}  ${b.summary}`,
    ),
    "# relay  behaviour  software  events",
  ];
}

/** Starts the realistic network (over TLS when `chain` is given). */
export async function startRealisticDevnet(
  opts: RealisticDevnetOptions,
  chain: DevnetChain | undefined,
): Promise<StartedDevnet> {
  const { startRealisticNetwork } = await import("../../devnet/realistic-network.js");
  const net = await startRealisticNetwork({
    relays: opts.relays,
    seed: opts.seed,
    events: opts.events,
    overlap: opts.overlap,
    portBase: opts.portBase,
    ...(chain ? { tls: chain } : {}),
    relayOptions: { host: opts.host, ...(opts.negentropy ? { negentropy: true } : {}) },
  });
  const rows = net.relays.map((r) => ({
    url: r.url,
    cells: [r.url, r.behaviour, softwareName(r.software, r.version), r.events.length],
  }));
  return {
    header: headerOf(net, opts),
    columns: ["url", "behaviour", "software", "events"],
    rows,
    events: net.events.length,
    targets: net.relays.map((r) => ({
      url: r.url,
      up: !r.down,
      addEvents: (events: NostrEvent[]) => r.relay.addEvents(events),
    })),
    close: () => net.close(),
  };
}
