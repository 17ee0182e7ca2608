import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../support/api.js";
import { addUncheckedRelays, recordMonitorRuns } from "../../support/network-history.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { A, B, C, D, E, F, fillApiDatabase, NOW } from "./dataset.js";

let db: TestDatabase;
let api: TestApi;
const enc = encodeURIComponent;
const urls = (body: { relays: { url: string }[] }) => body.relays.map((r) => r.url);
const ALL = [A, B, C, D, E, F].sort();

beforeAll(async () => {
  db = await createTestDatabase();
  await fillApiDatabase(db.pool);
  api = await startTestApi(db.pool, {}, { now: NOW });
}, 120_000);
afterAll(async () => {
  await api.close();
  await db.drop();
});

describe("GET /v1/relays", () => {
  it("lists every relay in URL order with its current state", async () => {
    const r = await api.get("/v1/relays");
    expect(r.status).toBe(200);
    expect(urls(r.body)).toEqual(ALL);
    expect(r.body.total).toBe(6);
    expect(r.body.next).toBeNull();
    const alpha = r.body.relays.find((x: { url: string }) => x.url === A);
    expect(alpha).toMatchObject({
      network: "clearnet",
      status: "up",
      checked_at: NOW - 600,
      rtt: { read: 60, write: 70 },
      uptime: { "24h": 1, "7d": 1, "30d": 1 },
      name: "Alpha relay",
      software: "git+https://github.com/hoytech/strfry.git",
      supported_nips: [1, 11, 42, 50],
      auth_required: false,
      writable: true,
      country: "DE",
      asn: 24940,
      events_archived: 30,
    });
    const beta = r.body.relays.find((x: { url: string }) => x.url === B);
    // 720 runs, up on every other one; NIP-11 lists "50", "x" and 11 twice.
    expect(beta.uptime["30d"]).toBe(0.5);
    expect(beta.uptime["24h"]).toBe(0.5);
    expect(beta.supported_nips).toEqual([1, 11, 50]);
    expect(beta.events_archived).toBe(8);
    const gamma = r.body.relays.find((x: { url: string }) => x.url === C);
    expect(gamma.status).toBe("down");
    expect(gamma.uptime["24h"]).toBe(0);
    expect(gamma.uptime["30d"]).toBeCloseTo(696 / 720, 6);
  });

  it.each([
    ["network=tor", [D]],
    ["status=up", [A, B, D].sort()],
    ["status=down", [C]],
    ["status=unknown", [E, F].sort()],
    ["nips=42", [A, C].sort()],
    ["nips=1,11", [A, B].sort()],
    ["nips=11&nips=50", [A, B].sort()],
    ["software=STRFRY", [D]],
    ["software=khatru", [C]],
    ["country=us", [B, C].sort()],
    ["asn=13335", [B]],
    // F's newest check (three days old) measured 50 ms and could write.
    ["max_rtt=100", [A, D, F].sort()],
    ["auth_required=true", [C]],
    ["payment_required=true", [B]],
    ["payment_required=false", [A, C, D, E, F].sort()],
    ["writable=true", [A, D, F].sort()],
    ["writable=false", [B, C, E].sort()],
    ["q=ALPHA", [A]],
    ["q=onion", [D]],
    ["network=clearnet&status=up&nips=50", [A, B].sort()],
  ])("filters by %s", async (query, expected) => {
    const r = await api.get(`/v1/relays?${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(urls(r.body)).toEqual(expected);
    expect(r.body.total).toBe(expected.length);
  });

  it("sorts by RTT (fastest first), uptime (most first) and events (most first), nulls last", async () => {
    // A's newest RTT is 50 (run 719), as F's: the URL breaks the tie. C is down: no RTT.
    expect(urls((await api.get("/v1/relays?sort=rtt")).body)).toEqual([A, F, D, B, C, E]);
    const uptime = urls((await api.get("/v1/relays?sort=uptime")).body);
    expect(uptime.slice(0, 2).sort()).toEqual([A, D].sort());
    expect(uptime.slice(2, 5)).toEqual([F, C, B]);
    expect(uptime[5]).toBe(E);
    const events = urls((await api.get("/v1/relays?sort=events")).body);
    expect(events.slice(0, 2)).toEqual([A, B]);
  });

  it("pages with opaque cursors that never skip or repeat, even with relays added between pages", async () => {
    for (const sort of ["url", "rtt", "uptime", "events"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await api.get(
          `/v1/relays?sort=${sort}&limit=2${cursor ? `&cursor=${enc(cursor)}` : ""}`,
        );
        expect(r.status).toBe(200);
        seen.push(...urls(r.body));
        cursor = r.body.next;
        if (pages === 0 && sort === "url") {
          // Before the cursor (URL order) and after it.
          await addUncheckedRelays(db.pool, ["wss://aaa-new.example", "wss://zzz-new.example"]);
        }
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(new Set(seen).size, sort).toBe(seen.length);
      const expected =
        sort === "url"
          ? [...ALL, "wss://zzz-new.example"]
          : [...ALL, "wss://aaa-new.example", "wss://zzz-new.example"];
      expect([...seen].sort(), sort).toEqual(expected.sort());
    }
  });

  it("refuses bad input with 400 naming the path of the problem", async () => {
    const cases: [string, string][] = [
      ["limit=0", "query.limit"],
      ["limit=100000", "query.limit"],
      ["nips=abc", "query.nips[0]"],
      ["country=USA", "query.country[0]"],
      ["status=sideways", "query.status[0]"],
      ["writable=yes", "query.writable"],
      ["bogus=1", "query.bogus"],
      ["cursor=not-a-cursor", "query.cursor"],
    ];
    for (const [query, path] of cases) {
      const r = await api.get(`/v1/relays?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error.code).toBe("bad_request");
      expect(
        r.body.error.issues.map((i: { path: string }) => i.path),
        query,
      ).toContain(path);
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
    }
    const page = await api.get("/v1/relays?sort=rtt&limit=1");
    const other = await api.get(`/v1/relays?sort=url&cursor=${enc(page.body.next)}`);
    expect(other.status).toBe(400);
    expect(other.body.error.issues[0].path).toBe("query.cursor");
  });
});

