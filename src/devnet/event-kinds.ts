import type { NostrEvent } from "../models/event-types.js";
import {
  CONTROL_SNIPPETS,
  EMOJI,
  longText,
  markdownArticle,
  noteText,
  sentence,
  TOPICS,
} from "./event-text.js";
import type { Prng } from "./prng.js";

/** What a kind builder may draw on. */
export interface BuildContext {
  prng: Prng;
  author: string;
  pubkeys: readonly string[];
  relayUrls: readonly string[];
  /** Earlier events of the same dataset (targets for e tags, reposts, zaps). */
  recent: readonly NostrEvent[];
  createdAt: number;
}

export interface EventVariant {
  name: string;
  kind: number;
  weight: number;
  build(ctx: BuildContext): { tags: string[][]; content: string };
}

const hint = (ctx: BuildContext): string =>
  ctx.relayUrls.length > 0 && ctx.prng.chance(0.7) ? ctx.prng.pick(ctx.relayUrls) : "";

const target = (ctx: BuildContext): NostrEvent | undefined =>
  ctx.recent.length > 0 ? ctx.prng.pick(ctx.recent) : undefined;

const otherPubkey = (ctx: BuildContext): string => ctx.prng.pick(ctx.pubkeys);

function noteTags(ctx: BuildContext): string[][] {
  const tags: string[][] = [];
  const parent = ctx.prng.chance(0.4) ? target(ctx) : undefined;
  if (parent) tags.push(["e", parent.id, hint(ctx), "reply"], ["p", parent.pubkey]);
  if (ctx.prng.chance(0.3)) tags.push(["p", otherPubkey(ctx), hint(ctx)]);
  if (ctx.prng.chance(0.5)) tags.push(["t", ctx.prng.pick(TOPICS)]);
  return tags;
}

function profile(ctx: BuildContext): { tags: string[][]; content: string } {
  const name = `user${ctx.author.slice(0, 6)}`;
  const about = `${sentence(ctx.prng)} ${ctx.prng.pick(EMOJI)}`;
  const doc = {
    name,
    display_name: ctx.prng.chance(0.3) ? `${name} ${ctx.prng.pick(EMOJI)}` : name,
    about,
    picture: `https://img.example/${ctx.author.slice(0, 16)}.png`,
    nip05: `${name}@example.com`,
    lud16: `${name}@wallet.example`,
    website: "https://example.org",
  };
  return { tags: [], content: JSON.stringify(doc) };
}

function follows(ctx: BuildContext, legacyContent: boolean): { tags: string[][]; content: string } {
  const tags: string[][] = [];
  const n = ctx.prng.int(3, Math.min(40, Math.max(3, ctx.pubkeys.length)));
  for (let i = 0; i < n; i++) {
    const tag = ["p", otherPubkey(ctx), hint(ctx)];
    if (ctx.prng.chance(0.2)) tag.push(`friend${i}`);
    tags.push(tag);
  }
  if (!legacyContent) return { tags, content: "" };
  const map: Record<string, { read: boolean; write: boolean }> = {};
  for (const url of ctx.relayUrls.slice(0, 4)) {
    map[url] = { read: ctx.prng.chance(0.8), write: ctx.prng.chance(0.6) };
  }
  return { tags, content: JSON.stringify(map) };
}

function relayList(ctx: BuildContext): { tags: string[][]; content: string } {
  const urls = [...new Set(ctx.relayUrls.map(() => ctx.prng.pick(ctx.relayUrls)))].slice(0, 5);
  const markers = ["", "read", "write"];
  return {
    tags: urls.map((url) => {
      const marker = ctx.prng.pick(markers);
      return marker === "" ? ["r", url] : ["r", url, marker];
    }),
    content: "",
  };
}

