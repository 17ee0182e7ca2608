/**
 * The relays of bench:monitor, in their own process so the monitor's RSS is its own:
 * `tsx bench/support/monitor-relay-host.ts '{"relays":500,"ca":"/tmp/…/ca.json","perPort":1}'`.
 * With `perPort` 1 it starts `relays` TLS fake relays, each on its own loopback address with its
 * own certificate for `relay-<i>.bench.test` signed by the CA in `ca` (JSON of cert, key,
 * commonName, organization); with more, relays are served by path (`/r<i>`) `perPort` to a
 * listener (src/devnet/relay-hub.ts), each hub on its own loopback address with one certificate
 * for `*.bench.test`. Either way each relay has its own NIP-11 document and Server header, and a
 * few signed events; one in ten silent or refusing (support/monitor-devnet.ts). Dead relays
 * have an address of their own where nothing listens.
 * Prints `{"relays":[{"index","name","address","port","path","kind"}]}` on stdout, then serves
 * until stdin closes or SIGTERM.
 */
import { readFile } from "node:fs/promises";
import { generateEvents } from "../../src/devnet/event-factory.js";
import { defaultNip11, startFakeRelay } from "../../src/devnet/fake-relay.js";
import type { FakeRelayOptions } from "../../src/devnet/fake-relay-types.js";
import { startRelayHub } from "../../src/devnet/relay-hub.js";
import { createTestCertificate, type TestCertificate } from "../../src/devnet/tls-cert.js";
import { announceAndServe } from "./child.js";
import {
  BENCH_DOMAIN,
  type HostedMonitorRelay,
  hubAddress,
  kindOf,
  type RelayKind,
  relayAddress,
  relayName,
} from "./monitor-devnet.js";

interface HostOptions {
  relays: number;
  ca: string;
  /** Percent of bad relays (monitor-devnet.ts kindOf); default 10. */
  bad?: number;
  /** Relays served by path on one listener; default 1 (a listener each). */
  perPort?: number;
}

/** A dead relay's port: nothing listens on its own address, so a connection is refused. */
const DEAD_PORT = 7;

const SERVERS = ["strfry", "nostr-rs-relay 0.9.0", "khatru", "nostream"];

function optionsOf(kind: Exclude<RelayKind, "dead">): FakeRelayOptions {
  switch (kind) {
    case "healthy":
      return { acceptWrites: true };
    case "silent":
      return { silent: true };
    case "refuse-destroy":
      return { refuse: true, refuseMode: "destroy" };
    case "refuse-503":
      return { refuse: true, refuseMode: "http-503" };
  }
}

const options = JSON.parse(process.argv[2] ?? "{}") as HostOptions;
const ca = JSON.parse(await readFile(options.ca, "utf8")) as TestCertificate & {
  commonName: string;
  organization: string;
};
const events = await generateEvents({ count: 5, seed: 66, kinds: [1] });
const started: { close(): Promise<void> }[] = [];
const relays: HostedMonitorRelay[] = [];

/** Relay `index`'s own knobs (NIP-11, Server header, behaviour). */
function knobsOf(index: number, kind: Exclude<RelayKind, "dead">): FakeRelayOptions {
  return {
    events,
    nip11: { ...defaultNip11(500, false), name: `bench relay ${index}` },
    httpHeaders: { Server: SERVERS[index % SERVERS.length] ?? "strfry" },
    ...optionsOf(kind),
  };
}

/** One listener a relay, each with its own address and certificate. */
async function startOwnListeners(): Promise<void> {
  for (let index = 0; index < options.relays; index++) {
    const name = relayName(index);
    const kind = kindOf(index, options.bad);
    const address = relayAddress(index);
    if (kind === "dead") {
      relays.push({ index, name, address, port: DEAD_PORT, path: "", kind });
      continue;
    }
    const tls = createTestCertificate({
      commonName: name,
      altNames: [name],
      issuer: ca,
      isCa: false,
    });
    const relay = await startFakeRelay({ host: address, tls, ...knobsOf(index, kind) });
    started.push(relay);
    relays.push({ index, name, address, port: relay.port, path: "", kind });
  }
}

/** `perPort` relays a listener, by path, one wildcard certificate for every hub. */
async function startHubs(perPort: number): Promise<void> {
  const wildcard = `*.${BENCH_DOMAIN}`;
  const tls = createTestCertificate({
    commonName: wildcard,
    altNames: [wildcard],
    issuer: ca,
    isCa: false,
  });
  for (let first = 0, h = 0; first < options.relays; first += perPort, h++) {
    const members: { path: string; options: FakeRelayOptions }[] = [];
    const last = Math.min(options.relays, first + perPort);
    for (let index = first; index < last; index++) {
      const kind = kindOf(index, options.bad);
      if (kind !== "dead") members.push({ path: `/r${index}`, options: knobsOf(index, kind) });
    }
    const address = hubAddress(h);
    const hub = await startRelayHub({ host: address, tls, relays: members });
    started.push(hub);
    for (let index = first; index < last; index++) {
      const kind = kindOf(index, options.bad);
      const name = relayName(index);
      relays.push(
        kind === "dead"
          ? { index, name, address: relayAddress(index), port: DEAD_PORT, path: "", kind }
          : { index, name, address, port: hub.port, path: `/r${index}`, kind },
      );
    }
  }
}

const perPort = options.perPort ?? 1;
if (perPort > 1) await startHubs(perPort);
else await startOwnListeners();
announceAndServe({ relays }, () => Promise.all(started.map((r) => r.close())));
