/**
 * The devnet relay of one bench:dvm phase in its own process (it checks every signature and
 * fans each event out to the subscriptions; that CPU is not the DVM's nor the customer's):
 * `tsx bench/support/dvm-relay-host.ts`. Announces `{"url":"ws://…","pid":N}`; serves until
 * stdin closes or SIGTERM.
 */
import { startFakeRelay } from "../../src/devnet/fake-relay.js";
import { announceAndServe } from "./child.js";

const relay = await startFakeRelay({ host: "127.0.0.1", acceptWrites: true });
announceAndServe({ url: relay.url, pid: process.pid }, () => relay.close());
