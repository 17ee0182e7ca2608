import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  latestRelayMetadata,
  relayMetadataHistory,
} from "../../../../src/core/db/api/relay-metadata.js";
import { type RelayCheck, recordRelayMetadata } from "../../../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../../../src/core/db/relays.js";
import { buildMetadata } from "../../../../src/models/metadata.js";
import type { MetadataType } from "../../../../src/models/metadata-type.js";
import type { Network } from "../../../../src/models/network.js";
import { createTestDatabase, type TestDatabase } from "../../../support/pg.js";

const relay = (url: string, network: Network = "clearnet") => ({ url, network, discoveredAt: 7 });
const A = relay("wss://a.example");
const B = relay("wss://b.example");

function check(r: ReturnType<typeof relay>, type: MetadataType, at: number): RelayCheck {
  return { relay: r, type, data: { data: { at, url: r.url } }, generatedAt: at };
}

describe("API reads of relays and their checks", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await insertRelays(db.pool, [
      A,
      B,
      relay("wss://c.example"),
      relay("ws://d.onion", "tor"),
      relay("ws://e.onion", "tor"),
    ]);
    const checks: RelayCheck[] = [];
    for (let at = 100; at <= 1000; at += 100) {
      checks.push(check(A, "nip66_rtt", at));
      if (at % 300 === 0) checks.push(check(A, "nip11_info", at));
      if (at <= 500) checks.push(check(B, "nip66_rtt", at));
    }
    await recordRelayMetadata(db.pool, checks);
  });
  afterAll(async () => {
    await db.drop();
  });

  it("reads the newest snapshot of each type of each relay, with its document", async () => {
    const latest = await latestRelayMetadata(db.pool, [A.url, B.url, "wss://c.example", "wss://x"]);
    expect(latest.map((s) => [s.relayUrl, s.metadataType, s.generatedAt])).toEqual([
      [A.url, "nip11_info", 900],
      [A.url, "nip66_rtt", 1000],
      [B.url, "nip66_rtt", 500],
    ]);
    const rtt = latest[1];
    expect(rtt?.data).toEqual({ data: { at: 1000, url: A.url } });
    expect(rtt?.metadataId.equals(buildMetadata("nip66_rtt", rtt.data).id)).toBe(true);
    const onlyInfo = await latestRelayMetadata(db.pool, [A.url], ["nip11_info"]);
    expect(onlyInfo.map((s) => s.generatedAt)).toEqual([900]);
    expect(await latestRelayMetadata(db.pool, [])).toEqual([]);
  });

  it("reads one relay's history in a half-open time range, newest first", async () => {
    const all = await relayMetadataHistory(db.pool, A.url);
    expect(all).toHaveLength(13);
    expect(all.slice(0, 3).map((s) => [s.generatedAt, s.metadataType])).toEqual([
      [1000, "nip66_rtt"],
      [900, "nip11_info"],
      [900, "nip66_rtt"],
    ]);
    const range = await relayMetadataHistory(db.pool, A.url, { since: 300, until: 600 });
    expect(range.map((s) => [s.generatedAt, s.metadataType])).toEqual([
      [500, "nip66_rtt"],
      [400, "nip66_rtt"],
      [300, "nip11_info"],
      [300, "nip66_rtt"],
    ]);
    const page = await relayMetadataHistory(db.pool, A.url, { type: "nip66_rtt", limit: 2 });
    expect(page.map((s) => s.generatedAt)).toEqual([1000, 900]);
    const older = await relayMetadataHistory(db.pool, A.url, {
      type: "nip66_rtt",
      limit: 2,
      until: page.at(-1)?.generatedAt as number,
    });
    expect(older.map((s) => s.generatedAt)).toEqual([800, 700]);
    expect(older.every((s) => s.relayUrl === A.url)).toBe(true);
    expect(await relayMetadataHistory(db.pool, "wss://unknown.example")).toEqual([]);
  });
});
