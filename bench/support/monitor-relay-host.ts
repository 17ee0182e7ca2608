/**
 * The relays of bench:monitor, in their own process so the monitor's RSS is its own:
 * `tsx bench/support/monitor-relay-host.ts '{"relays":500,"ca":"/tmp/…/ca.json"}'`.
 * Starts `relays` TLS fake relays, each on its own loopback address with its own certificate for
 * `relay-<i>.bench.test` signed by the CA in `ca` (JSON of cert, key, commonName,
 * organization), its own NIP-11 document and Server header, and a few signed events; one in
 * ten silent or refusing (support/monitor-devnet.ts).
 * Prints `{"relays":[{"index","name","address","port","kind"}]}` on stdout, then serves until stdin
 * closes or SIGTERM.
 */
import { readFile } from "node:fs/promises";
import { generateEvents } from "../../src/devnet/event-factory.js";
import { defaultNip11, type FakeRelay, startFakeRelay } from "../../src/devnet/fake-relay.js";
import type { FakeRelayOptions } from "../../src/devnet/fake-relay-types.js";
import { createTestCertificate, type TestCertificate } from "../../src/devnet/tls-cert.js";
import { announceAndServe } from "./child.js";
import {
  type HostedMonitorRelay,
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
const started: FakeRelay[] = [];
const relays: HostedMonitorRelay[] = [];
for (let index = 0; index < options.relays; index++) {
  const name = relayName(index);
  const kind = kindOf(index, options.bad);
  const address = relayAddress(index);
  if (kind === "dead") {
    relays.push({ index, name, address, port: DEAD_PORT, kind });
    continue;
  }
  const tls = createTestCertificate({
    commonName: name,
    altNames: [name],
    issuer: ca,
    isCa: false,
  });
  const relay = await startFakeRelay({
    host: address,
    tls,
    events,
    nip11: { ...defaultNip11(500, false), name: `bench relay ${index}` },
    httpHeaders: { Server: SERVERS[index % SERVERS.length] ?? "strfry" },
    ...optionsOf(kind),
  });
  started.push(relay);
  relays.push({ index, name, address, port: relay.port, kind });
}
announceAndServe({ relays }, () => Promise.all(started.map((r) => r.close())));
