/**
 * The window walk's two questions asked of a live relay: one page of a filter (a REQ read to
 * EOSE, events screened and signature-checked by the client) and, where the relay has NIP-45,
 * how many events a filter matches.
 */
import type { Filter } from "../../models/event-types.js";
import type { RelayClient, ScreenBatch, VerifyBatch } from "../../nips/nip01/index.js";
import type { FetchPage } from "./window.js";

export interface RelayPageOptions {
  verify?: VerifyBatch;
  /** Frames screened off the main thread (the REQ's `screen`). */
  screen?: ScreenBatch;
  /** Max silence within one REQ. */
  idleTimeoutMs?: number;
  /** Max time from REQ to EOSE. */
  eoseTimeoutMs?: number;
  /** Max wait for a COUNT answer before the relay is taken not to support it. */
  countTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface RelayPages {
  fetch: FetchPage;
  count: (filter: Filter) => Promise<number | undefined>;
}

export function relayPages(client: RelayClient, options: RelayPageOptions = {}): RelayPages {
  let counting = true;
  const fetch: FetchPage = async ({ filter, since, until, limit }) => {
    const before = client.stats.mismatched;
    const events = [];
    const refused = { count: 0, at: [] as number[] };
    const req = client.req([{ ...filter, since, until, limit }], {
      maxEvents: limit,
      onRefused: (createdAt) => {
        refused.count++;
        if (createdAt !== undefined) refused.at.push(createdAt);
      },
      ...(options.verify ? { verify: options.verify } : {}),
      ...(options.screen ? { screen: options.screen } : {}),
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.eoseTimeoutMs ? { eoseTimeoutMs: options.eoseTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const event of req) events.push(event);
    return { events, outside: client.stats.mismatched - before, refused };
  };
  const count = async (filter: Filter): Promise<number | undefined> => {
    if (!counting) return undefined;
    try {
      const result = await client.count([filter], {
        timeoutMs: options.countTimeoutMs ?? 5000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return result.approximate ? undefined : result.count;
    } catch {
      counting = false;
      return undefined;
    }
  };
  return { fetch, count };
}
