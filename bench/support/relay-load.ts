/**
 * The clients of bench:relay: `concurrency` connections each sending index-backed REQs one
 * after another (latency: REQ sent to EOSE), a NIP-77 session by NDK's negentropy counting
 * the bytes both ways, and idle connections holding one live subscription each.
 */

import { performance } from "node:perf_hooks";
import { Negentropy, NegentropyStorage } from "@nostr-dev-kit/sync";
import WebSocket from "ws";

/** Opens a connection; frames go to `onFrame`. */
export function openSocket(url: string, onFrame: (f: unknown[]) => void): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.on("message", (data) => onFrame(JSON.parse(String(data)) as unknown[]));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

export interface ReqLoad {
  reqPerS: number;
  p50: number;
  p99: number;
  events: number;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** `total` REQs over `concurrency` connections, each REQ's filter from `filter(i)`. */
export async function reqLoad(
  url: string,
  concurrency: number,
  total: number,
  filter: (i: number) => Record<string, unknown>,
): Promise<ReqLoad> {
  const latencies: number[] = [];
  let next = 0;
  let events = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let done: (() => void) | undefined;
      const ws = await openSocket(url, (f) => {
        if (f[0] === "EVENT") events++;
        else if (f[0] === "EOSE" || f[0] === "CLOSED") done?.();
      });
      while (next < total) {
        const i = next++;
        const sub = `w${w}-${i}`;
        const start = performance.now();
        await new Promise<void>((resolve) => {
          done = resolve;
          ws.send(JSON.stringify(["REQ", sub, filter(i)]));
        });
        latencies.push(performance.now() - start);
        ws.send(JSON.stringify(["CLOSE", sub]));
      }
      ws.close();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    reqPerS: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    events,
  };
}

/** One NIP-77 session of `ours` against the relay: bytes (hex frames) both ways, rounds, need. */
export async function negSession(url: string, ours: Iterable<[number, string]>) {
  const storage = new NegentropyStorage();
  for (const [t, id] of ours) storage.insert(t, id);
  storage.seal();
  const neg = new Negentropy(storage, 60_000);
  const replies: unknown[][] = [];
  let wake: (() => void) | undefined;
  const ws = await openSocket(url, (f) => {
    replies.push(f);
    wake?.();
  });
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  let msg: Uint8Array | undefined = await neg.initiate();
  let bytes = 0;
  let rounds = 0;
  let need = 0;
  let frame = JSON.stringify(["NEG-OPEN", "n", {}, hex(msg)]);
  while (msg !== undefined) {
    bytes += frame.length;
    ws.send(frame);
    while (replies.length === 0) await new Promise<void>((r) => (wake = r));
    const reply = replies.shift() as unknown[];
    if (reply[0] !== "NEG-MSG") throw new Error(`relay answered ${JSON.stringify(reply)}`);
    bytes += JSON.stringify(reply).length;
    rounds++;
    const out = await neg.reconcile(Buffer.from(String(reply[2]), "hex"));
    need += out.need.length;
    msg = out.nextMessage;
    if (msg !== undefined) frame = JSON.stringify(["NEG-MSG", "n", hex(msg)]);
  }
  ws.close();
  return { bytes, rounds, need };
}

/** `count` connections, each with one open live subscription (after its EOSE). */
export async function idleConnections(url: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, async () => {
      let eose: (() => void) | undefined;
      const ws = await openSocket(url, (f) => f[0] === "EOSE" && eose?.());
      await new Promise<void>((resolve) => {
        eose = resolve;
        ws.send(JSON.stringify(["REQ", "live", { kinds: [1], limit: 0 }]));
      });
      return ws;
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}
