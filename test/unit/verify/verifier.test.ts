import { Worker } from "node:worker_threads";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import { loadBackend } from "../../../src/utils/verify/backend.js";
import {
  createVerifier,
  type Verifier,
  type VerifierOptions,
  type VerifyResult,
} from "../../../src/utils/verify/pool.js";
import { resolveWorkerEntry, spawnVerifyWorker } from "../../../src/utils/verify/worker-pool.js";
import {
  rehashed,
  wasmSignedEvents,
  withForeignPubkey,
  withTamperedContent,
  withTamperedSig,
} from "./events.js";

const nativeAvailable = await loadBackend("native").then(
  () => true,
  () => false,
);
const backends = nativeAvailable ? (["native", "wasm"] as const) : (["wasm"] as const);

const open: Verifier[] = [];
async function verifier(opts: VerifierOptions): Promise<Verifier> {
  const v = await createVerifier(opts);
  open.push(v);
  return v;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
});

let good: NostrEvent[] = [];
let mixed: { events: NostrEvent[]; expected: VerifyResult[] };

/** Every kind of defect, spread through a batch big enough to go to the workers. */
async function mixedBatch(base: NostrEvent[]) {
  const events: NostrEvent[] = [];
  const expected: VerifyResult[] = [];
  const add = (ev: NostrEvent, r: VerifyResult) => events.push(ev) && expected.push(r);
  for (const [i, ev] of base.entries()) {
    switch (i % 8) {
      case 1:
        add(withTamperedContent(ev), "bad-id");
        break;
      case 2:
        add(withTamperedSig(ev), "bad-sig");
        break;
      case 3:
        add(await withForeignPubkey(ev), "bad-sig");
        break;
      case 4:
        add(rehashed(ev, { pubkey: "zz".repeat(32) }), "bad-sig");
        break;
      case 5:
        add({ ...ev, sig: ev.sig.slice(2) }, "bad-sig");
        break;
      case 6:
        add({ ...ev, id: "not hex" }, "bad-id");
        break;
      case 7:
        add({ ...ev, tags: [[1 as unknown as string]] }, "bad-id");
        break;
      default:
        add(ev, "ok");
    }
  }
  return { events, expected };
}

beforeAll(async () => {
  good = await wasmSignedEvents(300);
  mixed = await mixedBatch(good);
});

describe.each(backends)("verifier on %s", (backend) => {
  it.each([0, 2])(
    "with %i threads: valid events pass, each defect is reported",
    async (threads) => {
      const v = await verifier({ backend, threads });
      expect(v.backend).toBe(backend);
      expect(v.threads).toBe(threads);
      expect(await v.verifyEvents(good)).toEqual(good.map(() => "ok"));
      const fresh = await verifier({ backend, threads });
      expect(await fresh.verifyEvents(mixed.events)).toEqual(mixed.expected);
    },
  );

  it("a pool of 2 threads answers exactly like inline verification", async () => {
    const inline = await verifier({ backend, threads: 0 });
    const pooled = await verifier({ backend, threads: 2, inlineBelow: 0 });
    const a = await inline.verifyEvents(mixed.events);
    const b = await pooled.verifyEvents(mixed.events);
    expect(b).toEqual(a);
  });

  it.each([0, 2])(
    "with %i threads and idsChecked: the id is not hashed again, shape and signature are checked",
    async (threads) => {
      const v = await verifier({ backend, threads, inlineBelow: 0 });
      const [a, b, c] = [good[10]!, good[11]!, good[12]!];
      // Content changed after signing: only the id hash can tell, and the caller vouches for it.
      const events = [
        withTamperedContent(a),
        withTamperedSig(b),
        { ...c, tags: [[1 as unknown as string]] },
      ];
      expect(await v.verifyEvents(events, undefined, { idsChecked: true })).toEqual([
        "ok",
        "bad-sig",
        "bad-id",
      ]);
      const fresh = await verifier({ backend, threads, inlineBelow: 0 });
      expect(await fresh.verifyEvents(events)).toEqual(["bad-id", "bad-sig", "bad-id"]);
    },
  );

  it("small batches and empty batches work", async () => {
    const v = await verifier({ backend, threads: 2 });
    expect(await v.verifyEvents([])).toEqual([]);
    expect(await v.verifyEvents(mixed.events.slice(0, 4))).toEqual(mixed.expected.slice(0, 4));
  });
});