function zapReceipt(ctx: BuildContext): { tags: string[][]; content: string } {
  const zapped = target(ctx);
  const recipient = zapped?.pubkey ?? otherPubkey(ctx);
  const request = {
    kind: 9734,
    pubkey: otherPubkey(ctx),
    created_at: ctx.createdAt - 1,
    content: longText(ctx.prng, 2100),
    tags: [
      ["p", recipient],
      ["amount", "21000"],
      ["relays", ...ctx.relayUrls.slice(0, 3)],
    ],
    id: ctx.prng.hex(32),
    sig: ctx.prng.hex(64),
  };
  const tags = [["p", recipient]];
  if (zapped) tags.push(["e", zapped.id]);
  tags.push(["bolt11", `lnbc210n1${ctx.prng.hex(40)}`], ["description", JSON.stringify(request)]);
  tags.push(["preimage", ctx.prng.hex(32)]);
  return { tags, content: "" };
}

function reaction(ctx: BuildContext): { tags: string[][]; content: string } {
  const t = target(ctx);
  const tags = t
    ? [
        ["e", t.id, hint(ctx)],
        ["p", t.pubkey],
        ["k", String(t.kind)],
      ]
    : [];
  return { tags, content: ctx.prng.pick(["+", "+", "-", ...EMOJI]) };
}

function repost(ctx: BuildContext): { tags: string[][]; content: string } {
  const t = target(ctx);
  if (!t) return { tags: [], content: "" };
  return {
    tags: [
      ["e", t.id, hint(ctx)],
      ["p", t.pubkey],
    ],
    content: JSON.stringify(t),
  };
}

function article(ctx: BuildContext): { tags: string[][]; content: string } {
  const title = sentence(ctx.prng, 5).slice(0, -1);
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const tags = [
    ["d", `${slug}-${ctx.prng.hex(3)}`],
    ["title", title],
    ["summary", sentence(ctx.prng)],
    ["published_at", String(ctx.createdAt)],
    ["t", ctx.prng.pick(TOPICS)],
  ];
  return { tags, content: markdownArticle(ctx.prng, title) };
}

function report(ctx: BuildContext): { tags: string[][]; content: string } {
  const t = target(ctx);
  const reason = ctx.prng.pick(["spam", "impersonation", "other"]);
  const tags = [["p", t?.pubkey ?? otherPubkey(ctx), reason]];
  if (t) tags.push(["e", t.id, reason]);
  return { tags, content: "Reported by the devnet" };
}

/** Every kind the factory produces, with its share of the mix. */
export const VARIANTS: readonly EventVariant[] = [
  { name: "profile", kind: 0, weight: 5, build: profile },
  {
    name: "note",
    kind: 1,
    weight: 36,
    build: (c) => ({ tags: noteTags(c), content: noteText(c.prng) }),
  },
  {
    name: "note-control-chars",
    kind: 1,
    weight: 3,
    build: (c) => ({
      tags: noteTags(c),
      content: `${sentence(c.prng)} ${c.prng.pick(CONTROL_SNIPPETS)}`,
    }),
  },
  {
    name: "recommend-relay",
    kind: 2,
    weight: 2,
    build: (c) => ({ tags: [], content: c.prng.pick(c.relayUrls) }),
  },
  { name: "follows", kind: 3, weight: 4, build: (c) => follows(c, false) },
  { name: "follows-legacy-content", kind: 3, weight: 2, build: (c) => follows(c, true) },
  { name: "repost", kind: 6, weight: 6, build: repost },
  { name: "reaction", kind: 7, weight: 15, build: reaction },
  { name: "report", kind: 1984, weight: 2, build: report },
  { name: "zap-receipt", kind: 9735, weight: 4, build: zapReceipt },
  { name: "relay-list", kind: 10002, weight: 5, build: relayList },
  { name: "article", kind: 30023, weight: 3, build: article },
];

/** For kinds the factory has no builder for: a short note-like event. */
export function genericVariant(kind: number): EventVariant {
  return {
    name: `kind-${kind}`,
    kind,
    weight: 3,
    build: (c) => ({ tags: [["t", c.prng.pick(TOPICS)]], content: sentence(c.prng) }),
  };
}
