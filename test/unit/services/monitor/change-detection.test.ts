import { describe, expect, it } from "vitest";
import { EMPTY_STATE } from "../../../../src/core/db/relay-change-state.js";
import type { MetadataType } from "../../../../src/models/metadata-type.js";
import { detectChanges } from "../../../../src/services/monitor/change-detection.js";
import type { ChangeThresholds } from "../../../../src/services/monitor/config.js";
import type { StoredDocument } from "../../../../src/services/monitor/documents.js";

const T: ChangeThresholds = {
  enabled: true,
  down_after: 3,
  rtt_high_ms: 1000,
  rtt_high_checks: 2,
  cert_expiry_days: 14,
  retention_days: 90,
};
const URL = "wss://relay.example/";
const DAY = 86_400;

const upDoc = (rttOpen = 50, write: boolean | undefined = true): StoredDocument => ({
  data: { rtt_open: rttOpen, rtt_read: 10, ...(write ? { rtt_write: 20 } : {}) },
  logs: {
    open_success: true,
    read_success: true,
    ...(write === undefined ? {} : { write_success: write }),
  },
});
const downDoc: StoredDocument = { data: {}, logs: { open_success: false, open_reason: "refused" } };
const nip11 = (data: Record<string, unknown>): StoredDocument => ({
  data,
  logs: { success: true },
});
const ssl = (fingerprint: string, expires: number, valid = true): StoredDocument => ({
  data: { ssl_fingerprint: fingerprint, ssl_expires: expires, ssl_valid: valid },
  logs: { success: true },
});

/** Runs checks one after the other (t = 1000, 2000, ...); returns every change's kind. */
function replay(checks: Array<Partial<Record<MetadataType, StoredDocument>>>) {
  let state = EMPTY_STATE;
  const kinds: string[] = [];
  const all = [];
  for (const [i, docs] of checks.entries()) {
    const documents = new Map(Object.entries(docs)) as Map<MetadataType, StoredDocument>;
    const d = detectChanges(state, { url: URL, checkedAt: (i + 1) * 1000, documents }, T);
    state = d.state;
    kinds.push(...d.changes.map((c) => `${c.kind}@${c.checkedAt}`));
    all.push(...d.changes);
  }
  return { kinds, changes: all, state };
}

describe("detectChanges", () => {
  it("down after N failed opens in a row, once; up at the first open after", () => {
    const rtt = (doc: StoredDocument) => ({ nip66_rtt: doc });
    const { kinds, changes } = replay([
      rtt(upDoc()),
      rtt(downDoc),
      rtt(downDoc),
      rtt(upDoc()), // two failures: not down yet, and the count restarts
      rtt(downDoc),
      rtt(downDoc),
      rtt(downDoc),
      rtt(downDoc),
      rtt(upDoc()),
    ]);
    expect(kinds).toEqual(["down@7000", "up@9000"]);
    expect(changes[0]?.evidence).toMatchObject({ failures: 3, since: 5000, reason: "refused" });
    expect(changes[1]?.evidence).toMatchObject({ down_since: 5000, failures: 4 });
  });

  it("rtt_high after N slow checks, rtt_normal when it comes back", () => {
    const rtt = (ms: number) => ({ nip66_rtt: upDoc(ms) });
    const { kinds } = replay([rtt(1500), rtt(50), rtt(1500), rtt(2000), rtt(3000), rtt(10)]);
    expect(kinds).toEqual(["rtt_high@4000", "rtt_normal@6000"]);
  });

  it("write failing while reads work; not when the write was not probed", () => {
    const { kinds } = replay([
      { nip66_rtt: upDoc(50, undefined) },
      { nip66_rtt: upDoc(50, false) },
      { nip66_rtt: upDoc(50, false) },
      { nip66_rtt: upDoc(50, true) },
    ]);
    expect(kinds).toEqual(["write_failing@2000", "write_restored@4000"]);
  });

  it("NIP-11 changes name their fields; supported NIPs added and removed", () => {
    const { changes } = replay([
      { nip11_info: nip11({ name: "a", supported_nips: [1, 11] }) },
      { nip11_info: nip11({ name: "a", supported_nips: [1, 11] }) },
      { nip11_info: nip11({ name: "b", contact: "x", supported_nips: [1, 42] }) },
    ]);
    expect(changes.map((c) => [c.kind, c.evidence])).toEqual([
      ["nip11_changed", { fields: ["contact", "name", "supported_nips"] }],
      ["nips_changed", { added: [42], removed: [11], nips: [1, 42] }],
    ]);
  });

  it("certificates: expiring once per certificate, renewed, invalid", () => {
    const { kinds } = replay([
      { nip66_ssl: ssl("aa", 1000 + 60 * DAY) },
      { nip66_ssl: ssl("aa", 60 * DAY) },
      { nip66_ssl: ssl("aa", 10 * DAY) }, // within 14 days
      { nip66_ssl: ssl("aa", 10 * DAY) },
      { nip66_ssl: ssl("bb", 100 * DAY) },
      { nip66_ssl: ssl("cc", 100 * DAY, false) },
      { nip66_ssl: ssl("cc", 100 * DAY, false) },
    ]);
    expect(kinds).toEqual([
      "cert_expiring@3000",
      "cert_renewed@5000",
      "cert_renewed@6000",
      "cert_invalid@6000",
    ]);
  });

  it("a failed NIP-11 fetch or a first document changes nothing", () => {
    const { kinds } = replay([
      { nip11_info: nip11({ name: "a" }) },
      { nip11_info: { data: {}, logs: { success: false, reason: "timeout" } } },
      { nip11_info: nip11({ name: "a" }) },
    ]);
    expect(kinds).toEqual([]);
  });
});
