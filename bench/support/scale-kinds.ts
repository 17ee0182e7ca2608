/**
 * The kinds of bench:scale's events, their share of the archive, and how each one's tags and
 * content are made (sizes log-normal, tags as real clients write them).
 */
import type { Prng } from "../../src/devnet/prng.js";
import { logNormal, type Text } from "./scale-text.js";

/** What a kind builder may draw on. */
export interface KindContext {
  prng: Prng;
  text: Text;
  author: string;
  createdAt: number;
  /** A pubkey, Zipf-distributed like authors. */
  pubkey(): string;
  /** An earlier event's id (mostly of this batch, sometimes one not archived). */
  eventId(): string;
  /** An earlier addressable event's coordinate `kind:pubkey:d`, or a made-up one. */
  address(): string;
  relayUrl(): string;
}

export type Built = { tags: string[][]; content: string };
type Builder = (c: KindContext) => Built;

const hex = (c: KindContext, bytes: number) => c.prng.hex(bytes);

function note(c: KindContext): Built {
  const tags: string[][] = [];
  if (c.prng.chance(0.4)) {
    tags.push(["e", c.eventId(), "", "root"]);
    if (c.prng.chance(0.5)) tags.push(["e", c.eventId(), c.relayUrl(), "reply"]);
    tags.push(["p", c.pubkey()]);
  }
  if (c.prng.chance(0.3)) for (let i = c.prng.int(1, 3); i > 0; i--) tags.push(["p", c.pubkey()]);
  if (c.prng.chance(0.2))
    for (let i = c.prng.int(1, 3); i > 0; i--) tags.push(["t", c.text.hashtag(c.prng)]);
  if (c.prng.chance(0.03)) tags.push(["a", c.address()]);
  if (c.prng.chance(0.05)) tags.push(["client", "bench"]);
  return { tags, content: c.text.slice(c.prng, logNormal(c.prng, 120, 1, 1, 20_000)) };
}

const REACTIONS = ["+", "+", "+", "+", "❤️", "🤙", "🔥", "-", "⚡", "😂"];
function reaction(c: KindContext): Built {
  const tags = [
    ["e", c.eventId()],
    ["p", c.pubkey()],
    ["k", "1"],
  ];
  if (c.prng.chance(0.05)) tags.push(["a", c.address()]);
  return { tags, content: c.prng.pick(REACTIONS) };
}

function repost(c: KindContext): Built {
  const id = c.eventId();
  const pubkey = c.pubkey();
  const tags = [
    ["e", id, c.relayUrl()],
    ["p", pubkey],
  ];
  if (c.prng.chance(0.3)) return { tags, content: "" };
  const inner = {
    id,
    pubkey,
    created_at: c.createdAt - c.prng.int(60, 86_400),
    kind: 1,
    tags: [],
    content: c.text.slice(c.prng, logNormal(c.prng, 150, 0.8, 1, 5000)),
    sig: hex(c, 64),
  };
  return { tags, content: JSON.stringify(inner) };
}

function profile(c: KindContext): Built {
  const name = c.text.slice(c.prng, c.prng.int(4, 16));
  const doc = {
    name,
    display_name: name,
    about: c.text.slice(c.prng, logNormal(c.prng, 120, 0.9, 0, 2000)),
    picture: `https://img.example.com/${c.author.slice(0, 16)}.jpg`,
    banner: `https://img.example.com/${c.author.slice(16, 32)}.jpg`,
    nip05: `${c.author.slice(0, 8)}@example.com`,
    lud16: `${c.author.slice(0, 8)}@wallet.example.com`,
  };
  return { tags: [], content: JSON.stringify(doc) };
}

function follows(c: KindContext): Built {
  const tags: string[][] = [];
  for (let i = logNormal(c.prng, 150, 1, 1, 3000); i > 0; i--) {
    tags.push(c.prng.chance(0.2) ? ["p", c.pubkey(), c.relayUrl()] : ["p", c.pubkey()]);
  }
  if (!c.prng.chance(0.1)) return { tags, content: "" };
  const relays = Object.fromEntries(
    [0, 1, 2].map(() => [c.relayUrl(), { read: true, write: c.prng.chance(0.5) }]),
  );
  return { tags, content: JSON.stringify(relays) };
}

function relayList(c: KindContext): Built {
  const tags: string[][] = [];
  for (let i = c.prng.int(2, 12); i > 0; i--) {
    const mode = c.prng.next();
    tags.push(
      mode < 0.6 ? ["r", c.relayUrl()] : ["r", c.relayUrl(), mode < 0.8 ? "read" : "write"],
    );
  }
  return { tags, content: "" };
}

