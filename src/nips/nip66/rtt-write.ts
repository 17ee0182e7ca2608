/**
 * The rtt write step: publish a small signed event of a kind relays store, time the OK, then
 * read it back by id. An OK true that a REQ by id cannot find is a failed write (the relay
 * drops writes silently); no OK at all is a failed write too.
 *
 * The default kind is 30078 (NIP-78 application data): regular clients do not show it, and
 * being addressable under a fixed `d` tag, each relay keeps at most one probe per monitor key
 * however often it is checked. NIP-66 names no kind for this; kind 1 works too (`kind`).
 */
import { randomBytes } from "node:crypto";
import type { NostrEvent } from "../../models/event-types.js";
import { cachedPubkey, signEventFast } from "../../utils/fast-sign.js";
import type { EventTemplate } from "../../utils/keys.js";
import type { RelayClient } from "../nip01/connection.js";
import { RelayDisconnectedError, RelayTimeoutError } from "../nip01/errors.js";
import type { PublishResult } from "../nip01/options.js";
import { minePowAsync } from "../nip13/pow.js";
import { policyOf } from "./policy.js";
import { probeRead } from "./probe.js";
import { behindAuth, type RttPhase, skippedPhase } from "./rtt-phase.js";
import { since } from "./target.js";

export const WRITE_PROBE_KIND = 30078;
export const WRITE_PROBE_D_TAG = "bigbrotr/nip66-rtt-write";
/** Mining beyond this is refused as the relay's "pow" policy (~2^20 hashes, about a second). */
export const DEFAULT_MAX_POW_DIFFICULTY = 20;

export interface WriteProbeOptions {
  /** Kind of the probe event; default 30078. Ephemeral kinds are never stored: don't. */
  kind?: number;
  /** NIP-13 difficulty to mine (from NIP-11 `limitation.min_pow_difficulty`). */
  powDifficulty?: number;
  /** Default 20. */
  maxPowDifficulty?: number;
  /** Clock for `created_at` (ms). Default Date.now. */
  now?: () => number;
}

interface WriteContext extends WriteProbeOptions {
  timeoutMs: number;
  secretKey: Uint8Array;
  signal?: AbortSignal;
}

const isAddressable = (kind: number) => kind >= 30000 && kind < 40000;

const PROBE_CONTENT = /^NIP-66 write probe [0-9a-f]{8}$/;

/**
 * True for a write probe of ours (any bigbrotr monitor's): the probe's content, and either
 * the default kind with its `d` tag or no tags at all (a `write_kind` without a `d` tag). The
 * synchronizer keeps these out of the archive: the write was measured when it was made, and
 * archiving a monitor's probes would fill the archive with its own noise.
 */
export function isWriteProbe(event: { kind: number; tags: string[][]; content: string }): boolean {
  if (!PROBE_CONTENT.test(event.content)) return false;
  if (event.tags.length === 0) return true;
  return (
    event.kind === WRITE_PROBE_KIND &&
    event.tags.length === 1 &&
    event.tags[0]?.[0] === "d" &&
    event.tags[0]?.[1] === WRITE_PROBE_D_TAG
  );
}

/** A fresh probe event (random content, so a second one is not a duplicate of the first). */
export async function writeProbeEvent(ctx: WriteContext): Promise<NostrEvent | null> {
  const kind = ctx.kind ?? WRITE_PROBE_KIND;
  const template: EventTemplate = {
    kind,
    created_at: Math.floor((ctx.now ?? Date.now)() / 1000),
    tags: isAddressable(kind) ? [["d", WRITE_PROBE_D_TAG]] : [],
    content: `NIP-66 write probe ${randomBytes(4).toString("hex")}`,
  };
  const mined = await minePowAsync(template, cachedPubkey(ctx.secretKey), ctx.powDifficulty ?? 0, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return mined === null ? null : signEventFast(mined, ctx.secretKey);
}

/** Finds the event again by id: null when it is there, else why not. */
async function readBack(
  client: RelayClient,
  id: string,
  ctx: WriteContext,
): Promise<string | null> {
  const read = await probeRead(client, {
    filter: { ids: [id] },
    timeoutMs: ctx.timeoutMs,
    stopOnEvent: true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  switch (read.outcome) {
    case "event":
      return null;
    case "eose":
      return read.events > 0 ? null : "accepted (OK true) but not returned by id";
    case "closed":
      return `accepted, but reading it back was refused: ${read.message}`;
    case "timeout":
      return `accepted, but reading it back got no EOSE within ${read.timeoutMs} ms`;
    case "disconnected":
      return `accepted, then disconnected before the read-back: ${read.reason}`;
    default:
      return "aborted";
  }
}

function publishFailure(error: unknown, ms: number, timeoutMs: number): RttPhase {
  if (error instanceof RelayTimeoutError) {
    return { status: "failed", reason: `no OK within ${timeoutMs} ms`, ms };
  }
  if (error instanceof RelayDisconnectedError) {
    return { status: "failed", reason: `disconnected: ${error.reason}`, ms };
  }
  return { status: "failed", reason: error instanceof Error ? error.message : String(error), ms };
}

function refusal(reply: PublishResult, ms: number): RttPhase {
  const policy = policyOf(reply.message);
  if (policy !== undefined) return { status: "refused", policy, reason: reply.message, ms };
  return { status: "failed", reason: `rejected: ${reply.message || "(no reason)"}`, ms };
}

async function publishProbe(client: RelayClient, ctx: WriteContext): Promise<RttPhase> {
  const event = await writeProbeEvent(ctx);
  if (event === null) return { status: "failed", reason: "could not mine the PoW", ms: 0 };
  const started = performance.now();
  let reply: PublishResult;
  try {
    const call = { timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) };
    reply = await client.publish(event, call);
  } catch (error) {
    if (ctx.signal?.aborted) return skippedPhase("aborted");
    return publishFailure(error, since(started), ctx.timeoutMs);
  }
  const ms = since(started);
  if (!reply.ok) return refusal(reply, ms);
  const missing = await readBack(client, event.id, ctx);
  return missing === null ? { status: "ok", ms } : { status: "failed", reason: missing, ms };
}

/** The write step on an open connection. */
export async function measureWrite(
  client: RelayClient,
  options: WriteProbeOptions & { timeoutMs: number; secretKey?: Uint8Array; signal?: AbortSignal },
): Promise<RttPhase> {
  const { secretKey } = options;
  if (secretKey === undefined) return skippedPhase("no key to sign a write probe");
  const difficulty = options.powDifficulty ?? 0;
  const cap = options.maxPowDifficulty ?? DEFAULT_MAX_POW_DIFFICULTY;
  if (difficulty > cap) {
    const reason = `relay asks for PoW difficulty ${difficulty}, above our limit of ${cap}`;
    return { status: "refused", policy: "pow", reason, ms: 0 };
  }
  return behindAuth(client, () => publishProbe(client, { ...options, secretKey }));
}
