import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertMetadata } from "../../../src/core/db/metadata.js";
import { insertRelayMetadata, recordRelayMetadata } from "../../../src/core/db/relay-metadata.js";
import { insertRelays } from "../../../src/core/db/relays.js";
import { canonicalJson, metadataId } from "../../../src/models/metadata.js";
import type { Relay } from "../../../src/models/relay.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { count } from "./helpers.js";

const RELAY: Relay = { url: "wss://m.example", network: "clearnet", discoveredAt: 100 };
const INFO = { data: { name: "relay", supported_nips: [1, 11] }, logs: { success: true } };
const RTT = { data: { rtt_open: 120 }, logs: { open_success: true } };

describe.each(["bigbrotr", "lilbrotr"] as const)("metadata writes (%s)", (profile) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ profile });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("stores documents under their content hash as canonical JSON, once per (id, type)", async () => {
    const reordered = { logs: { success: true }, data: { supported_nips: [1, 11], name: "relay" } };
    const docs = [
      { type: "nip11_info" as const, data: INFO },
      { type: "nip11_info" as const, data: reordered },
      { type: "nip66_http" as const, data: INFO },
    ];
    expect(await insertMetadata(db.pool, docs)).toBe(2);
    expect(await insertMetadata(db.pool, docs)).toBe(0);
    const { rows } = await db.pool.query(
      "SELECT type, data::text AS data FROM metadata WHERE id = $1 ORDER BY type",
      [metadataId(INFO)],
    );
    expect(rows.map((r) => r.type)).toEqual(["nip11_info", "nip66_http"]);
    expect(JSON.parse(rows[0].data)).toEqual(JSON.parse(canonicalJson(INFO)));
  });

  it("records relays, documents and snapshots in one call, ignoring repeats", async () => {
    const checks = [
      { relay: RELAY, type: "nip11_info" as const, data: INFO, generatedAt: 1000 },
      { relay: RELAY, type: "nip66_rtt" as const, data: RTT, generatedAt: 1000 },
      { relay: RELAY, type: "nip66_rtt" as const, data: RTT, generatedAt: 2000 },
    ];
    const first = await recordRelayMetadata(db.pool, [...checks, checks[0]!]);
    expect(first).toEqual({ relays: 1, metadata: 1, relayMetadata: 3 });
    expect(await recordRelayMetadata(db.pool, checks)).toEqual({
      relays: 0,
      metadata: 0,
      relayMetadata: 0,
    });
  });

  it("insertRelayMetadata links existing rows and refuses unknown documents", async () => {
    const relay = { ...RELAY, url: "wss://n.example" };
    await insertRelays(db.pool, [relay]);
    const row = {
      relayUrl: relay.url,
      metadataId: metadataId(INFO),
      metadataType: "nip11_info" as const,
      generatedAt: 5,
    };
    expect(await insertRelayMetadata(db.pool, [row, row])).toBe(1);
    const unknown = { ...row, metadataId: metadataId({ other: 1 }), generatedAt: 6 };
    await expect(insertRelayMetadata(db.pool, [unknown])).rejects.toThrow(/foreign key/);
  });

  it("deleting a relay or a document removes its snapshots", async () => {
    const relay = { ...RELAY, url: "wss://gone.example" };
    const doc = { data: { unique: "doc" }, logs: { success: true } };
    await recordRelayMetadata(db.pool, [
      { relay, type: "nip66_dns", data: doc, generatedAt: 1 },
      { relay: RELAY, type: "nip66_dns", data: doc, generatedAt: 1 },
    ]);
    const snapshots = () => count(db.pool, "relay_metadata WHERE metadata_type = 'nip66_dns'");
    expect(await snapshots()).toBe(2);
    await db.pool.query("DELETE FROM relay WHERE url = $1", [relay.url]);
    expect(await snapshots()).toBe(1);
    await db.pool.query("DELETE FROM metadata WHERE id = $1", [metadataId(doc)]);
    expect(await snapshots()).toBe(0);
  });
});
