/**
 * The relay client's id check from the frame's text, end to end over a real WebSocket: a
 * relay that writes its frames by hand. Canonical frames are checked from their text, every
 * other form through the parsed event, and a wrong id is refused either way (badId, with
 * onRefused told) whatever form the frame takes.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { connectRelay, type RelayClient } from "../../../../src/nips/nip01/index.js";
import { generateEvents } from "../../../support/fake-user.js";
import { collect } from "./helpers.js";

let events: NostrEvent[];
const open: { servers: WebSocketServer[]; clients: RelayClient[] } = { servers: [], clients: [] };

beforeAll(async () => {
  events = await generateEvents({ count: 4, seed: 31, kinds: [1] });
});

afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  for (const s of open.servers.splice(0)) s.close();
});

/** A relay answering every REQ with `frames(subId)` then EOSE. */
async function handWrittenRelay(frames: (subId: string) => string[]): Promise<string> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  open.servers.push(server);
  await new Promise<void>((resolve) => server.once("listening", resolve));
  server.on("connection", (ws: WebSocket) => {
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as unknown[];
      if (msg[0] !== "REQ") return;
      const subId = String(msg[1]);
      for (const frame of frames(subId)) ws.send(frame);
      ws.send(JSON.stringify(["EOSE", subId]));
    });
  });
  const { port } = server.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}

async function client(url: string): Promise<RelayClient> {
  const c = await connectRelay(url, { network: "clearnet", timeoutMs: 2000, allowPrivate: true });
  open.clients.push(c);
  return c;
}

/** The event's frame with its content written with `\u` escapes (same event once parsed). */
function escapedFrame(subId: string, ev: NostrEvent): string {
  const content = [...ev.content]
    .map((ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`)
    .join("");
  const text = JSON.stringify(["EVENT", subId, { ...ev, content: "@@" }]);
  return text.replace('"@@"', `"${content}"`).replace(/,"/g, ', "');
}

describe("id check from the frame's text", () => {
  it("accepts canonical and non-canonical frames of valid events, each checked once", async () => {
    const [a, b] = events as [NostrEvent, NostrEvent];
    const url = await handWrittenRelay((sub) => [
      JSON.stringify(["EVENT", sub, a]),
      escapedFrame(sub, b),
    ]);
    const c = await client(url);
    const got = await collect(c.req([{ limit: 10 }]));
    expect(got.map((e) => e.id)).toEqual([a.id, b.id]);
    expect(got[1]).toEqual(b);
    expect(c.stats).toMatchObject({ events: 2, badId: 0, idsFromText: 1 });
  });

  it("refuses a wrong id with its reason in either form, and tells onRefused", async () => {
    const [a, b, c0] = events as [NostrEvent, NostrEvent, NostrEvent];
    const forged = (ev: NostrEvent) => ({ ...ev, content: `${ev.content}!` });
    // A duplicate key: JSON.parse keeps the last content, so the text path must not read the
    // first one (it declines, and the parsed event's id check refuses the forgery).
    const duplicate = (sub: string) =>
      `["EVENT",${JSON.stringify(sub)},${JSON.stringify(c0).slice(0, -1)},"content":"forged"}]`;
    const url = await handWrittenRelay((sub) => [
      JSON.stringify(["EVENT", sub, forged(a)]),
      escapedFrame(sub, forged(b)),
      duplicate(sub),
    ]);
    const c = await client(url);
    const refusedAt: (number | undefined)[] = [];
    const got = await collect(c.req([{ limit: 10 }], { onRefused: (at) => refusedAt.push(at) }));
    expect(got).toEqual([]);
    expect(c.stats).toMatchObject({ events: 0, badId: 3, idsFromText: 1 });
    expect(refusedAt).toEqual([a.created_at, b.created_at, c0.created_at]);
  });
});
