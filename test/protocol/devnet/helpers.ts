import { afterEach, expect } from "vitest";
import WebSocket from "ws";
import type { NostrEvent } from "../../../src/models/event-types.js";

/** A frame as received: parsed JSON when possible, raw otherwise. */
export interface Frame {
  raw: string | Buffer;
  binary: boolean;
  json: unknown;
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A bare `ws` client that records every frame, for asserting exactly what a relay sends. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  readonly #waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const raw = isBinary ? Buffer.from(data as Buffer) : data.toString();
      this.frames.push({
        raw,
        binary: isBinary,
        json: isBinary ? undefined : parse(raw as string),
      });
      for (const wake of this.#waiters) wake();
    });
    ws.on("error", () => {});
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  }

  static async connect(url: string, options?: WebSocket.ClientOptions): Promise<RawClient> {
    const ws = new WebSocket(url, options);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    openClients.add(client);
    return client;
  }

  get messages(): unknown[][] {
    return this.frames.flatMap((f) => (Array.isArray(f.json) ? [f.json as unknown[]] : []));
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (past or future) matching `pred`. */
  waitFor(pred: (m: unknown[]) => boolean, timeoutMs = 3000): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.messages.find(pred);
        if (!hit) return false;
        this.#waiters.delete(wake);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(wake);
    });
  }

  /** Sends a REQ and returns the events received before its EOSE. */
  async req(subId: string, ...filters: object[]): Promise<NostrEvent[]> {
    const start = this.messages.length;
    this.send(["REQ", subId, ...filters]);
    await this.waitFor((m) => m[0] === "EOSE" && m[1] === subId);
    return this.eventsOf(subId, start);
  }

  eventsOf(subId: string, from = 0): NostrEvent[] {
    return this.messages
      .slice(from)
      .filter((m) => m[0] === "EVENT" && m[1] === subId)
      .map((m) => m[2] as NostrEvent);
  }

  close(): void {
    this.ws.terminate();
    openClients.delete(this);
  }
}

const openClients = new Set<RawClient>();

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function serverHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
}

/**
 * Registers an afterEach that closes what the test registered with `own`, then asserts that no
 * listening server is left (libuv releases handles a tick after close, so it polls briefly).
 */
export function closeAndCheckLeaks(): <T extends { close(): Promise<void> }>(resource: T) => T {
  const owned: { close(): Promise<void> }[] = [];
  const baseline = serverHandles();
  afterEach(async () => {
    for (const c of openClients) c.close();
    await Promise.all(owned.splice(0).map((r) => r.close()));
    for (let i = 0; i < 50 && serverHandles() > baseline; i++) await sleep(10);
    expect(serverHandles(), "listening servers left open after the test").toBe(baseline);
  });
  return (resource) => {
    owned.push(resource);
    return resource;
  };
}
