/**
 * The requests one DVM process works on: each request id once per process (a second relay's
 * copy is skipped without asking the database; dvm_job decides across processes), at most
 * CONCURRENCY at a time, and `idle()` for whoever waits until all of them are handled.
 */
import pLimit from "p-limit";
import type { NostrEvent } from "../../models/event-types.js";

/** Requests worked on at once by one process. */
const CONCURRENCY = 4;
/** Request ids remembered to skip a second relay's copy without asking the database. */
const SEEN_CAP = 10_000;

export interface RequestQueue {
  /** The newest created_at offered so far (the resume point's floor), or null. */
  readonly newest: number | null;
  offer(event: NostrEvent): void;
  idle(): Promise<void>;
}

export function createRequestQueue(handle: (event: NostrEvent) => Promise<void>): RequestQueue {
  const slots = pLimit(CONCURRENCY);
  const seen = new Set<string>();
  const pending = new Set<Promise<void>>();
  let newest: number | null = null;
  return {
    get newest() {
      return newest;
    },
    offer(event) {
      newest = Math.max(newest ?? 0, event.created_at);
      if (seen.has(event.id)) return;
      if (seen.size >= SEEN_CAP) seen.clear();
      seen.add(event.id);
      const p = slots(() => handle(event)).finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
