/**
 * The relays of bench:sync, in their own process so the synchronizer's RSS is its own:
 * `tsx bench/support/relay-host.ts '{"events":…,"relays":…,"copies":…,"big":…,"maxLimit":…}'`
 * (`"negentropy":true` gives every relay the NIP-77 knob).
 * Starts on 127.0.0.1 `relays` share relays (each event on about `copies` of them), one relay
 * holding all `events` events and, when big > 0, one holding `big` events; prints one JSON
 * line `{"shares":[{url,count}],"all":{url,count},"big":{url,count}|null}` on stdout, then
 * serves until stdin closes or SIGTERM.
 */
import { type FakeRelay, startFakeRelay } from "../../src/devnet/fake-relay.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import { announceAndServe } from "./child.js";
import { loadSignedEvents, relaysOf } from "./event-cache.js";
import type { HostSpec } from "./relay-host-process.js";

const options = JSON.parse(process.argv[2] ?? "{}") as HostSpec;
const started: FakeRelay[] = [];
const start = async (events: NostrEvent[]) => {
  const relay = await startFakeRelay({
    host: "127.0.0.1",
    events,
    maxLimit: options.maxLimit,
    negentropy: options.negentropy === true,
  });
  started.push(relay);
  return { url: relay.url, count: events.length };
};

// Sets of 100,000 or more share their chunks (support/event-cache.ts): the big set's first
// chunk is then the 100k main set's, signed once.
const main = await loadSignedEvents(options.events);
const shares: NostrEvent[][] = Array.from({ length: options.relays }, () => []);
main.forEach((event, i) => {
  for (const r of relaysOf(i, options.relays, options.copies)) shares[r]?.push(event);
});
const result = {
  shares: await Promise.all(shares.map(start)),
  all: await start(main),
  big: options.big > 0 ? await start(await loadSignedEvents(options.big)) : null,
};
announceAndServe(result, () => Promise.all(started.map((r) => r.close())));
