import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { hostname } from "node:os";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { type LeasedCycle, leasedWork } from "../../../src/core/db/leased-work.js";
import { acquireLeases, leaseHolder } from "../../../src/core/db/leases.js";
import type { Network } from "../../../src/models/index.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";

interface Item {
  url: string;
  network: Network;
}

const networks = parseConfig(
  brotrConfigSchema,
  { networks: { clearnet: { max_tasks: 2 }, tor: { enabled: true, max_tasks: 1 } } },
  "brotr.yaml",
).networks;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query("TRUNCATE lease");
});

const now = () => Math.floor(Date.now() / 1000);
const ctx = () => ({ db: db.pool, now, signal: new AbortController().signal });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const items = (n: number, network: Network = "clearnet"): Item[] =>
  Array.from({ length: n }, (_, i) => ({ url: `wss://${network}-${i}`, network }));

async function held(service = "svc"): Promise<Map<string, string>> {
  const { rows } = await db.pool.query<{ item: string; holder: string }>(
    "SELECT item, holder FROM lease WHERE service = $1",
    [service],
  );
  return new Map(rows.map((r) => [r.item, r.holder]));
}

/** A list function paging through `all` in order. */
function pages(all: readonly Item[]) {
  const left = [...all];
  return async (max: number) => left.splice(0, max);
}

/** Counts the items running at once, per network. */
function peaks() {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  return {
    peak,
    async run(item: Item, ms: number) {
      const n = (running.get(item.network) ?? 0) + 1;
      running.set(item.network, n);
      peak.set(item.network, Math.max(peak.get(item.network) ?? 0, n));
      await sleep(ms);
      running.set(item.network, (running.get(item.network) ?? 1) - 1);
    },
  };
}

function cycle(all: Item[], over: Partial<LeasedCycle<Item, string>> = {}) {
  return {
    key: (i: Item) => i.url,
    list: pages(all),
    work: async (i: Item) => i.url,
    ...over,
  } satisfies LeasedCycle<Item, string>;
}

describe("leasedWork", () => {
  it("works every free item once within its network's limit and gives every lease back", async () => {
    const lw = leasedWork({ service: "svc", networks, ttl: 60 });
    expect(lw.networks).toEqual(["clearnet", "tor"]);
    expect(lw.slots).toBe(3);
    expect(lw.holder).toMatch(/^.+:\d+:[0-9a-f]{6}$/);
    const all = [...items(6), ...items(3, "tor")];
    // Another process holds two of them.
    await acquireLeases(db.pool, {
      service: "svc",
      holder: "other",
      items: ["wss://clearnet-1", "wss://tor-2"],
      ttl: 60,
      now: now(),
    });
    const p = peaks();
    const done: string[] = [];
    const elsewhere: string[] = [];
    const counts = await lw.runCycle(
      ctx(),
      cycle(all, {
        pageSize: 4,
        work: async (i) => {
          expect((await held()).get(i.url)).toBe(lw.holder);
          await p.run(i, 30);
          done.push(i.url);
          return i.url;
        },
        onLeasedElsewhere: (list) => elsewhere.push(...list.map((i) => i.url)),
      }),
    );
    expect(done.sort()).toEqual(
      all.map((i) => i.url).filter((u) => u !== "wss://clearnet-1" && u !== "wss://tor-2"),
    );
    expect(elsewhere.sort()).toEqual(["wss://clearnet-1", "wss://tor-2"]);
    expect(counts).toMatchObject({ taken: 7, leasedElsewhere: 2 });
    expect(p.peak.get("clearnet")).toBe(2);
    expect(p.peak.get("tor")).toBe(1);
    expect([...(await held()).keys()].sort()).toEqual(["wss://clearnet-1", "wss://tor-2"]);
  });

  it("keeps a lease until the item's result is durable (settled), and renews it meanwhile", async () => {
    const lw = leasedWork({ service: "svc", networks, ttl: 3 });
    let commit = () => {};
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    const running = lw.runCycle(ctx(), cycle(items(2), { settled: () => committed }));
    await sleep(300);
    const first = await held();
    expect([...first.keys()].sort()).toEqual(["wss://clearnet-0", "wss://clearnet-1"]);
    const { rows } = await db.pool.query("SELECT max(expires_at)::int AS e FROM lease");
    await sleep(2200);
    const { rows: later } = await db.pool.query("SELECT min(expires_at)::int AS e FROM lease");
    expect(later[0].e).toBeGreaterThan(rows[0].e);
    commit();
    await running;
    expect((await held()).size).toBe(0);
  }, 15_000);

  it("hands a page's results to finishPage while the page is held, pages one after another", async () => {
    const lw = leasedWork({ service: "svc", networks, ttl: 60 });
    const seen: { page: string[]; results: (string | undefined)[]; held: number }[] = [];
    await lw.runCycle(
      ctx(),
      cycle(items(5), {
        pageSize: 2,
        work: async (i) => `done ${i.url}`,
        finishPage: async (page, results) => {
          seen.push({
            page: page.map((i) => i.url),
            results: [...results],
            held: (await held()).size,
          });
        },
      }),
    );
    expect(seen.map((s) => s.page.length)).toEqual([2, 2, 1]);
    for (const s of seen) {
      expect(s.results).toEqual(s.page.map((u) => `done ${u}`));
      expect(s.held).toBe(s.page.length);
    }
    expect((await held()).size).toBe(0);
  });

  it("takes each item when its slot frees and holds every lease until drained (take each, holdToEnd)", async () => {
    const lw = leasedWork({ service: "svc", networks, ttl: 60 });
    const heldWhenStarted: number[] = [];
    let heldAtDrain = 0;
    const counts = await lw.runCycle(
      ctx(),
      cycle(items(5), {
        take: "each",
        holdToEnd: true,
        work: async (i) => {
          heldWhenStarted.push((await held()).size);
          await sleep(20);
          return i.url;
        },
        drain: async () => {
          heldAtDrain = (await held()).size;
        },
      }),
    );
    expect(counts.taken).toBe(5);
    // Two slots: the first two are taken together, later ones as slots free; none before.
    expect(Math.max(...heldWhenStarted.slice(0, 2))).toBeLessThanOrEqual(2);
    expect(heldWhenStarted.at(-1)).toBe(5);
    expect(heldAtDrain).toBe(5);
    expect((await held()).size).toBe(0);
  });

  it("a failing work ends the cycle: nothing more starts, the error is thrown, every lease goes back", async () => {
    const lw = leasedWork({ service: "svc", networks, ttl: 60 });
    const started: string[] = [];
    const failing = lw.runCycle(
      ctx(),
      cycle(items(8), {
        take: "each",
        holdToEnd: true,
        work: async (i) => {
          started.push(i.url);
          await sleep(20);
          if (i.url === "wss://clearnet-1") throw new Error("database gone");
          return i.url;
        },
      }),
    );
    await expect(failing).rejects.toThrow("database gone");
    expect(started.length).toBeLessThan(8);
    expect((await held()).size).toBe(0);
  });

  it("cleanup deletes this service's expired leases only", async () => {
    const lw = leasedWork({ service: "svc", networks, ttl: 60 });
    const old = { holder: "gone", ttl: 1, now: now() - 100 };
    await acquireLeases(db.pool, { ...old, service: "svc", items: ["a", "b"] });
    await acquireLeases(db.pool, { ...old, service: "other", items: ["c"] });
    expect(await lw.cleanup({ db: db.pool, now })).toBe(2);
    expect((await held("other")).size).toBe(1);
  });
});

