/**
 * The devnet of bench:monitor, shared by the bench and its relay host: which relay
 * misbehaves how, and the names the bench's fake DNS resolves to 127.0.0.1.
 */

export type RelayKind = "healthy" | "silent" | "refuse-destroy" | "refuse-503" | "dead";
export const RELAY_KINDS: readonly RelayKind[] = [
  "healthy",
  "silent",
  "refuse-destroy",
  "refuse-503",
  "dead",
];

export interface HostedMonitorRelay {
  index: number;
  /** Host name, resolved to `address` by the bench's fake DNS. */
  name: string;
  /** Its loopback address: its own (127.1.x.y; Linux routes all of 127/8 to lo), or its hub's. */
  address: string;
  port: number;
  /** Its path on a shared port (`/r<index>`), or "" on a listener of its own. */
  path: string;
  kind: RelayKind;
}

/** Registrable domain of every relay name (its NS records are in the fake zone). */
export const BENCH_DOMAIN = "bench.test";

export const relayName = (index: number) => `relay-${index}.${BENCH_DOMAIN}`;

/** Relay `index`'s loopback address, so its DNS, geo and net documents are its own. */
export const relayAddress = (index: number) =>
  `127.1.${Math.floor(index / 250)}.${(index % 250) + 1}`;

/** Hub `h`'s loopback address, when relays are served by path (`--per-port`). */
export const hubAddress = (h: number) => `127.2.${Math.floor(h / 250)}.${(h % 250) + 1}`;

/**
 * One in ten misbehaves, spread evenly (so any chunk of 100 holds five of each): every 20th
 * from 9 is silent, every 20th from 19 refuses the upgrade (a destroyed socket and an HTTP
 * 503 in turn).
 */
export function kindOf(index: number, badPercent = 10): RelayKind {
  if (badPercent !== 10) return kindAtShare(index, badPercent);
  if (index % 20 === 9) return "silent";
  if (index % 20 === 19) return index % 40 === 19 ? "refuse-destroy" : "refuse-503";
  return "healthy";
}

/**
 * Another share of bad relays (`--bad PERCENT`, a multiple of 5), spread evenly: of every 20
 * relays the first PERCENT/5 are bad, alternately silent and dead (nothing listens at their
 * address: the connection is refused at once).
 */
function kindAtShare(index: number, badPercent: number): RelayKind {
  const slot = index % 20;
  if (slot >= Math.round(badPercent / 5)) return "healthy";
  return slot % 2 === 0 ? "silent" : "dead";
}
