import { Readable } from "node:stream";
import { finalizeEvent } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BAD_ID,
  BAD_SIG,
  type ImportOptions,
  type ImportReport,
  importEvents,
} from "../../../../src/cli/archive-file/event-import.js";
import { NO_RELAY } from "../../../../src/cli/archive-file/import-line.js";
import { archiveEvents } from "../../../../src/core/db/archive.js";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { createVerifier, type Verifier } from "../../../../src/utils/verify/pool.js";
import { type FakeUser, makeUser } from "../../../support/fake-user.js";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../../../support/pg.js";

const A = "wss://a.example.com";
const B = "wss://b.example.com";
const SEEN_AT = 1_800_000_000;

let user: FakeUser;
let verifier: Verifier;
let serial = 0;

function signed(content = `note ${serial}`, extra: Partial<NostrEvent> = {}): NostrEvent {
  serial += 1;
  return user.sign({
    kind: 1,
    created_at: 1_700_000_000 + serial,
    tags: [["t", "import"]],
    content,
    ...extra,
  });
}

/** Signed by nostr-tools: nostr-wasm's fixed heap cannot hash a megabyte of content. */
function signedLarge(content: string): NostrEvent {
  serial += 1;
  const template = { kind: 1, created_at: 1_700_000_000 + serial, tags: [], content };
  const { id, pubkey, created_at, kind, tags, sig } = finalizeEvent(template, user.secretKey);
  return { id, pubkey, created_at, kind, tags, content, sig };
}

const line = (event: NostrEvent, relays?: string[]) =>
  JSON.stringify(relays === undefined ? event : { ...event, relays });

/** The lines as a stream, its first 7 kB cut into 7-byte chunks so lines straddle chunks. */
function input(lines: string[]): Readable {
  const bytes = Buffer.from(lines.join("\n"));
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const size = i < 7000 ? 7 : 65_536;
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return Readable.from(chunks);
}

async function run(db: TestDatabase, lines: string[], options: Partial<ImportOptions> = {}) {
  return importEvents(db.pool, verifier, input(lines), {
    profile: "bigbrotr",
    seenAt: SEEN_AT,
    ...options,
  });
}

async function storedIds(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    "SELECT encode(id, 'hex') AS id FROM event ORDER BY 1",
  );
  return rows.map((r) => r.id);
}

async function sightings(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ s: string }>(
    `SELECT encode(er.event_id, 'hex') || ' ' || r.url || ' ' || er.seen_at || ' ' || r.network AS s
     FROM event_relay er JOIN relay r ON r.id = er.relay_id ORDER BY 1`,
  );
  return rows.map((r) => r.s);
}

beforeAll(async () => {
  user = await makeUser("import-test");
  verifier = await createVerifier({ threads: 1, inlineBelow: 0 });
});
afterAll(async () => {
  await verifier.close();
});

