/**
 * An archive on real PostgreSQL served by `bigbrotr relay` on 127.0.0.1, and a raw WebSocket
 * client for the relay tests (the independent clients are nostr-tools, nostr-fetch and NDK).
 */
import WebSocket from "ws";
import { brotrConfigSchema } from "../../src/core/config/schemas.js";
import { archiveEvents } from "../../src/core/db/archive.js";
import type { Profile } from "../../src/core/db/migrate.js";
import type { Db } from "../../src/core/db/pool.js";
import type { NostrEvent } from "../../src/models/event-types.js";
import type { Filter } from "../../src/models/filter.js";
import { matchFilter } from "../../src/models/filter.js";
import { relayConfigSchema } from "../../src/services/relay/config.js";
import { type RunningRelay, startRelay } from "../../src/services/relay/service.js";
import type { TestContext } from "./service-context.js";

export const ARCHIVED_FROM = "wss://relay.example.com";

/** Archives `events` through the archive writer (as the synchronizer does). */
export async function archive(
  db: Db,
  events: readonly NostrEvent[],
  profile: Profile = "bigbrotr",
) {
  if (events.length === 0) return;
  await archiveEvents(
    db,
    events.map((event) => ({ event, relayUrl: ARCHIVED_FROM, network: "clearnet", seenAt: 1 })),
    { profile },
  );
}

export function startTestRelay(
  tc: TestContext,
  options: { profile?: Profile; config?: Record<string, unknown> } = {},
): Promise<RunningRelay> {
  const brotr = brotrConfigSchema.parse({ profile: options.profile ?? "bigbrotr" });
  const config = relayConfigSchema.parse({ server: { port: 0 }, ...options.config });
  return startRelay({ brotr }, config, tc.ctx);
}

/** NIP-01 order: newest first, ties by lowest id. */
export function nip01Sorted(events: readonly NostrEvent[]): NostrEvent[] {
  return [...events].sort((a, b) =>
    a.created_at !== b.created_at ? b.created_at - a.created_at : a.id < b.id ? -1 : 1,
  );
}

/** What a correct relay answers to a REQ over `events`: each filter's first `limit`, merged. */
export function expectedReq(events: readonly NostrEvent[], filters: Filter[], max: number) {
  const ids = new Set<string>();
  for (const f of filters) {
    const first = nip01Sorted(events.filter((e) => matchFilter(f, e))).slice(0, f.limit ?? max);
    for (const e of first) ids.add(e.id);
  }
  return nip01Sorted(events.filter((e) => ids.has(e.id))).map((e) => e.id);
}

/** A raw client: every frame it received, and waits for a frame matching a predicate. */
export class RawClient {
  readonly frames: unknown[][] = [];
  readonly ws: WebSocket;
  #waiters: { test: (f: unknown[]) => boolean; resolve: (f: unknown[]) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as unknown[];
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new RawClient(ws)));
      ws.once("error", reject);
    });
  }

  send(frame: unknown[]): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame (already received or next) for which `test` holds. */
  next(test: (f: unknown[]) => boolean): Promise<unknown[]> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  /** Sends a REQ and returns the ids of its stored events, in order, once EOSE (or CLOSED) came. */
  async req(subId: string, ...filters: Filter[]): Promise<{ ids: string[]; closed?: string }> {
    this.send(["REQ", subId, ...filters]);
    const end = await this.next((f) => (f[0] === "EOSE" || f[0] === "CLOSED") && f[1] === subId);
    const ids = this.frames
      .filter((f) => f[0] === "EVENT" && f[1] === subId)
      .map((f) => (f[2] as NostrEvent).id);
    return end[0] === "CLOSED" ? { ids, closed: String(end[2]) } : { ids };
  }

  close(): void {
    this.ws.close();
  }
}