function zapReceipt(c: KindContext): Built {
  const recipient = c.pubkey();
  const request = {
    kind: 9734,
    pubkey: c.pubkey(),
    created_at: c.createdAt - c.prng.int(1, 30),
    content: c.prng.chance(0.3) ? c.text.slice(c.prng, 40) : "",
    tags: [
      ["p", recipient],
      ["amount", String(c.prng.int(1, 100) * 1000)],
      ["relays", c.relayUrl(), c.relayUrl()],
    ],
    id: hex(c, 32),
    sig: hex(c, 64),
  };
  const tags = [["p", recipient]];
  if (c.prng.chance(0.7)) tags.push(["e", c.eventId()]);
  tags.push(["P", request.pubkey], ["bolt11", `lnbc${c.prng.int(1, 1000)}n1${hex(c, 150)}`]);
  if (c.prng.chance(0.5)) tags.push(["preimage", hex(c, 32)]);
  tags.push(["description", JSON.stringify(request)]);
  return { tags, content: "" };
}

function article(c: KindContext): Built {
  const tags = [
    ["d", `article-${c.prng.int(0, 20)}`],
    ["title", c.text.slice(c.prng, c.prng.int(10, 80))],
    ["summary", c.text.slice(c.prng, c.prng.int(40, 300))],
    ["published_at", String(c.createdAt - c.prng.int(0, 86_400 * 30))],
  ];
  for (let i = c.prng.int(1, 5); i > 0; i--) tags.push(["t", c.text.hashtag(c.prng)]);
  return { tags, content: c.text.slice(c.prng, logNormal(c.prng, 3000, 0.9, 200, 100_000)) };
}

const REPORTS = ["spam", "nudity", "impersonation", "illegal", "other"];
function report(c: KindContext): Built {
  const type = c.prng.pick(REPORTS);
  const tags = [["p", c.pubkey(), type]];
  if (c.prng.chance(0.5)) tags.push(["e", c.eventId(), type]);
  return { tags, content: c.prng.chance(0.5) ? c.text.slice(c.prng, c.prng.int(5, 200)) : "" };
}

function relayDiscovery(c: KindContext): Built {
  const url = c.relayUrl();
  const tags = [
    ["d", url],
    ["n", "clearnet"],
    ["N", "1"],
    ["N", "11"],
    ["rtt-open", String(c.prng.int(30, 900))],
  ];
  if (c.prng.chance(0.5)) tags.push(["N", "42"], ["R", "auth"]);
  tags.push(["T", c.prng.pick(["PublicOutbox", "PublicInbox", "Search", "Paid"])]);
  tags.push(["g", `u${c.prng.hex(3)}`]);
  const doc = { name: c.text.slice(c.prng, 12), supported_nips: [1, 11, 42], software: "bench" };
  return { tags, content: c.prng.chance(0.3) ? JSON.stringify(doc) : "" };
}

/** Kinds no builder knows: a few tags, short content; addressable ones get a d tag. */
export const OTHER_KINDS = [
  4, 5, 16, 42, 1059, 1111, 9802, 10000, 10050, 13194, 30000, 30078, 31990, 34550, 39000,
];
function other(c: KindContext, kind: number): Built {
  const tags: string[][] = [];
  if (kind >= 30000 && kind < 40000) tags.push(["d", `x${c.prng.int(0, 50)}`]);
  if (c.prng.chance(0.6)) tags.push(["e", c.eventId()]);
  if (c.prng.chance(0.6)) tags.push(["p", c.pubkey()]);
  if (c.prng.chance(0.2)) tags.push(["t", c.text.hashtag(c.prng)]);
  return { tags, content: c.text.slice(c.prng, logNormal(c.prng, 60, 1.2, 0, 10_000)) };
}

/** [kind, share in %, builder]; null: one of OTHER_KINDS. */
export const KIND_MIX: [number | null, number, Builder | null][] = [
  [1, 30, note],
  [7, 28, reaction],
  [6, 5, repost],
  [0, 3, profile],
  [3, 2.5, follows],
  [10002, 2, relayList],
  [9735, 8, zapReceipt],
  [30023, 1, article],
  [1984, 0.5, report],
  [30166, 6, relayDiscovery],
  [null, 14, null],
];

/** A kind drawn from KIND_MIX and its tags and content. */
export function buildEvent(c: KindContext): { kind: number } & Built {
  let roll = c.prng.next() * 100;
  for (const [kind, share, build] of KIND_MIX) {
    roll -= share;
    if (roll >= 0) continue;
    if (kind !== null && build !== null) return { kind, ...build(c) };
    break;
  }
  const kind = c.prng.pick(OTHER_KINDS);
  return { kind, ...other(c, kind) };
}
