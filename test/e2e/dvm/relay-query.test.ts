/**
 * `bigbrotr dvm` answering kind 5304 (relay query) from the relay map on real PostgreSQL:
 * filters by network, NIP, software, country, max RTT, up now and uptime, and pages through
 * the result with `limit` and `after`; a bad param is an error feedback.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningDvm } from "../../../src/services/dvm/service.js";
import { Customer, startTestDvm } from "../../support/dvm.js";
import { type FakeRelay, startFakeRelay } from "../../support/fake-relay.js";
import { recordMonitorRuns } from "../../support/network-history.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { createTestContext, type TestContext } from "../../support/service-context.js";

let db: TestDatabase;
let tc: TestContext;
let relay: FakeRelay;
let dvm: RunningDvm;
let customer: Customer;

const nip11 = (software: string, nips: number[]) => ({ software, supported_nips: nips });

beforeAll(async () => {
  db = await createTestDatabase();
  tc = createTestContext(db.pool, { service: "dvm" });
  const end = Math.floor(Date.now() / 1000) - 60;
  await recordMonitorRuns(
    db.pool,
    [
      {
        url: "wss://a.example.com",
        nip11: nip11("git+https://github.com/hoytech/strfry.git", [1, 11, 45, 77]),
        geo: { geo_country: "DE" },
        rtt: () => ({ open: 40 }),
      },
      {
        url: "wss://b.example.com",
        nip11: nip11("nostr-rs-relay", [1, 11, 45]),
        geo: { geo_country: "US" },
        rtt: () => ({ open: 300 }),
      },
      {
        url: "wss://c.example.com",
        nip11: nip11("git+https://github.com/hoytech/strfry.git", [1, 11]),
        geo: { geo_country: "DE" },
        up: (_t, i) => i % 2 === 0,
      },
      { url: "ws://abcdefghijklmnop.onion", network: "tor", nip11: nip11("khatru", [1, 77]) },
    ],
    { end, every: 3600, count: 4 },
  );
  relay = await startFakeRelay({ acceptWrites: true });
  dvm = startTestDvm(tc, [relay.url], { config: { max_page_size: 2 } });
  await dvm.ready();
  customer = await Customer.open(relay.url, 0x5304);
});

afterAll(async () => {
  customer?.close();
  await dvm?.close();
  await relay?.close();
  await db?.drop();
});

async function query(params: string[][]) {
  const request = await customer.request(
    5304,
    params.map(([k, v]) => ["param", k ?? "", v ?? ""]),
  );
  const result = await customer.waitFor(request, 6304);
  return JSON.parse(result.content) as { relays: { url: string }[]; next: string | null };
}

const urls = (r: { relays: { url: string }[] }) => r.relays.map((x) => x.url);

describe("5304 relay query", () => {
  it("filters by NIP (all given), software and country", async () => {
    expect(urls(await query([["nip", "45"]]))).toEqual([
      "wss://a.example.com",
      "wss://b.example.com",
    ]);
    expect(
      urls(
        await query([
          ["nip", "77"],
          ["network", "clearnet"],
        ]),
      ),
    ).toEqual(["wss://a.example.com"]);
    expect(
      urls(
        await query([
          ["software", "STRFRY"],
          ["country", "de"],
        ]),
      ),
    ).toEqual(["wss://a.example.com", "wss://c.example.com"]);
  });

  it("filters by network, max RTT, up now and uptime", async () => {
    expect(urls(await query([["network", "tor"]]))).toEqual(["ws://abcdefghijklmnop.onion"]);
    expect(
      urls(
        await query([
          ["max_rtt", "100"],
          ["network", "clearnet"],
        ]),
      ),
    ).toEqual(["wss://a.example.com"]); // b is slower, c has no RTT (down at its newest check)
    // c was down at its newest check (runs 0 and 2 of 0..3 up).
    expect(urls(await query([["up", "false"]]))).toEqual(["wss://c.example.com"]);
    expect(
      urls(
        await query([
          ["min_uptime", "0.9"],
          ["country", "DE"],
        ]),
      ),
    ).toEqual(["wss://a.example.com"]);
  });

  it("pages with limit and after (the page size capped by the config)", async () => {
    // URL order, byte by byte: "ws://" before "wss://".
    const first = await query([]);
    expect(urls(first)).toEqual(["ws://abcdefghijklmnop.onion", "wss://a.example.com"]);
    expect(first.next).toBe("wss://a.example.com");
    const second = await query([["after", first.next ?? ""]]);
    expect(urls(second)).toEqual(["wss://b.example.com", "wss://c.example.com"]);
    expect(second.next).toBeNull();
    const one = await query([
      ["limit", "1"],
      ["after", "wss://a.example.com"],
    ]);
    expect(urls(one)).toEqual(["wss://b.example.com"]);
  });

  it("answers a bad param with an error feedback saying which", async () => {
    const request = await customer.request(5304, [["param", "max_rtt", "fast"]]);
    await vi.waitFor(() => expect(customer.statuses(request)).toContain("error"));
    const error = customer.about(request, 7000).find((e) => e.tags[0]?.[1] === "error");
    expect(error?.tags[0]?.[2]).toBe("param max_rtt must be a number from 0 to 3600000");
  });
});
