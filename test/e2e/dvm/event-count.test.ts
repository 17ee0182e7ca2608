/**
 * `bigbrotr dvm` answering kind 5400 (event count) from an archive on real PostgreSQL, through
 * a devnet relay, to a customer using nostr-tools: the count of the filters in the content,
 * restricted to the `relay` params; groups as nested dictionaries; inputs as tag values;
 * 7000 feedback (processing, success, error with a reason); the NIP-89 announcement; jobs
 * addressed to another DVM ignored; encrypted requests answered encrypted.
 */
import { decrypt, encrypt } from "nostr-tools/nip04";
import { finalizeEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { type Filter, matchFilters } from "../../../src/models/filter.js";
import type { RunningDvm } from "../../../src/services/dvm/service.js";
import { Customer, startTestDvm } from "../../support/dvm.js";
import { type FakeRelay, startFakeRelay } from "../../support/fake-relay.js";
import { generateEvents } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { ARCHIVED_FROM, archive } from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";

let db: TestDatabase;
let tc: TestContext;
let relay: FakeRelay;
let dvm: RunningDvm;
let customer: Customer;
let events: NostrEvent[];

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "dvm" });
  events = await generateEvents({ count: 400, seed: 24, users: 8 });
  await archive(db.pool, events);
  relay = await startFakeRelay({ acceptWrites: true });
  dvm = startTestDvm(tc, [relay.url]);
  customer = await Customer.open(relay.url, 0x5400);
  // Subscribed and announced: what is published from now on reaches it live.
  await vi.waitFor(() => expect(relay.events.some((e) => e.kind === 31990)).toBe(true));
});

afterAll(async () => {
  customer?.close();
  await dvm?.close();
  await relay?.close();
  await db?.drop();
});

const relayParam = ["param", "relay", ARCHIVED_FROM];
const count = (filters: Filter[]) => events.filter((e) => matchFilters(filters, e)).length;