/** A node process that exits at once: its pid names no process afterwards. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid as number;
}

describe("leasedWork after a restart on the same host", () => {
  let live: ChildProcess;
  beforeAll(() => {
    live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 120000)"], { stdio: "ignore" });
  });
  afterAll(() => {
    live.kill();
  });

  // Due items, as the monitor lists them: those leased (by anyone) are not due, nor those
  // already done.
  const unleased = (all: readonly Item[], done: readonly string[]) => async (max: number) => {
    const { rows } = await db.pool.query<{ item: string }>(
      "SELECT item FROM lease WHERE service = 'svc' AND expires_at > $1",
      [now()],
    );
    const leased = new Set([...rows.map((r) => r.item), ...done]);
    return all.filter((i) => !leased.has(i.url)).slice(0, max);
  };

  it.each([
    ["page", false],
    ["each", true],
  ])(
    "takes a dead process's leases at once, never a live one's or another host's (%s)",
    async (_, each) => {
      const host = hostname();
      const dead = await deadPid();
      const holders = {
        "wss://dead": `${host}:${dead}:aaaaaa`,
        "wss://live-child": `${host}:${live.pid}:bbbbbb`,
        // This very process (alive) under another holder name: a sibling instance in it.
        "wss://live-self": `${host}:${process.pid}:cccccc`,
        // The same dead pid on another host means nothing here.
        "wss://other-host": `elsewhere.invalid:${dead}:dddddd`,
      };
      for (const [url, holder] of Object.entries(holders)) {
        await acquireLeases(db.pool, {
          service: "svc",
          holder,
          items: [url],
          ttl: 600,
          now: now(),
        });
      }
      const all = Object.keys(holders).map((url) => ({ url, network: "clearnet" as const }));
      const lw = leasedWork({ service: "svc", holder: leaseHolder(host), networks, ttl: 60 });
      const worked: string[] = [];
      const counts = await lw.runCycle(
        ctx(),
        cycle(all, {
          // The page path lists as the monitor does (leased items hidden), the each path all.
          list: each ? pages(all) : unleased(all, worked),
          ...(each ? { take: "each" as const } : {}),
          work: async (i) => {
            worked.push(i.url);
            return i.url;
          },
        }),
      );
      expect(worked).toEqual(["wss://dead"]);
      expect(counts.reclaimed).toBe(1);
      const left = await held();
      expect([...left.keys()].sort()).toEqual([
        "wss://live-child",
        "wss://live-self",
        "wss://other-host",
      ]);
    },
  );

  it("takes back its own leases left by a cycle the database failed, at the next cycle", async () => {
    // A cycle that failed while the database was away could not give its leases back; the
    // listing hides leased items (the monitor's), so without this they wait out their TTL.
    const holder = leaseHolder(hostname());
    const all = items(2);
    await acquireLeases(db.pool, {
      service: "svc",
      holder,
      items: ["wss://clearnet-0"],
      ttl: 600,
      now: now(),
    });
    const lw = leasedWork({ service: "svc", holder, networks, ttl: 60 });
    const worked: string[] = [];
    const counts = await lw.runCycle(
      ctx(),
      cycle(all, {
        list: unleased(all, worked),
        work: async (i) => {
          worked.push(i.url);
          return i.url;
        },
      }),
    );
    expect(worked.sort()).toEqual(["wss://clearnet-0", "wss://clearnet-1"]);
    expect(counts.reclaimed).toBe(1);
    expect(await held()).toEqual(new Map());
  });
});
