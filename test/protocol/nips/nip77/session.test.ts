import { beforeAll, describe, expect, it } from "vitest";
import { startCoreRelay } from "../../../../src/devnet/core-relay.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { RelayDisconnectedError, RelayTimeoutError } from "../../../../src/nips/nip01/index.js";
import {
  type Diff,
  NegBlockedError,
  NegClosedError,
  NegTooManyRecordsError,
  NegUnsupportedError,
  negentropySync,
  RecordSet,
} from "../../../../src/nips/nip77/index.js";
import { generateEvents } from "../../../support/fake-user.js";
import { useRelays } from "../nip01/helpers.js";

let events: NostrEvent[];
const { relay, client } = useRelays(() => events);

beforeAll(async () => {
  events = await generateEvents({ count: 3000, seed: 77, sign: false, sameSecondShare: 0.3 });
});

const recordsOf = (list: readonly NostrEvent[]) =>
  RecordSet.from(list.map((e) => ({ timestamp: e.created_at, id: e.id })));
/** Every event but one in `every` (scattered over the whole time range). */
const thinned = (list: readonly NostrEvent[], every: number) =>
  list.filter((_, i) => i % every !== 0);
const idsOf = (list: readonly NostrEvent[]) => list.map((e) => e.id).sort();

/** Reconciles `ours` against a negentropy fake relay holding `theirs`; collects the diffs. */
async function sync(ours: readonly NostrEvent[], options: Parameters<typeof relay>[0] = {}) {
  const r = await relay({ negentropy: true, ...options });
  const c = await client(r.url);
  const have: string[] = [];
  const need: string[] = [];
  const onDiff = (d: Diff) => {
    have.push(...d.have);
    need.push(...d.need);
  };
  const result = await negentropySync(c, { filter: {}, records: recordsOf(ours), onDiff });
  return { result, have: have.sort(), need: need.sort(), relay: r, client: c };
}

describe("negentropySync against the fake relay (@nostr-dev-kit/sync as responder)", () => {
  it("0 %: one round trip, nothing to exchange, NEG-CLOSE at the end", async () => {
    const { result, have, need, relay: r, client: c } = await sync(events);
    expect(result).toEqual({ rounds: 1, have: 0, need: 0 });
    expect(have.length + need.length).toBe(0);
    expect(c.stats.bytesSent).toBeLessThan(1500);
    for (let i = 0; i < 50 && r.received.length < 2; i++)
      await new Promise((w) => setTimeout(w, 10));
    const verbs = r.received.map((m) => (m as unknown[])[0]);
    expect(verbs).toEqual(["NEG-OPEN", "NEG-CLOSE"]);
  });

  it.each([
    ["1 %", 100],
    ["50 %", 2],
    ["100 % (nothing here)", 1],
  ])("%s missing here: learns exactly the ids it lacks", async (_, every) => {
    const ours = thinned(events, every);
    const missing = events.filter((_, i) => i % every === 0);
    const { result, have, need } = await sync(ours);
    expect(need).toEqual(idsOf(missing));
    expect(have).toEqual([]);
    expect(result.need).toBe(missing.length);
  });

  it("ids we have and the relay lacks, and the reverse, in one session", async () => {
    const relaySet = thinned(events, 7);
    const ours = thinned(events, 5);
    const { have, need } = await sync(ours, { events: relaySet });
    const inRelay = new Set(idsOf(relaySet));
    const inOurs = new Set(idsOf(ours));
    expect(have).toEqual(idsOf(ours.filter((e) => !inRelay.has(e.id))));
    expect(need).toEqual(idsOf(relaySet.filter((e) => !inOurs.has(e.id))));
  });

  it("an empty relay: every id is one we have", async () => {
    const { have, need } = await sync(events, { events: [] });
    expect(have).toEqual(idsOf(events));
    expect(need).toEqual([]);
  });

  it("reconciles only what the filter selects, on both sides", async () => {
    const kind1 = events.filter((e) => e.kind === 1);
    const r = await relay({ negentropy: true });
    const c = await client(r.url);
    const need: string[] = [];
    await negentropySync(c, {
      filter: { kinds: [1] },
      records: recordsOf(thinned(kind1, 10)),
      onDiff: (d) => void need.push(...d.need),
    });
    expect(need.sort()).toEqual(idsOf(kind1.filter((_, i) => i % 10 === 0)));
  });

  it("small frame limits on both sides: more rounds, the same answer, no message above them", async () => {
    const ours = thinned(events, 3);
    const r = await relay({ negentropy: true, negFrameSizeLimit: 4096 });
    const c = await client(r.url);
    const need = new Set<string>();
    const result = await negentropySync(c, {
      filter: {},
      records: recordsOf(ours),
      frameSizeLimit: 4096,
      onDiff: (d) => {
        for (const id of d.need) need.add(id);
      },
    });
    expect([...need].sort()).toEqual(idsOf(events.filter((_, i) => i % 3 === 0)));
    expect(result.rounds).toBeGreaterThan(3);
    const sent = r.received.filter((m) => (m as unknown[])[0] !== "NEG-CLOSE") as string[][];
    for (const m of sent) expect((m.at(-1) as string).length).toBeLessThanOrEqual(2 * 4096);
  });
});

describe("typed failures", () => {
  const attempt = async (options: Parameters<typeof relay>[0], timeouts = {}) => {
    const r = await relay(options);
    const c = await client(r.url);
    return negentropySync(c, { filter: {}, records: recordsOf(thinned(events, 2)), ...timeouts });
  };

  it("NEG-ERR blocked / closed / too many records", async () => {
    await expect(attempt({ negentropy: true, negErr: "blocked: no sync here" })).rejects.toThrow(
      NegBlockedError,
    );
    const closed = attempt({ negentropy: true, negErr: "closed: too slow", negErrAfter: 1 });
    await expect(closed).rejects.toBeInstanceOf(NegClosedError);
    const tooMany = await attempt({ negentropy: true, negMaxRecords: 100 }).catch((e) => e);
    expect(tooMany).toBeInstanceOf(NegTooManyRecordsError);
    expect(tooMany.maxRecords).toBe(100);
  });

  it("a relay dropping mid-reconciliation gives RelayDisconnectedError", async () => {
    await expect(attempt({ negentropy: true, negDropAfter: 1 })).rejects.toBeInstanceOf(
      RelayDisconnectedError,
    );
  });

  it("a relay that stops answering mid-way gives RelayTimeoutError", async () => {
    // Small frames: many rounds, so the relay goes silent with most of them still to come.
    const r = await relay({ negentropy: true, negFrameSizeLimit: 4096 });
    const c = await client(r.url);
    const run = negentropySync(c, {
      filter: {},
      records: recordsOf(thinned(events, 2)),
      frameSizeLimit: 4096,
      timeoutMs: 300,
      onDiff: () => {
        r.options.silent = true;
      },
    });
    await expect(run).rejects.toBeInstanceOf(RelayTimeoutError);
  });

  it("relays without NIP-77: NOTICE (fake relay, @nostr-relay/core) or silence", async () => {
    await expect(attempt({})).rejects.toThrow(/does not speak NIP-77: NOTICE/);
    await expect(attempt({ silent: true }, { openTimeoutMs: 300 })).rejects.toThrow(
      /no answer to NEG-OPEN within 300 ms/,
    );
    const core = await startCoreRelay({});
    try {
      const c = await client(core.url);
      const run = negentropySync(c, { filter: {}, records: recordsOf([]) });
      await expect(run).rejects.toBeInstanceOf(NegUnsupportedError);
    } finally {
      await core.close();
    }
  });
});