describe("5400 event count", () => {
  it("announces itself (NIP-89 31990, a k tag per job kind)", async () => {
    const announcement = relay.events.find((e) => e.kind === 31990 && e.pubkey === dvm.pubkey);
    if (announcement === undefined) throw new Error("no announcement");
    const ks = announcement.tags.filter((t) => t[0] === "k").map((t) => t[1]);
    expect(ks.sort()).toEqual(["5304", "5400"]);
    expect(JSON.parse(announcement.content).encryptionSupported).toBe(true);
  });

  it("counts the content's filters on the relay params, with request, e and p tags", async () => {
    const filters: Filter[] = [{ kinds: [1] }, { kinds: [7], since: events[100]?.created_at ?? 0 }];
    const expected = count(filters);
    expect(expected).toBeGreaterThan(0);
    const request = await customer.request(5400, [relayParam], JSON.stringify(filters));
    const result = await customer.waitFor(request, 6400);
    expect(result.content).toBe(String(expected));
    expect(result.pubkey).toBe(dvm.pubkey);
    expect(result.tags).toContainEqual(["e", request.id]);
    expect(result.tags).toContainEqual(["p", customer.pubkey]);
    expect(JSON.parse(result.tags.find((t) => t[0] === "request")?.[1] ?? "{}").id).toBe(
      request.id,
    );
    await vi.waitFor(() => expect(customer.statuses(request)).toEqual(["processing", "success"]));
  });

  it("counts nothing on a relay the events were not seen on", async () => {
    const request = await customer.request(5400, [["param", "relay", "wss://relay.elsewhere.com"]]);
    expect((await customer.waitFor(request, 6400)).content).toBe("0");
  });

  it("groups by pubkey as a dictionary of counts", async () => {
    const filter: Filter = { kinds: [1, 7] };
    const request = await customer.request(
      5400,
      [relayParam, ["param", "group", "pubkey"]],
      JSON.stringify(filter),
    );
    const expected: Record<string, number> = {};
    for (const e of events.filter((x) => matchFilters([filter], x))) {
      expected[e.pubkey] = (expected[e.pubkey] ?? 0) + 1;
    }
    expect(JSON.parse((await customer.waitFor(request, 6400)).content)).toEqual(expected);
  });

  it("groups by a tag name (its first value), events without it left out", async () => {
    const withP = events.filter((e) => e.tags.some((t) => t[0] === "p"));
    expect(withP.length).toBeGreaterThan(0);
    const expected: Record<string, number> = {};
    for (const e of withP) {
      const v = e.tags.find((t) => t[0] === "p")?.[1] ?? "";
      expected[v] = (expected[v] ?? 0) + 1;
    }
    const request = await customer.request(5400, [relayParam, ["param", "group", "p"]]);
    expect(JSON.parse((await customer.waitFor(request, 6400)).content)).toEqual(expected);
  });

  it("counts events with one of the inputs as a tag value", async () => {
    const values = [...new Set(events.flatMap((e) => e.tags.filter((t) => t[0] === "p")))]
      .slice(0, 2)
      .map((t) => t[1] ?? "");
    const expected = events.filter((e) =>
      e.tags.some((t) => /^[a-zA-Z]$/.test(t[0] ?? "") && values.includes(t[1] ?? "")),
    ).length;
    expect(expected).toBeGreaterThan(0);
    const inputs = values.map((v) => ["i", v, "text"]);
    const request = await customer.request(5400, [...inputs, relayParam]);
    const result = await customer.waitFor(request, 6400);
    expect(result.content).toBe(String(expected));
    expect(result.tags).toEqual(expect.arrayContaining(inputs));
  });

  it("answers an error feedback with the reason when the relay param is missing", async () => {
    const request = await customer.request(5400, [], "[]");
    const feedback = await vi.waitFor(() => {
      const error = customer.about(request, 7000).find((e) => e.tags[0]?.[1] === "error");
      if (!error) throw new Error("no error feedback");
      return error;
    });
    expect(feedback.tags[0]?.[2]).toMatch(/between 1 and 10 filters/);
    const noRelay = await customer.request(5400, []);
    await vi.waitFor(() => expect(customer.statuses(noRelay)).toEqual(["processing", "error"]));
    const second = customer.about(noRelay, 7000)[1];
    expect(second?.tags.find((t) => t[0] === "status")).toEqual([
      "status",
      "error",
      "param relay is required (the relays whose events to count)",
    ]);
    await dvm.idle();
    expect(customer.about(noRelay, 6400)).toEqual([]);
  });

  it("ignores a job addressed to another DVM", async () => {
    const other = await customer.request(5400, [relayParam, ["p", "ab".repeat(32)]]);
    const mine = await customer.request(5400, [relayParam, ["p", dvm.pubkey]]);
    await customer.waitFor(mine, 6400);
    await dvm.idle();
    expect(customer.about(other)).toEqual([]);
    expect(
      await tc.metric("brotr_dvm_requests_total", { kind: "5400", outcome: "ignored_other" }),
    ).toBe(1);
  });

  it("answers an encrypted request with an encrypted result", async () => {
    const tags = [relayParam, ["param", "group", "pubkey"]];
    const content = encrypt(customer.secretKey, dvm.pubkey, JSON.stringify(tags));
    const request = await customer.request(5400, [["p", dvm.pubkey], ["encrypted"]], content);
    const result = await customer.waitFor(request, 6400);
    expect(result.tags).toContainEqual(["encrypted"]);
    const plain = JSON.parse(decrypt(customer.secretKey, dvm.pubkey, result.content));
    const total = Object.values(plain as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBe(events.length);
  });

  it("reconnects after its relay went down and answers what was sent meanwhile", async () => {
    const connected = () => tc.metric("brotr_dvm_relays_connected");
    await relay.stop();
    await vi.waitFor(async () => expect(await connected()).toBe(0));
    const sent = finalizeEvent(
      { kind: 5400, created_at: Math.floor(Date.now() / 1000), tags: [relayParam], content: "" },
      customer.secretKey,
    ) as NostrEvent;
    relay.addEvents([sent]);
    await relay.restart();
    const later = await Customer.open(relay.url, 0x5400);
    try {
      expect((await later.waitFor(sent, 6400)).content).toBe(String(events.length));
      expect(await connected()).toBe(1);
      expect(tc.logs.filter((l) => l.msg === "dvm_relay_lost").length).toBeGreaterThan(0);
    } finally {
      later.close();
    }
  });
});
