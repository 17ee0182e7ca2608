import { createHash } from "node:crypto";
import type pg from "pg";
import type { NostrEvent } from "../../../src/models/event-types.js";

/** A deterministic hex string of `bytes` bytes derived from `seed`. */
export function hex(seed: string, bytes = 32): string {
  let out = "";
  for (let i = 0; out.length < bytes * 2; i++) {
    out += createHash("sha256").update(`${seed}/${i}`).digest("hex");
  }
  return out.slice(0, bytes * 2);
}

/** An event with made-up id and signature (the database never verifies them). */
export function fakeEvent(seed: string, overrides: Partial<NostrEvent> = {}): NostrEvent {
  return {
    id: hex(`id:${seed}`),
    pubkey: hex(`pk:${seed}`),
    created_at: 1_700_000_000 + (Number.parseInt(hex(seed, 2), 16) % 100_000),
    kind: 1,
    tags: [
      ["p", hex(`p:${seed}`)],
      ["t", "nostr"],
    ],
    content: `note ${seed}`,
    sig: hex(`sig:${seed}`, 64),
    ...overrides,
  };
}

export function fakeEvents(prefix: string, count: number): NostrEvent[] {
  return Array.from({ length: count }, (_, i) => fakeEvent(`${prefix}${i}`));
}

/** Tricky but storable payloads: escapes, quotes, emoji, CJK, array-literal specials. */
export const TRICKY: Pick<NostrEvent, "tags" | "content">[] = [
  { content: "tab\there\nnew line\r\ncrlf \\ backslash \\\\ double", tags: [] },
  { content: "emoji 🤙🏽🫂 and CJK 日本語テキスト 中文 한국어", tags: [["t", "日本"]] },
  { content: "\\N looks like NULL; \\. ends copy; \\x41 looks like bytea", tags: [["t", "\\N"]] },
  {
    content: "",
    tags: [
      ["e", 'quote " inside'],
      ["p", "back\\slash"],
      ["t", "{brace,comma}"],
    ],
  },
  {
    content: "nul-free control \u0001\u0007\u001f\u007f",
    tags: [
      ["t", "NULL"],
      ["t", " spaced "],
    ],
  },
  {
    content: '{"json":"content"}',
    tags: [
      ["r", "wss://x.example/\tpath\nline"],
      ["d", ""],
    ],
  },
  { content: "x".repeat(5000), tags: [["alt", "multi-letter"], ["e"], ["🤙", "emoji name"]] },
  // The six characters \u0000 are ordinary text (only the character U+0000 is refused).
  { content: "escaped \\u0000 stays", tags: [["t", "\\u0000"]] },
];

/** Every stored column of every event, as text, ordered by id (for comparing databases). */
export async function dumpEvents(db: pg.Pool): Promise<unknown[]> {
  const { rows } = await db.query(
    `SELECT encode(id, 'hex') AS id, encode(pubkey, 'hex') AS pubkey, created_at, kind,
            tagvalues, tags::text AS tags, content, encode(sig, 'hex') AS sig
     FROM event ORDER BY id`,
  );
  return rows;
}

export async function count(db: pg.Pool, table: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? -1;
}

/** Resolves once some session of this database waits for an advisory lock (polls every 10 ms). */
export async function waitForLockWait(pool: pg.Pool, tries: number): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`,
    );
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("nobody waited for the sightings lock");
}
