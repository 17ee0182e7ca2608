/**
 * Kind 5400, "Nostr Event Count", as the DVM registry specifies it (docs/dvm.md): the content
 * holds NIP-01 filters (a JSON array, or one object; empty: every event), each input (`i`) is
 * a tag value (an event counts when one of its single-letter tags has one of them), param
 * `relay` (required, repeatable) the relays whose events are counted, param `group`
 * (repeatable) the nesting keys. The result's content is the count as a string, or the nested
 * dictionary of counts as JSON.
 */
import { countArchivedEvents, MAX_GROUPS } from "../../core/db/dvm/event-count.js";
import type { Profile } from "../../core/db/migrate.js";
import type { Db } from "../../core/db/pool.js";
import { MAX_TAG_CONDITIONS, tagConditions } from "../../core/db/relay/filter-sql.js";
import { type Filter, validateFilter } from "../../models/filter.js";
import { parseRelayUrl } from "../../models/relay-url.js";
import type { JobRequest } from "./request.js";

export const EVENT_COUNT_KIND = 5400;

const MAX_FILTERS = 10;
const MAX_INPUTS = 100;
const MAX_RELAYS = 50;
const LETTERS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];

/** A job's answer: the result content, or the reason of an error feedback. */
export type JobAnswer = { ok: true; content: string } | { ok: false; reason: string };

export interface JobEnv {
  db: Db;
  profile: Profile;
  allowPrivate: boolean;
  maxResultBytes: number;
}

function parseFilters(content: string): Filter[] | string {
  if (content.trim() === "") return [{}];
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    return "the content must be NIP-01 filters as JSON (an array of filters, or one filter)";
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || list.length > MAX_FILTERS) {
    return `between 1 and ${MAX_FILTERS} filters`;
  }
  const out: Filter[] = [];
  for (const item of list) {
    const checked = validateFilter(item);
    if (!checked.ok) return checked.reason;
    const { limit: _limit, ...filter } = checked.filter;
    if (tagConditions(filter).length > MAX_TAG_CONDITIONS) {
      return `at most ${MAX_TAG_CONDITIONS} tag conditions in one filter`;
    }
    out.push(filter);
  }
  return out;
}

/** Each filter AND "one of its single-letter tags has one of `values`" (one filter a letter). */
function withTagValues(filters: Filter[], values: string[]): Filter[] | string {
  if (values.length === 0) return filters;
  if (filters.some((f) => tagConditions(f).length > 0)) {
    return "inputs (tag values) cannot be combined with filters that have tag conditions";
  }
  return filters.flatMap((f) => LETTERS.map((l) => ({ ...f, [`#${l}`]: values })));
}

function parseRelays(values: readonly string[], allowPrivate: boolean): string[] | string {
  if (values.length === 0) return "param relay is required (the relays whose events to count)";
  if (values.length > MAX_RELAYS) return `at most ${MAX_RELAYS} relay params`;
  const urls: string[] = [];
  for (const v of values) {
    const parsed = parseRelayUrl(v, { allowPrivate });
    if (!parsed.ok) return `param relay ${JSON.stringify(v)} is not a relay URL`;
    urls.push(parsed.url);
  }
  return urls;
}

function checkGroups(groups: readonly string[], profile: Profile): string | null {
  if (groups.length > MAX_GROUPS) return `at most ${MAX_GROUPS} group params`;
  if (groups.some((g) => g === "" || g.length > 64)) return "a group must be 1 to 64 characters";
  if (profile === "lilbrotr" && groups.some((g) => g !== "pubkey")) {
    return "this archive (lilbrotr) keeps no content or tags: only group pubkey is possible";
  }
  return null;
}

/** Nests `rows` by their keys: {k0: {k1: n}}. */
function nest(rows: readonly { keys: string[]; n: number }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { keys, n } of rows) {
    let node = out;
    for (const k of keys.slice(0, -1)) {
      node[k] = node[k] ?? {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys.at(-1) ?? ""] = n;
  }
  return out;
}

/** Answers a 5400 job from the archive. */
export async function eventCountJob(job: JobRequest, env: JobEnv): Promise<JobAnswer> {
  const filters = parseFilters(job.content);
  if (typeof filters === "string") return { ok: false, reason: filters };
  if (job.inputs.length > MAX_INPUTS) return { ok: false, reason: `at most ${MAX_INPUTS} inputs` };
  const expanded = withTagValues(filters, [...new Set(job.inputs.map((i) => i.value))]);
  if (typeof expanded === "string") return { ok: false, reason: expanded };
  const relays = parseRelays(job.params.get("relay") ?? [], env.allowPrivate);
  if (typeof relays === "string") return { ok: false, reason: relays };
  const groups = job.params.get("group") ?? [];
  const problem = checkGroups(groups, env.profile);
  if (problem !== null) return { ok: false, reason: problem };
  const maxRows = Math.floor(env.maxResultBytes / 6);
  const counted = await countArchivedEvents(env.db, { filters: expanded, relays, groups, maxRows });
  if ("total" in counted) return { ok: true, content: String(counted.total) };
  const content = JSON.stringify(nest(counted.rows));
  if (counted.tooMany || Buffer.byteLength(content) > env.maxResultBytes) {
    return {
      ok: false,
      reason: `the result is larger than ${env.maxResultBytes} bytes; narrow the filters`,
    };
  }
  return { ok: true, content };
}
