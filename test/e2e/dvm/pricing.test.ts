/**
 * Priced jobs: the customer is told the price (7000 payment-required with an amount), and
 * the result is released only by a NIP-57 zap receipt signed by the configured provider that
 * pays that job's amount; receipts from another key or for less release nothing. Receipts are
 * signed by a test provider key on a devnet relay.
 */
import { finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import type { RunningDvm } from "../../../src/services/dvm/service.js";
import { Customer, startTestDvm } from "../../support/dvm.js";
import { type FakeRelay, startFakeRelay } from "../../support/fake-relay.js";
import { generateEvents } from "../../support/fake-user.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { ARCHIVED_FROM, archive } from "../../support/relay-archive.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";

const PROVIDER = Uint8Array.from(Buffer.from("33".repeat(32), "hex"));
const IMPOSTOR = Uint8Array.from(Buffer.from("44".repeat(32), "hex"));
const PRICE = 21_000;

let db: TestDatabase;
let tc: TestContext;
let relay: FakeRelay;
let dvm: RunningDvm;
let customer: Customer;
let total: number;

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "dvm" });
  const events = await generateEvents({ count: 50, seed: 57, users: 3 });
  await archive(db.pool, events);
  total = events.length;
  relay = await startFakeRelay({ acceptWrites: true });
  const pricing = { enabled: true, provider: getPublicKey(PROVIDER), amounts: { "5400": PRICE } };
  dvm = startTestDvm(tc, [relay.url], { config: { pricing } });
  await dvm.ready();
  customer = await Customer.open(relay.url, 0x57);
});

afterAll(async () => {
  customer?.close();
  await dvm?.close();
  await relay?.close();
  await db?.drop();
});

const sign = (kind: number, tags: string[][], key: Uint8Array) =>
  finalizeEvent({ kind, created_at: Math.floor(Date.now() / 1000), content: "", tags }, key);

/** A 9735 receipt by `signer` for a zap of `amount` msats on `request`. */
function receipt(request: NostrEvent, amount: number, signer: Uint8Array): NostrEvent {
  const zapped = [
    ["p", dvm.pubkey],
    ["e", request.id],
  ];
  const zapRequest = sign(
    9734,
    [...zapped, ["amount", String(amount)], ["relays", relay.url]],
    customer.secretKey,
  );
  const description = ["description", JSON.stringify(zapRequest)];
  return sign(9735, [...zapped, ["bolt11", "lnbc210n1test"], description], signer) as NostrEvent;
}

describe("pricing", () => {
  it("asks for the amount, and releases the result on the provider's receipt only", async () => {
    const request = await customer.request(5400, [["param", "relay", ARCHIVED_FROM]]);
    const asked = await vi.waitFor(() => {
      const f = customer.about(request, 7000).find((e) => e.tags[0]?.[1] === "payment-required");
      if (!f) throw new Error("no payment-required");
      return f;
    });
    expect(asked.tags).toContainEqual(["amount", String(PRICE)]);
    await dvm.idle();
    expect(customer.about(request, 6400)).toEqual([]);

    await customer.publish(receipt(request, PRICE, IMPOSTOR));
    await customer.publish(receipt(request, PRICE - 1, PROVIDER));
    await dvm.idle();
    expect(customer.about(request, 6400)).toEqual([]);

    await customer.publish(receipt(request, PRICE, PROVIDER));
    expect((await customer.waitFor(request, 6400)).content).toBe(String(total));
    await vi.waitFor(() => expect(customer.statuses(request)).toContain("success"));
  });

  it("leaves a kind without a price free", async () => {
    const request = await customer.request(5304, []);
    const result = await customer.waitFor(request, 6304);
    const relays = JSON.parse(result.content).relays as { url: string }[];
    expect(relays.map((r) => r.url)).toEqual([ARCHIVED_FROM]);
    expect(customer.statuses(request)).not.toContain("payment-required");
  });
});