describe("GET /v1/relays/{url}", () => {
  it("returns the newest result of every check, the NIP-11 document, policy and events", async () => {
    const r = await api.get(`/v1/relays/${enc(A)}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      url: A,
      status: "up",
      discovered_at: 1_600_000_000,
      events_archived: 30,
      nip11: { name: "Alpha relay", supported_nips: [1, 11, 42, 50] },
      geo: { geo_country: "DE", geo_lat: 50.11 },
      policy: { advertised: { auth_required: false }, measured: { writable: true, auth: "none" } },
      attribution: expect.stringContaining("DB-IP"),
    });
    expect(Object.keys(r.body.checks).sort()).toEqual([
      "nip11_info",
      "nip66_geo",
      "nip66_net",
      "nip66_rtt",
    ]);
    expect(r.body.checks.nip66_rtt).toMatchObject({
      generated_at: NOW - 600,
      logs: { open_success: true },
    });
    const gamma = await api.get(`/v1/relays/${enc(C)}`);
    expect(gamma.body.checks.nip66_rtt.logs).toEqual({
      open_success: false,
      open_reason: "timeout after 10s",
    });
    // Its NIP-11 is the last one it served, before it went down.
    expect(gamma.body.checks.nip11_info.generated_at).toBe(NOW - 600 - 24 * 3600);
    expect(gamma.body.policy.measured).toMatchObject({ open_reason: "timeout after 10s" });
    const onion = await api.get(`/v1/relays/${enc(D)}`);
    expect(onion.status).toBe(200);
    expect(onion.body.attribution).toBeNull();
  });

  it("404s an unknown relay and 400s what is no relay URL", async () => {
    const missing = await api.get(`/v1/relays/${enc("wss://nope.example")}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: "not_found",
      message: "no relay wss://nope.example",
    });
    const bad = await api.get(`/v1/relays/${enc("https://x.example")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("path.url");
  });
});

describe("GET /v1/relays/{url}/history", () => {
  it("returns one point per check in the range, oldest first, and the uptime windows", async () => {
    const r = await api.get(
      `/v1/relays/${enc(B)}/history?since=${NOW - 86_400}&until=${NOW}&limit=500`,
    );
    expect(r.status).toBe(200);
    expect(r.body.uptime).toEqual({ "24h": 0.5, "7d": 0.5, "30d": 0.5 });
    expect(r.body.points).toHaveLength(24);
    const ts = r.body.points.map((p: { t: number }) => p.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    for (const p of r.body.points) {
      if (p.up) expect(p).toMatchObject({ rtt_open: 200, rtt_read: 250, rtt_write: null });
      else expect(p).toMatchObject({ rtt_open: null, rtt_read: null, rtt_write: null });
    }
    expect(r.body.points.filter((p: { up: boolean }) => p.up)).toHaveLength(12);
    expect(r.body.next).toBeNull();
  });

  it("defaults to the last 7 days and pages through them without gaps or repeats", async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await api.get(
        `/v1/relays/${enc(A)}/history?limit=50${cursor ? `&cursor=${enc(cursor)}` : ""}`,
      );
      expect(r.status).toBe(200);
      seen.push(...r.body.points.map((p: { t: number }) => p.t));
      cursor = r.body.next;
    } while (cursor !== null);
    expect(seen).toHaveLength(168);
    expect(new Set(seen).size).toBe(168);
    expect(seen.every((t, i) => i === 0 || t - (seen[i - 1] as number) === 3600)).toBe(true);
  });

  it("refuses an empty or too long range, and 404s an unknown relay", async () => {
    const inverted = await api.get(`/v1/relays/${enc(A)}/history?since=${NOW}&until=${NOW - 10}`);
    expect(inverted.status).toBe(400);
    expect(inverted.body.error.issues[0].path).toBe("query.since");
    const long = await api.get(`/v1/relays/${enc(A)}/history?since=0&until=${NOW}`);
    expect(long.status).toBe(400);
    const missing = await api.get(`/v1/relays/${enc("wss://nope.example")}/history`);
    expect(missing.status).toBe(404);
  });
});

describe("GET /v1/online", () => {
  it("lists the URLs of the relays up now, optionally by NIP or network", async () => {
    const r = await api.get("/v1/online");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ relays: [A, B, D].sort(), count: 3, checked_within: 86_400 });
    expect((await api.get("/v1/online?nips=42")).body.relays).toEqual([A]);
    expect((await api.get("/v1/online?network=tor")).body.relays).toEqual([D]);
    expect((await api.get("/v1/online?nips=x")).status).toBe(400);
  });

  it("follows new monitor runs (no snapshot caching configured)", async () => {
    await recordMonitorRuns(db.pool, [{ url: "wss://fresh.example" }], {
      end: NOW - 60,
      every: 60,
      count: 1,
    });
    expect((await api.get("/v1/online")).body.relays).toContain("wss://fresh.example");
  });
});

describe("the relay snapshot", () => {
  it("is kept for relay_snapshot_seconds, then served stale once while the next is read", async () => {
    const cached = await startTestApi(
      db.pool,
      { cache: { relay_snapshot_seconds: 1 } },
      { now: NOW },
    );
    try {
      const before = (await cached.get("/v1/online")).body.relays as string[];
      const betaBefore = (await cached.get(`/v1/relays/${enc(B)}`)).body.checked_at;
      await recordMonitorRuns(db.pool, [{ url: "wss://later.example" }, { url: B }], {
        end: NOW - 30,
        every: 60,
        count: 1,
      });
      expect((await cached.get("/v1/online")).body.relays).toEqual(before);
      // One relay's state comes from the snapshot too (its newest check: not the new one yet),
      // or is read alone when the relay is newer than the snapshot; unknown ones are 404s.
      expect((await cached.get(`/v1/relays/${enc(B)}`)).body.checked_at).toBe(betaBefore);
      const later = await cached.get(
        `/v1/relays/${enc("wss://later.example")}/history?since=${NOW - 3600}&until=${NOW}`,
      );
      expect(later.status).toBe(200);
      expect(later.body.points).toHaveLength(1);
      expect((await cached.get(`/v1/relays/${enc("wss://nope.example")}`)).status).toBe(404);
      expect((await cached.get("/v1/online?network=clearnet")).body.relays).not.toContain(
        "wss://later.example",
      );
      await new Promise((r) => setTimeout(r, 1100));
      // The first request after expiry still gets the old table and starts reading the new one.
      expect((await cached.get("/v1/online")).body.relays).toEqual(before);
      await expect
        .poll(async () => (await cached.get("/v1/online")).body.relays)
        .toContain("wss://later.example");
    } finally {
      await cached.close();
    }
  });
});
