import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents } from "../../../src/core/db/events.js";
import type { Profile } from "../../../src/core/db/migrate.js";
import { tagValues } from "../../../src/models/event.js";
import { createTestDatabase, type TestDatabase } from "../../support/pg.js";
import { count, dumpEvents, fakeEvent, fakeEvents, TRICKY } from "./helpers.js";

const PROFILES: Profile[] = ["bigbrotr", "lilbrotr"];
const UNNEST = { copyThreshold: Number.POSITIVE_INFINITY };
const COPY = { copyThreshold: 0 };

describe.each(PROFILES)("insertEvents (%s)", (profile) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ profile });
  });
  afterAll(async () => {
    await db.drop();
  });

  it.each([
    ["unnest", UNNEST],
    ["copy", COPY],
  ])(
    "counts new rows and ignores duplicates within and across batches (%s)",
    async (name, path) => {
      const batch = fakeEvents(`dup-${name}-`, 50);
      const first = await insertEvents(db.pool, [...batch, ...batch.slice(0, 10)], {
        profile,
        ...path,
      });
      expect(first).toEqual({ inserted: 50, rejected: [] });
      const more = fakeEvents(`dup-${name}-more-`, 5);
      const second = await insertEvents(db.pool, [...batch.slice(20), ...more], {
        profile,
        ...path,
      });
      expect(second.inserted).toBe(5);
      expect(await insertEvents(db.pool, [], { profile, ...path })).toEqual({
        inserted: 0,
        rejected: [],
      });
    },
  );

  it("rejects NUL characters and lone surrogates without losing the rest of the batch", async () => {
    for (const path of [UNNEST, COPY]) {
      const good = fakeEvents(`nul-${path.copyThreshold}-`, 3);
      const nul = fakeEvent(`nul-content-${path.copyThreshold}`, { content: "a\u0000b" });
      const nulTag = fakeEvent(`nul-tag-${path.copyThreshold}`, { tags: [["t", "x\u0000"]] });
      const lone = fakeEvent(`lone-${path.copyThreshold}`, { tags: [["t", "\ud800"]] });
      const result = await insertEvents(
        db.pool,
        [good[0]!, nul, good[1]!, nulTag, lone, good[2]!],
        {
          profile,
          ...path,
        },
      );
      expect(result.inserted).toBe(3);
      expect(result.rejected).toEqual([
        { id: nul.id, reason: "unstorable: NUL character" },
        { id: nulTag.id, reason: "unstorable: NUL character" },
        { id: lone.id, reason: "unstorable: lone surrogate" },
      ]);
    }
  });

  it("rejects malformed ids and kinds instead of failing the batch", async () => {
    const good = fakeEvent("malformed-good");
    const badId = fakeEvent("malformed-id", { id: "ABC" });
    const badKind = fakeEvent("malformed-kind", { kind: 70_000 });
    const result = await insertEvents(db.pool, [badId, good, badKind], { profile, ...COPY });
    expect(result.inserted).toBe(1);
    expect(result.rejected.map((r) => r.id)).toEqual([badId.id, badKind.id]);
    expect(result.rejected.every((r) => r.reason.startsWith("invalid:"))).toBe(true);
  });

  it("stores long tag values whole but leaves them out of tagvalues", async () => {
    const long = "z".repeat(3000);
    const ev = fakeEvent("long-tag", {
      tags: [
        ["description", long],
        ["x", long],
        ["t", "short"],
      ],
    });
    await insertEvents(db.pool, [ev], { profile });
    const { rows } = await db.pool.query(
      "SELECT tagvalues, tags FROM event WHERE id = decode($1, 'hex')",
      [ev.id],
    );
    expect(rows[0].tagvalues).toEqual(["t:short"]);
    if (profile === "bigbrotr") expect(rows[0].tags).toEqual(ev.tags);
    else expect(rows[0].tags).toBeNull();
  });

  it("writes the payload for bigbrotr and NULL tags/content/sig for lilbrotr, keeping tagvalues", async () => {
    const ev = fakeEvent("payload", {
      tags: [
        ["e", "abc"],
        ["p", "def"],
        ["e", "abc"],
      ],
    });
    await insertEvents(db.pool, [ev], { profile });
    const { rows } = await db.pool.query(
      `SELECT tagvalues, tags, content, encode(sig, 'hex') AS sig, kind, created_at
       FROM event WHERE id = decode($1, 'hex')`,
      [ev.id],
    );
    expect(rows[0].tagvalues).toEqual(["e:abc", "p:def"]);
    expect(rows[0].kind).toBe(1);
    expect(rows[0].created_at).toBe(ev.created_at);
    if (profile === "bigbrotr") {
      expect(rows[0]).toMatchObject({ tags: ev.tags, content: ev.content, sig: ev.sig });
    } else {
      expect(rows[0]).toMatchObject({ tags: null, content: null, sig: null });
    }
  });
});