describe("importEvents", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("stores the valid lines and reports every hostile one with its line number", async () => {
    const stored = signed("already stored");
    await archiveEvents(db.pool, [{ event: stored, relayUrl: B, network: "clearnet", seenAt: 1 }], {
      profile: "bigbrotr",
    });
    const good = signed("good");
    const big = signedLarge("x".repeat(1024 * 1024));
    const nul = signed("nul \u0000 inside");
    const forged = { ...signed("forged"), sig: signed("other").sig };
    const tampered = { ...signed("tampered"), content: "changed after signing" };
    const lines = [
      line(good, [A, B]), // 1
      "", // 2
      "{not json", // 3
      line(forged, [A]), // 4
      line(tampered, [A]), // 5
      line(nul, [A]), // 6
      line(big, [A]), // 7
      "x".repeat(17 * 1024 * 1024), // 8
      line(good, [A]), // 9: same event again
      line(signed("no relay")), // 10
      "   \t", // 11
      line(stored, [A]), // 12: stored before the import, now also seen on A
      `${line(signed("crlf"), [B])}\r`, // 13
    ];
    const report = await run(db, lines);
    expect(report).toEqual({
      lines: 13,
      blank: 2,
      accepted: 3,
      duplicate: 2,
      invalid: 6,
      sightings: 5,
      complete: true,
      invalidLines: [
        { line: 3, reason: expect.stringMatching(/^not JSON: /) },
        { line: 4, reason: BAD_SIG },
        { line: 5, reason: BAD_ID },
        { line: 6, reason: "unstorable: NUL character" },
        { line: 8, reason: `line is ${17 * 1024 * 1024} bytes, more than the maximum of 16777216` },
        { line: 10, reason: NO_RELAY },
      ],
    } satisfies ImportReport);
    const ids = await storedIds(db);
    expect(ids).toHaveLength(4);
    expect(ids).toEqual(expect.arrayContaining([stored.id, good.id, big.id]));
    expect(ids).not.toContain(nul.id);
    expect(ids).not.toContain(forged.id);
    const { rows } = await db.pool.query("SELECT content FROM event WHERE id = decode($1, 'hex')", [
      big.id,
    ]);
    expect(rows[0].content).toBe(big.content);
    expect(await sightings(db)).toEqual(
      expect.arrayContaining([
        `${good.id} ${A} ${SEEN_AT} clearnet`,
        `${good.id} ${B} ${SEEN_AT} clearnet`,
        `${stored.id} ${A} ${SEEN_AT} clearnet`,
        `${stored.id} ${B} 1 clearnet`,
      ]),
    );
  });

  it("attributes every event to --relay, with its network, whatever the lines say", async () => {
    const onion = "ws://pqtppbzn3tbq3nmvffaycd7mon3kvnfqbasqxpj5d62hmxcleukgjwad.onion";
    const events = [signed("r1"), signed("r2")];
    const report = await run(db, [line(events[0]!, [A]), line(events[1]!)], {
      relay: { url: onion, network: "tor" },
    });
    expect(report).toMatchObject({ accepted: 2, invalid: 0, sightings: 2 });
    const seen = await sightings(db);
    for (const ev of events) expect(seen).toContain(`${ev.id} ${onion} ${SEEN_AT} tor`);
    expect(seen.filter((s) => s.startsWith(events[0]!.id))).toHaveLength(1);
  });

  it("writes bounded batches, keeps the invalid list in line order and caps it", async () => {
    const lines: string[] = [];
    const expectedInvalid: number[] = [];
    for (let i = 1; i <= 25; i++) {
      if (i % 4 === 0) {
        lines.push(line({ ...signed(), sig: "0".repeat(128) }, [A]));
        expectedInvalid.push(i);
      } else if (i % 7 === 0) {
        lines.push(`garbage ${i}`);
        expectedInvalid.push(i);
      } else {
        lines.push(line(signed(), [A]));
      }
    }
    const batches: number[] = [];
    const report = await run(db, lines, {
      batchSize: 4,
      maxListed: 5,
      onProgress: (r) => batches.push(r.lines),
    });
    expect(report.invalid).toBe(expectedInvalid.length);
    expect(report.accepted).toBe(25 - expectedInvalid.length);
    expect(report.invalidLines.map((l) => l.line)).toEqual(expectedInvalid.slice(0, 5));
    expect(batches).toEqual([4, 8, 12, 16, 20, 24, 25]);
  });

  it("also closes a batch on its bytes and on its sightings", async () => {
    const lines = Array.from({ length: 7 }, () => line(signed(), [A, B]));
    const size = Buffer.byteLength(lines[0] as string);
    const byBytes: number[] = [];
    await run(db, lines, { maxBatchBytes: 3 * size - 1, onProgress: (r) => byBytes.push(r.lines) });
    expect(byBytes).toEqual([3, 6, 7]);
    const bySightings: number[] = [];
    const more = Array.from({ length: 5 }, () => line(signed(), [A, B]));
    await run(db, more, { maxBatchSightings: 4, onProgress: (r) => bySightings.push(r.lines) });
    expect(bySightings).toEqual([2, 4, 5]);
  });

  it("stops between lines when the signal aborts and says it did not finish", async () => {
    const controller = new AbortController();
    const lines = Array.from({ length: 10 }, () => line(signed(), [A]));
    const report = await run(db, lines, {
      batchSize: 3,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    // The batch being stored when the signal came (and the one already verified) still count.
    expect(report.complete).toBe(false);
    expect(report.lines).toBeLessThan(10);
    expect(report.lines % 3).toBe(0);
    expect(report.accepted).toBe(report.lines);
  });

  it("imports into a lilbrotr archive (index columns only)", async () => {
    const lil = await createTestDatabase({ profile: "lilbrotr" });
    try {
      const ev = signed("lil");
      const report = await importEvents(lil.pool, verifier, input([line(ev, [A])]), {
        profile: "lilbrotr",
      });
      expect(report).toMatchObject({ accepted: 1, invalid: 0 });
      expect(await storedIds(lil)).toEqual([ev.id]);
    } finally {
      await lil.drop();
    }
  });

  it("fails on a database error instead of counting the lines invalid", async () => {
    const empty = await createEmptyDatabase();
    try {
      await expect(run(empty, [line(signed(), [A])])).rejects.toThrow(/does not exist/);
      // Failing while the next batch is read and verified: no unhandled rejection, same error.
      async function* slow() {
        yield `${line(signed(), [A])}\n`;
        await new Promise((r) => setTimeout(r, 300));
        yield `${line(signed(), [A])}\n`;
      }
      await expect(
        importEvents(empty.pool, verifier, slow(), { profile: "bigbrotr", batchSize: 1 }),
      ).rejects.toThrow(/does not exist/);
    } finally {
      await empty.drop();
    }
  });
});
