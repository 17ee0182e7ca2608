import { describe, expect, it } from "vitest";
import { buildMetadata } from "../../../../src/models/metadata.js";
import { checkError, checkOk, checkSkipped } from "../../../../src/nips/check-result.js";
import { type RelayResults, storedDocuments } from "../../../../src/services/monitor/documents.js";

const skipped = checkSkipped<never>("disabled");
const base: RelayResults = {
  nip11: skipped,
  rtt: skipped,
  ssl: skipped,
  dns: skipped,
  geo: skipped,
  net: skipped,
  http: skipped,
};

describe("storedDocuments", () => {
  it("skipped checks store nothing", () => {
    expect(storedDocuments(base).size).toBe(0);
  });

  it("a failed open stores an rtt document with the reason for all three steps", () => {
    const docs = storedDocuments({ ...base, rtt: checkError("connect: ECONNREFUSED", 3) });
    const reason = "connect: ECONNREFUSED";
    expect(docs.get("nip66_rtt")).toEqual({
      data: {},
      logs: {
        open_success: false,
        open_reason: reason,
        read_success: false,
        read_reason: reason,
        write_success: false,
        write_reason: reason,
      },
    });
  });

  it("rtt: times of the steps that worked; refusals keep their policy; skipped steps say why", () => {
    const rtt = checkOk(
      {
        openMs: 12,
        read: { status: "ok" as const, ms: 30 },
        write: {
          status: "refused" as const,
          policy: "auth-required" as const,
          reason: "auth-required: log in",
          ms: 8,
        },
        auth: "challenged" as const,
        insecure: false,
      },
      50,
    );
    expect(storedDocuments({ ...base, rtt }).get("nip66_rtt")).toEqual({
      data: { rtt_open: 12, rtt_read: 30, rtt_write: undefined },
      logs: {
        open_success: true,
        read_success: true,
        write_success: false,
        write_reason: "auth-required: log in",
        write_policy: "auth-required",
        auth: "challenged",
        insecure: false,
      },
    });
    const noKey = checkOk(
      {
        openMs: 1,
        read: { status: "ok" as const, ms: 2 },
        write: { status: "skipped" as const, reason: "no key" },
        auth: "none" as const,
        insecure: false,
      },
      3,
    );
    const logs = storedDocuments({ ...base, rtt: noKey }).get("nip66_rtt")?.logs;
    expect(logs).toMatchObject({ write_reason: "skipped: no key" });
    expect(logs).not.toHaveProperty("write_success");
  });

  it("durations stay out: the same result at another speed is the same document", () => {
    const ssl = (ms: number) =>
      checkOk(
        {
          fingerprint: "AA:BB",
          san: ["relay.test"],
          sanIps: [],
          notBefore: 1,
          notAfter: 2,
          serial: "01",
          selfSigned: false,
          valid: true,
        },
        ms,
      );
    const a = storedDocuments({ ...base, ssl: ssl(5) }).get("nip66_ssl");
    const b = storedDocuments({ ...base, ssl: ssl(900) }).get("nip66_ssl");
    expect(buildMetadata("nip66_ssl", a).id).toEqual(buildMetadata("nip66_ssl", b).id);
    expect(a).toMatchObject({
      data: { ssl_valid: true, ssl_fingerprint: "AA:BB", ssl_expires: 2, ssl_san: ["relay.test"] },
      logs: { success: true },
    });
  });

  it("other checks: fields under their stored names; dns lists failed record types", () => {
    const docs = storedDocuments({
      ...base,
      nip11: checkError("HTTP 404", 4),
      dns: checkOk(
        {
          ipv4: ["192.0.2.1"],
          ipv6: [],
          ttl: 60,
          queryMs: 7,
          ns: [],
          ptr: [],
          errors: { ns: "SERVFAIL" },
        },
        7,
      ),
      geo: checkOk({ ip: "192.0.2.1", country: "DE", lat: 52.5, lon: 13.4, geohash: "u33dc0" }, 1),
      net: checkOk(
        { ipv4: "192.0.2.1", asn: 64_500, asnOrg: "Example", network: "192.0.2.0/24" },
        1,
      ),
      http: checkOk({ server: "strfry" }, 9),
    });
    expect(docs.get("nip11_info")).toEqual({
      data: {},
      logs: { success: false, reason: "HTTP 404" },
    });
    expect(docs.get("nip66_dns")).toMatchObject({
      data: { dns_ips: ["192.0.2.1"], dns_ttl: 60 },
      logs: { success: true, errors: { ns: "SERVFAIL" } },
    });
    expect(docs.get("nip66_dns")?.data).not.toHaveProperty("dns_query_ms");
    expect(docs.get("nip66_geo")?.data).toMatchObject({ geo_country: "DE", geo_hash: "u33dc0" });
    expect(docs.get("nip66_net")?.data).toMatchObject({ net_asn: 64_500, net_asn_org: "Example" });
    expect(docs.get("nip66_http")).toEqual({
      data: { http_server: "strfry", http_powered_by: undefined },
      logs: { success: true },
    });
  });
});

describe("storedDocuments: words a relay chose", () => {
  it("replaces NUL and lone surrogates, so every document can be stored", () => {
    const docs = storedDocuments({
      ...base,
      rtt: checkError("closed by relay (code 1008: a\u0000b)", 3),
      http: checkOk({ server: "evil\u0000/1.0", poweredBy: "x\ud800" }, 2),
      dns: checkError("dns: \udc00", 1),
    });
    for (const [type, doc] of docs) expect(() => buildMetadata(type, doc)).not.toThrow();
    expect(docs.get("nip66_http")?.data).toEqual({
      http_server: "evil\ufffd/1.0",
      http_powered_by: "x\ufffd",
    });
    expect(docs.get("nip66_rtt")?.logs.open_reason).toBe("closed by relay (code 1008: a\ufffdb)");
    expect(docs.get("nip66_dns")?.logs).toEqual({ success: false, reason: "dns: \ufffd" });
  });
});
