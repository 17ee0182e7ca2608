/**
 * The relays and publishers of bench:live, in their own process so the synchronizer's RSS
 * and CPU are its own: `tsx bench/support/live-host.ts '{"relays":500}'` starts that many
 * empty fake relays on 127.0.0.1 and prints `{"urls":[…]}`. A line `prepare` on stdin signs
 * `rate` × `seconds` events (seeded, dated from now on) and answers `{"ready":true}`; then a
 * line `go` publishes them as a stream of `rate` events per second (each on 1..copies relays chosen at random) and answers one line
 * `{"published":n,"seconds":s,"accepted":{id:ms,…}}` (ms: Date.now() when the first relay accepted it,
 * i.e. stored it and pushed it to the open subscriptions). Ends when stdin closes.
 */
import { createInterface } from "node:readline";
import { generateEvents } from "../../src/devnet/event-factory.js";
import { type FakeRelay, startFakeRelay } from "../../src/devnet/fake-relay.js";
import { createPrng } from "../../src/devnet/prng.js";
import type { NostrEvent } from "../../src/models/event-types.js";

interface Stream {
  rate: number;
  seconds: number;
  copies: number;
  seed: number;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as Stream & { relays: number };
const count = spec.relays;
const relays: FakeRelay[] = [];
for (let i = 0; i < count; i += 100) {
  const n = Math.min(100, count - i);
  relays.push(...(await Promise.all(Array.from({ length: n }, () => startFakeRelay()))));
}

interface Published {
  published: number;
  /** Seconds the stream took (more than planned when this process is starved of CPU). */
  seconds: number;
  accepted: Record<string, number>;
}

let events: NostrEvent[] = [];

/** Signs the stream's events, dated over its seconds from now on (before its clock starts). */
async function prepare(s: Stream): Promise<void> {
  events = await generateEvents({
    count: Math.round(s.rate * s.seconds),
    seed: s.seed,
    startTime: Math.floor(Date.now() / 1000),
    spanSeconds: s.seconds,
    users: 200,
    kinds: [1, 7],
  });
}

async function publish(s: Stream): Promise<Published> {
  const total = events.length;
  const prng = createPrng(s.seed);
  const accepted: Record<string, number> = {};
  const start = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * s.rate));
    for (; sent < due; sent++) {
      const event = events[sent];
      if (event === undefined) continue;
      const copies = prng.int(1, s.copies);
      accepted[event.id] = Date.now();
      for (let c = 0; c < copies; c++) prng.pick(relays).addEvents([event]);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { published: total, seconds: (Date.now() - start) / 1000, accepted };
}

process.stdout.write(`${JSON.stringify({ urls: relays.map((r) => r.url) })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "prepare") {
    await prepare(spec);
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  } else if (line === "go") {
    process.stdout.write(`${JSON.stringify(await publish(spec))}\n`);
  }
}
await Promise.all(relays.map((r) => r.close()));
process.exit(0);
