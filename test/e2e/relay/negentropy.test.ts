/**
 * `bigbrotr relay` as a NIP-77 responder: NDK's negentropy (@nostr-dev-kit/sync, an
 * implementation independent of ours) reconciles a set against it at 0, 1 and 50 %
 * difference and finds exactly the difference; and our synchronizer archives one bigbrotr
 * from another through it, by REQ on an empty archive and by negentropy on a partial one.
 */
import { Negentropy, NegentropyStorage } from "@nostr-dev-kit/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { runOnce } from "../../../src/core/service.js";
import type { NostrEvent } from "../../../src/models/event-types.js";
import type { RunningRelay } from "../../../src/services/relay/service.js";
import { createSynchronizer } from "../../../src/services/synchronizer/service.js";
import { generateEvents } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { archive, RawClient, startTestRelay } from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";
import { archivedOn, testSyncConfig } from "../synchronizer/helpers.js";

let db: TestDatabase;
let tc: TestContext;
let relay: RunningRelay;
let events: NostrEvent[];

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "relay" });
  events = await generateEvents({ count: 1000, seed: 21, users: 10, sameSecondShare: 0.3 });
  await archive(db.pool, events);
  relay = await startTestRelay(tc);
});

afterAll(async () => {
  await relay?.close();
  await db?.drop();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** NDK reconciles `ours` against the relay; returns what each side lacks. */
async function reconcile(c: RawClient, subId: string, ours: readonly NostrEvent[]) {
  const storage = new NegentropyStorage();
  for (const e of ours) storage.insert(e.created_at, e.id);
  storage.seal();
  const neg = new Negentropy(storage, 50_000);
  const have: string[] = [];
  const need: string[] = [];
  let next: Uint8Array | undefined = await neg.initiate();
  let frames = c.frames.length;
  let rounds = 0;
  c.send(["NEG-OPEN", subId, {}, hex(next)]);
  while (next !== undefined) {
    const from = frames;
    const reply = await c.next((f, i = c.frames.indexOf(f)) => i >= from && f[1] === subId);
    frames = c.frames.indexOf(reply) + 1;
    if (reply[0] !== "NEG-MSG") throw new Error(`relay answered ${JSON.stringify(reply)}`);
    rounds++;
    const out = await neg.reconcile(Buffer.from(String(reply[2]), "hex"));
    have.push(...out.have.map(hex));
    need.push(...out.need.map(hex));
    next = out.nextMessage;
    if (next !== undefined) c.send(["NEG-MSG", subId, hex(next)]);
  }
  c.send(["NEG-CLOSE", subId]);
  return { have: have.sort(), need: need.sort(), rounds };
}

describe("NIP-77 with NDK's negentropy", () => {
  it.each([0, 1, 50])("finds exactly the difference at %i percent", async (percent) => {
    const c = await RawClient.open(relay.url);
    const step = percent === 0 ? 0 : Math.round(100 / percent);
    const missing = events.filter((_, i) => step > 0 && i % step === 0);
    const extra = (await generateEvents({ count: 7, seed: 99, startTime: 1_650_000_000 })).slice(
      0,
      percent === 0 ? 0 : 7,
    );
    const ours = [...events.filter((e) => !missing.includes(e)), ...extra];
    const result = await reconcile(c, `neg${percent}`, ours);
    expect(result.need).toEqual(missing.map((e) => e.id).sort());
    expect(result.have).toEqual(extra.map((e) => e.id).sort());
    c.close();
  });

  it("refuses a filter matching more than max_neg_records with NEG-ERR blocked", async () => {
    const small = await startTestRelay(tc, { config: { limits: { max_neg_records: 100 } } });
    const c = await RawClient.open(small.url);
    await expect(reconcile(c, "big", [])).rejects.toThrow(/NEG-ERR.*blocked: .*more than 100/);
    c.close();
    await small.close();
  });
});

describe("one bigbrotr archiving another", () => {
  const brotr = brotrConfigSchema.parse({ allow_private: true });

  async function syncFrom(target: TestDatabase, negentropy: Record<string, unknown>) {
    const ctx = createTestContext(target.pool, { service: "synchronizer" }).ctx;
    const service = createSynchronizer({ brotr }, testSyncConfig({ negentropy }), {
      relayUrl: relay.url,
    });
    try {
      const outcome = await runOnce(service, ctx);
      expect(outcome.error).toBeUndefined();
      return outcome.report ?? {};
    } finally {
      await service.close?.();
    }
  }

  it("archives every event, by REQ when empty and by negentropy when partial", async () => {
    const target = await createTestDatabase();
    await insertRelays(target.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
    const all = events.map((e) => e.id).sort();
    await syncFrom(target, {});
    expect(await archivedOn(target.pool, relay.url)).toEqual(all);

    const partial = await createTestDatabase();
    await insertRelays(partial.pool, [{ url: relay.url, network: "clearnet", discoveredAt: 1 }]);
    const held = events.filter((_, i) => i % 10 !== 0);
    await archiveAs(partial, held, relay.url);
    const report = await syncFrom(partial, { first_fill: "negentropy" });
    expect(Number(report.neg_rounds)).toBeGreaterThan(0);
    expect(await archivedOn(partial.pool, relay.url)).toEqual(all);
    await target.drop();
    await partial.drop();
  });
});

async function archiveAs(target: TestDatabase, list: readonly NostrEvent[], url: string) {
  const { archiveEvents } = await import("../../../src/core/db/archive.js");
  await archiveEvents(
    target.pool,
    list.map((event) => ({ event, relayUrl: url, network: "clearnet", seenAt: 1 })),
    { profile: "bigbrotr" },
  );
}
