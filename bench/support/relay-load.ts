/**
 * The clients of bench:relay: `concurrency` connections each sending index-backed REQs one
 * after another (latency: REQ sent to EOSE), a NIP-77 session by NDK's negentropy counting
 * the bytes both ways, and idle connections holding one live subscription each.
 */

import { performance } from "node:perf_hooks";
import { Negentropy, NegentropyStorage } from "@nostr-dev-kit/sync";
import WebSocket from "ws";
import { arrivals, depart, quantile as nearestRank } from "./paced-load.js";

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

export interface PacedReqLoad {
  sent: number;
  /** REQ → EOSE (ms), from each REQ's scheduled departure; the unanswered with their wait. */
  p50: number;
  p99: number;
  max: number;
  /** No EOSE (nor CLOSED) within the drain after the last departure. */
  unanswered: number;
  /** Refused with CLOSED. */
  closed: number;
  events: number;
}

/**
 * REQs at Poisson arrival times (`rate` a second for `duration` s, seeded) spread over
 * `connections` open connections, each timed from its scheduled departure to its EOSE: the
 * relay's latency at a given load, as many independent clients would see it. The closed loop
 * of reqLoad measures the most the relay answers; its latency is then the queue of its
 * `concurrency` clients (p50 ≈ concurrency / REQ per second), whatever the relay does.
 */
export async function pacedReqLoad(
  url: string,
  o: { connections: number; rate: number; duration: number; seed: number; drainS?: number },
  filter: (i: number) => Record<string, unknown>,
): Promise<PacedReqLoad> {
  const waiting = new Map<string, { scheduled: number; done: (closed: boolean) => void }>();
  let events = 0;
  const sockets = await Promise.all(
    Array.from({ length: o.connections }, () =>
      openSocket(url, (f) => {
        if (f[0] === "EVENT") events++;
        else if (f[0] === "EOSE" || f[0] === "CLOSED") {
          waiting.get(String(f[1]))?.done(f[0] === "CLOSED");
        }
      }),
    ),
  );
  const plan = arrivals(o.rate, o.duration, o.seed);
  const latencies: number[] = [];
  let closed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const leave = (i: number, scheduled: number) => {
    const sub = `p${i}`;
    const ws = sockets[i % sockets.length] as WebSocket;
    pending.push(
      new Promise<void>((resolve) => {
        waiting.set(sub, {
          scheduled,
          done: (refused) => {
            waiting.delete(sub);
            latencies.push(performance.now() - scheduled);
            if (refused) closed++;
            else ws.send(JSON.stringify(["CLOSE", sub]));
            resolve();
          },
        });
        ws.send(JSON.stringify(["REQ", sub, filter(i)]));
      }),
    );
  };
  let next = 0;
  await depart(plan, start, (scheduled) => leave(next++, scheduled));
  const drained = new Promise<void>((r) => setTimeout(r, (o.drainS ?? 30) * 1000));
  await Promise.race([Promise.all(pending), drained]);
  const unanswered = waiting.size;
  for (const { scheduled } of waiting.values()) latencies.push(performance.now() - scheduled);
  for (const ws of sockets) ws.close();
  latencies.sort((a, b) => a - b);
  return {
    sent: plan.length,
    p50: nearestRank(latencies, 0.5),
    p99: nearestRank(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    unanswered,
    closed,
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
      let answer: ((f: unknown[]) => void) | undefined;
      const ws = await openSocket(url, (f) => answer?.(f));
      await new Promise<void>((resolve, reject) => {
        // A refused subscription ends the bench with the relay's reason (it used to wait forever).
        answer = (f) => {
          if (f[0] === "EOSE") resolve();
          else if (f[0] === "CLOSED")
            reject(new Error(`relay refused a live REQ: ${String(f[2])}`));
        };
        ws.send(JSON.stringify(["REQ", "live", { kinds: [1], limit: 0 }]));
      });
      return ws;
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}