describe.each(PROFILES)("COPY and unnest paths (%s)", (profile) => {
  it("store identical rows, including escapes, emoji, CJK and quoted tags", async () => {
    const viaCopy = await createTestDatabase({ profile });
    const viaUnnest = await createTestDatabase({ profile });
    try {
      const events = [
        ...TRICKY.map((t, i) => fakeEvent(`tricky-${i}`, t)),
        ...fakeEvents("plain-", 20),
      ];
      const a = await insertEvents(viaCopy.pool, events, { profile, ...COPY });
      const b = await insertEvents(viaUnnest.pool, events, { profile, ...UNNEST });
      expect(a).toEqual(b);
      expect(a.inserted).toBe(events.length);
      const rows = await dumpEvents(viaCopy.pool);
      expect(rows).toEqual(await dumpEvents(viaUnnest.pool));
      if (profile === "bigbrotr") {
        const byId = new Map(events.map((e) => [e.id, e]));
        for (const row of rows as { id: string; content: string; tags: string }[]) {
          expect(row.content).toBe(byId.get(row.id)?.content);
          expect(JSON.parse(row.tags)).toEqual(byId.get(row.id)?.tags);
        }
      }
      expect(await count(viaCopy.pool, "event")).toBe(events.length);
    } finally {
      await viaCopy.drop();
      await viaUnnest.drop();
    }
  });
});

describe("tagvalues", () => {
  it("computed in JS agree with the SQL tags_to_tagvalues on tricky tags", async () => {
    const db = await createTestDatabase();
    try {
      const cases: string[][][] = [
        ...TRICKY.map((t) => t.tags),
        [["e", "a"], ["e", "a"], ["E", "a"], ["p"], ["", "empty name"], ["ab", "two letters"]],
        [
          ["é", "accented name"],
          ["日", "cjk name"],
          ["🤙", "astral name"],
          ["t", ""],
        ],
        [
          ["t", "é".repeat(512)],
          ["t", "é".repeat(513)],
          ["t", "a".repeat(1024)],
          ["t", "a".repeat(1025)],
        ],
        [
          ["t", "\uffff"],
          ["t", "😀"],
          ["t", "~"],
          ["t", "a,b"],
          ["t", "{x}"],
          ["t", 'q"q'],
        ],
        [
          ["x", "v", "extra", "fields"],
          ["y", "NULL"],
        ],
      ];
      for (const tags of cases) {
        const { rows } = await db.pool.query<{ v: string[] }>(
          "SELECT tags_to_tagvalues($1::jsonb) AS v",
          [JSON.stringify(tags)],
        );
        const sql = rows[0]?.v ?? [];
        // SQL sorts in code point order (C collation); JS keeps first-seen order.
        const byCodePoint = (a: string, b: string) => {
          const x = [...a].map((c) => c.codePointAt(0) ?? 0);
          const y = [...b].map((c) => c.codePointAt(0) ?? 0);
          for (let i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
          }
          return x.length - y.length;
        };
        expect([...tagValues(tags)].sort(byCodePoint)).toEqual(sql);
      }
    } finally {
      await db.drop();
    }
  });
});