describe("verified-copy cache", () => {
  // A cache hit needs the id and the signature that passed: an id is the hash of what was
  // signed, but a relay can serve that content with a forged signature, and such a copy must
  // fail as it would with an empty cache.
  it("skips the check for a copy that passed before, not for a copy with another signature", async () => {
    const v = await verifier({ threads: 0 });
    const ev = good[0]!;
    expect(v.isKnownVerified(ev)).toBe(false);
    expect(await v.verifyEvents([ev])).toEqual(["ok"]);
    expect(v.isKnownVerified(ev)).toBe(true);
    expect(v.isKnownVerified(withTamperedSig(ev))).toBe(false);
    expect(await v.verifyEvents([withTamperedSig(ev)])).toEqual(["bad-sig"]);
    // The failure is not remembered against the honest copy.
    expect(await v.verifyEvents([ev])).toEqual(["ok"]);
  });

  it("skips it for copies the caller marks (e.g. stored as such), but still checks the id", async () => {
    const v = await verifier({ threads: 2, inlineBelow: 0 });
    const ev = good[1]!;
    v.markVerified([ev, { id: "not an id", sig: ev.sig }]);
    expect(v.isKnownVerified(ev)).toBe(true);
    expect(v.isKnownVerified({ id: "not an id", sig: ev.sig })).toBe(false);
    expect(await v.verifyEvents([ev, withTamperedSig(ev), withTamperedContent(ev)])).toEqual([
      "ok",
      "bad-sig",
      "bad-id",
    ]);
  });

  it("never remembers failures and forgets the least recently used id", async () => {
    const v = await verifier({ threads: 0, cacheSize: 2 });
    const [a, b, c] = good as [NostrEvent, NostrEvent, NostrEvent];
    await v.verifyEvents([withTamperedSig(a)]);
    expect(v.isKnownVerified(a)).toBe(false);
    await v.verifyEvents([a, b]);
    await v.verifyEvents([a]); // a is now the most recently used
    await v.verifyEvents([c]);
    expect([a, b, c].map((e) => v.isKnownVerified(e))).toEqual([true, false, true]);
  });
});

describe("abort", () => {
  it("rejects at once with an aborted signal", async () => {
    const v = await verifier({ threads: 2 });
    const reason = new Error("stop");
    await expect(v.verifyEvents(good, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it("rejects while the workers are busy, and the verifier stays usable", async () => {
    const v = await verifier({ backend: "wasm", threads: 2, cacheSize: 0 });
    const many = Array.from({ length: 10 }, () => good).flat(); // ~0.5 s of WASM work
    const ctl = new AbortController();
    const pending = v.verifyEvents(many, ctl.signal);
    setTimeout(() => ctl.abort(new Error("timeout")), 20);
    await expect(pending).rejects.toThrow("timeout");
    expect(await v.verifyEvents(good.slice(0, 100))).toEqual(good.slice(0, 100).map(() => "ok"));
  });
});

/** A worker that says ready and then dies on its first batch. */
function crashingWorker(): Worker {
  const code = `
    const { parentPort } = require("node:worker_threads");
    parentPort.postMessage({ type: "ready", backend: "wasm" });
    parentPort.on("message", () => process.exit(7));`;
  return new Worker(code, { eval: true });
}

describe("worker failures", () => {
  it("replaces a crashed worker and retries its batch once", async () => {
    let spawned = 0;
    const v = await verifier({
      threads: 1,
      inlineBelow: 0,
      spawnWorker: (b) => (spawned++ === 0 ? crashingWorker() : spawnVerifyWorker(b)),
    });
    expect(await v.verifyEvents(mixed.events)).toEqual(mixed.expected);
    expect(spawned).toBe(2);
  });

  it("throws when the retry dies too", async () => {
    const v = await verifier({ threads: 1, inlineBelow: 0, spawnWorker: crashingWorker });
    await expect(v.verifyEvents(good.slice(0, 50))).rejects.toThrow(/died/);
  });

  it("fails to start when the requested backend is unavailable in the worker", async () => {
    const broken = () => new Worker("throw new Error('no backend here')", { eval: true });
    await expect(createVerifier({ threads: 2, spawnWorker: broken })).rejects.toThrow(
      "no backend here",
    );
  });
});

describe("close", () => {
  it("terminates every worker and refuses further work", async () => {
    const exits: Promise<number>[] = [];
    const v = await createVerifier({
      threads: 2,
      spawnWorker: (b) => {
        const w = spawnVerifyWorker(b);
        exits.push(new Promise((resolve) => w.once("exit", resolve)));
        return w;
      },
    });
    await v.verifyEvents(good.slice(0, 100));
    await v.close();
    expect(exits).toHaveLength(2);
    await Promise.all(exits);
    await expect(v.verifyEvents(good.slice(0, 1))).rejects.toThrow("closed");
  });
});

describe("worker entry", () => {
  it("from the TypeScript sources is worker.ts, started through tsx's tsImport", () => {
    const entry = resolveWorkerEntry();
    expect(entry.file.pathname).toMatch(/src\/utils\/verify\/worker\.ts$/);
    expect(entry.bootstrap).toContain("tsImport");
  });
});

describe("id forms (models/event.ts policy)", () => {
  it("accepts an id over the spec-strict serialisation of a control character", async () => {
    const { createRequire } = await import("node:module");
    const schnorr = createRequire(import.meta.url)("bcrypto/lib/schnorr") as {
      sign(msg: Buffer, key: Buffer): Buffer;
      publicKeyCreate(key: Buffer): Buffer;
    };
    const { computeEventId, idMatch } = await import("../../../src/models/event.js");
    const secret = Buffer.alloc(32, 7);
    const base = {
      pubkey: schnorr.publicKeyCreate(secret).toString("hex"),
      created_at: 1_700_000_000,
      kind: 1,
      tags: [["t", "bell\u0007"]],
      content: "ring \u0001 the bell",
    };
    const id = computeEventId(base); // NIP-01 strict: control characters written verbatim
    const ev = { ...base, id, sig: schnorr.sign(Buffer.from(id, "hex"), secret).toString("hex") };
    expect(idMatch(ev)).toBe("strict");
    const verifier = await createVerifier({ threads: 0 });
    try {
      expect(await verifier.verifyEvents([ev, withTamperedContent(ev)])).toEqual(["ok", "bad-id"]);
    } finally {
      await verifier.close();
    }
  });
});
