/**
 * Signed events for bench:sync, generated once and cached as NDJSON under bench/.cache/
 * (signing runs at about 1,500 events a second on one core). A set of N events is made of
 * chunks of up to CHUNK events, chunk i generated with seed BASE_SEED + i, so the 100k set
 * is the first chunk of the 500k set and is signed only once.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { generateEvents } from "../../src/devnet/event-factory.js";
import type { NostrEvent } from "../../src/models/event-types.js";

export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", ".cache");
const CHUNK = 100_000;
const BASE_SEED = 101;
const USERS = 2000;

export interface Chunk {
  size: number;
  seed: number;
  path: string;
}

/** The chunks making up a set of `count` events. */
export function chunksOf(count: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let i = 0, left = count; left > 0; i++, left -= CHUNK) {
    const size = Math.min(CHUNK, left);
    const seed = BASE_SEED + i;
    chunks.push({ size, seed, path: join(CACHE_DIR, `signed-c${size}-s${seed}-u${USERS}.ndjson`) });
  }
  return chunks;
}

/** Generates (signed) and writes one chunk unless its file exists. */
export async function ensureChunk(chunk: Chunk): Promise<void> {
  if (existsSync(chunk.path)) return;
  await mkdir(CACHE_DIR, { recursive: true });
  const events = await generateEvents({
    count: chunk.size,
    seed: chunk.seed,
    sign: true,
    users: USERS,
  });
  const tmp = `${chunk.path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  for (const e of events) {
    if (!out.write(`${JSON.stringify(e)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  await rename(tmp, chunk.path);
}

async function readChunk(chunk: Chunk, into: NostrEvent[]): Promise<void> {
  const lines = createInterface({ input: createReadStream(chunk.path), crlfDelay: Infinity });
  for await (const line of lines) if (line) into.push(JSON.parse(line) as NostrEvent);
}

/** The set of `count` signed events, generating the missing chunks first. */
export async function loadSignedEvents(count: number): Promise<NostrEvent[]> {
  const events: NostrEvent[] = [];
  for (const chunk of chunksOf(count)) {
    await ensureChunk(chunk);
    await readChunk(chunk, events);
  }
  return events;
}

/**
 * Which share relays hold event `index` of `relays`: about `copies` of them (copies − 1 to
 * copies + 1), deterministic, on consecutive relays from a spread start.
 */
export function relaysOf(index: number, relays: number, copies: number): number[] {
  const n = Math.min(relays, Math.max(1, Math.round(copies) + ((index * 2654435761) % 3) - 1));
  const start = (index * 7919) % relays;
  const out = new Set<number>();
  for (let k = 0; out.size < n; k++) out.add((start + k) % relays);
  return [...out];
}
