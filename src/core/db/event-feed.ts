/**
 * The feed of newly archived events: the archive writer (archive.ts) announces the ids of the
 * events a transaction created with NOTIFY, delivered to listeners when (and only if) it
 * commits; `bigbrotr relay` listens and sends them to its live subscriptions (docs/relay.md).
 * A payload holds up to IDS_PER_NOTICE ids as concatenated hex (NOTIFY takes < 8000 bytes).
 * LISTEN needs a session of its own: through PgBouncer in transaction mode it sees nothing.
 */
import type pg from "pg";
import { toError } from "../../models/errors.js";
import { exec } from "./sql.js";

export const EVENT_FEED_CHANNEL = "bigbrotr_event_archived";
const IDS_PER_NOTICE = 120;
const RETRY_MS = 1000;

/** Announces `ids` (hex) to listeners at commit; `client` is inside the writing transaction. */
export async function announceEvents(client: pg.ClientBase, ids: Iterable<string>): Promise<void> {
  const all = [...ids];
  if (all.length === 0) return;
  const payloads: string[] = [];
  for (let i = 0; i < all.length; i += IDS_PER_NOTICE) {
    payloads.push(all.slice(i, i + IDS_PER_NOTICE).join(""));
  }
  await exec(client, `SELECT pg_notify('${EVENT_FEED_CHANNEL}', p) FROM unnest($1::text[]) AS p`, [
    payloads,
  ]);
}

/** The ids of one payload; malformed ones are dropped. */
export function parseAnnouncement(payload: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i + 64 <= payload.length; i += 64) {
    const id = payload.slice(i, i + 64);
    if (/^[0-9a-f]{64}$/.test(id)) ids.push(id);
  }
  return ids;
}

export interface EventFeedHandlers {
  /** Ids of events committed since the last call. */
  onIds(ids: string[]): void;
  /** The session was lost (announcements until the next onListening are missed). */
  onLost(error: Error): void;
  onListening(): void;
}

export interface EventFeed {
  close(): Promise<void>;
}

/** Listens on a session of `pool` until closed, taking a new session after one is lost. */
export function listenForEvents(pool: pg.Pool, handlers: EventFeedHandlers): EventFeed {
  let closed = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  const lost = (c: pg.PoolClient, error: Error) => {
    if (client !== c) return;
    client = undefined;
    c.release(error);
    if (closed) return;
    handlers.onLost(error);
    retry = setTimeout(start, RETRY_MS);
  };
  async function start(): Promise<void> {
    let c: pg.PoolClient | undefined;
    try {
      c = await pool.connect();
      const session = c;
      client = session;
      session.on("notification", (n) => {
        if (n.channel === EVENT_FEED_CHANNEL && n.payload)
          handlers.onIds(parseAnnouncement(n.payload));
      });
      session.on("error", (e) => lost(session, e));
      await exec(session, `LISTEN ${EVENT_FEED_CHANNEL}`);
      if (closed) return void lost(session, new Error("closed"));
      handlers.onListening();
    } catch (error) {
      if (c !== undefined && client === c) lost(c, toError(error));
      else if (!closed) {
        handlers.onLost(toError(error));
        retry = setTimeout(start, RETRY_MS);
      }
    }
  }
  void start();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c === undefined) return;
      await exec(c, `UNLISTEN ${EVENT_FEED_CHANNEL}`).catch(() => {});
      c.release();
    },
  };
}
