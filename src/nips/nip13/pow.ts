/**
 * NIP-13 proof of work: the difficulty of an id is its number of leading zero bits; mining
 * appends `["nonce", n, target]` and counts n up until the id reaches the target. About a
 * million hashes a second here: `minePow` runs on the calling thread (fine for a few bits),
 * `minePowAsync` in a worker thread, so a relay asking for 20 bits (seconds of hashing)
 * does not stall the event loop and every other connection's timings.
 */
import { createHash, randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { serializeEvent } from "../../models/event.js";
import { onAbort } from "../../utils/abort.js";
import type { EventTemplate } from "../../utils/keys.js";

function zeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/**
 * Leading zero bits of a hex event id (0 for anything that is not hex).
 * @public what a relay checks (tests use it; the devnet counts on its own, independently)
 */
export function powDifficulty(id: string): number {
  if (!/^[0-9a-f]*$/i.test(id)) return 0;
  return zeroBits(Buffer.from(id.length % 2 === 0 ? id : `${id}0`, "hex"));
}

/** The serialised event split around the nonce: hash `head + nonce + tail`. */
function nonceFrame(template: EventTemplate, pubkey: string, target: string) {
  const marker = `nonce-${randomBytes(8).toString("hex")}`;
  const tags = [...template.tags, ["nonce", marker, target]];
  const text = serializeEvent({ ...template, pubkey, tags });
  const at = text.lastIndexOf(`"${marker}"`);
  return { head: text.slice(0, at + 1), tail: text.slice(at + 1 + marker.length) };
}

const withNonce = (template: EventTemplate, nonce: number, target: string): EventTemplate => ({
  ...template,
  tags: [...template.tags, ["nonce", String(nonce), target]],
});

/**
 * `template` plus a nonce tag that gives its id (for `pubkey`) at least `difficulty` leading
 * zero bits, or null when `maxAttempts` nonces did not suffice.
 */
export function minePow(
  template: EventTemplate,
  pubkey: string,
  difficulty: number,
  maxAttempts = 2 ** 32,
): EventTemplate | null {
  if (difficulty <= 0) return template;
  const target = String(difficulty);
  const { head, tail } = nonceFrame(template, pubkey, target);
  for (let nonce = 0; nonce < maxAttempts; nonce++) {
    const digest = createHash("sha256").update(`${head}${nonce}${tail}`, "utf8").digest();
    if (zeroBits(digest) >= difficulty) return withNonce(template, nonce, target);
  }
  return null;
}

/** Below this many bits mining takes milliseconds: not worth a thread. */
const INLINE_BITS = 12;

// Plain JavaScript, so the worker needs no TypeScript loader (tsx, vitest) to start.
const WORKER_SOURCE = `
const { createHash } = require("node:crypto");
const { parentPort, workerData } = require("node:worker_threads");
const { head, tail, difficulty, maxAttempts } = workerData;
const zeroBits = (bytes) => {
  let bits = 0;
  for (const byte of bytes) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
};
let found = -1;
for (let nonce = 0; nonce < maxAttempts; nonce++) {
  const digest = createHash("sha256").update(head + nonce + tail, "utf8").digest();
  if (zeroBits(digest) >= difficulty) { found = nonce; break; }
}
parentPort.postMessage(found);
`;

/**
 * minePow in a worker thread (inline for a few bits). Resolves null when `maxAttempts` did
 * not suffice or `signal` aborted (the worker is then terminated).
 */
export async function minePowAsync(
  template: EventTemplate,
  pubkey: string,
  difficulty: number,
  options: { maxAttempts?: number; signal?: AbortSignal } = {},
): Promise<EventTemplate | null> {
  const maxAttempts = options.maxAttempts ?? 2 ** 32;
  if (difficulty <= INLINE_BITS) return minePow(template, pubkey, difficulty, maxAttempts);
  const { signal } = options;
  if (signal?.aborted) return null;
  const target = String(difficulty);
  const { head, tail } = nonceFrame(template, pubkey, target);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { head, tail, difficulty, maxAttempts },
    execArgv: [],
  });
  let off = () => {};
  const nonce = await new Promise<number>((resolve) => {
    const stop = () => resolve(-1);
    if (signal) off = onAbort(signal, stop);
    worker.once("message", (n: number) => resolve(n));
    worker.once("error", stop);
    worker.once("exit", stop);
  }).finally(() => {
    off();
    void worker.terminate();
  });
  return nonce < 0 ? null : withNonce(template, nonce, target);
}
