import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestRelayMetadata } from "../../../../src/core/db/api/relay-metadata.js";
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
});
