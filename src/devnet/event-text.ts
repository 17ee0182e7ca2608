import type { Prng } from "./prng.js";

// Text pools for realistic-looking devnet content: emoji, CJK, long prose, control characters.

export const EMOJI = ["🤙", "⚡", "🫂", "🧡", "🔥", "😂", "🌊", "🚀", "👀", "🍄", "🏳️‍🌈", "👩🏽‍💻"];

const CJK = [
  "こんにちは、ノストル！今日はいい天気ですね。",
  "你好，世界。去中心化的社交网络正在成长。",
  "안녕하세요, 릴레이 운영자 여러분.",
  "日本語のテキストと絵文字🎌を混ぜたメモ",
  "中文、日本語、한국어 を一つの投稿に。",
];

const WORDS = (
  "relay note event signature key follow zap lightning bitcoin censorship resistant " +
  "protocol client server websocket filter subscription archive monitor latency uptime " +
  "network onion tor i2p outbox inbox gossip pubkey hashtag thread reply repost reaction"
).split(" ");

export const TOPICS = ["nostr", "bitcoin", "relays", "zaps", "art", "music", "dev", "日本"];

/**
 * Short strings with C0 control characters other than NUL. Their ids are computed the way JS
 * clients do (JSON.stringify escaping, e.g. \u001b), which differs from NIP-01's verbatim rule.
 */
export const CONTROL_SNIPPETS = [
  "bell\u0007 rings",
  "\u001b[31mred\u001b[0m text",
  "tab\tseparated\tvalues",
  "form\ffeed and back\bspace",
  "unit\u001fseparator\u001e record",
  "carriage\r\nreturn",
];

export function sentence(prng: Prng, words = prng.int(4, 16)): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(prng.pick(WORDS));
  const text = out.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** Prose of at least `minChars` characters, in paragraphs. */
export function longText(prng: Prng, minChars: number): string {
  const paragraphs: string[] = [];
  let size = 0;
  while (size < minChars) {
    const parts: string[] = [];
    for (let i = prng.int(3, 7); i > 0; i--) parts.push(sentence(prng));
    const paragraph = parts.join(" ");
    paragraphs.push(paragraph);
    size += paragraph.length + 2;
  }
  return paragraphs.join("\n\n");
}

/** Content of a kind-1 note: plain, emoji, CJK, long or with control characters. */
export function noteText(prng: Prng): string {
  const roll = prng.next();
  if (roll < 0.35) return sentence(prng);
  if (roll < 0.55) return `${sentence(prng)} ${prng.pick(EMOJI)}${prng.pick(EMOJI)}`;
  if (roll < 0.75) return `${prng.pick(CJK)} ${prng.pick(EMOJI)}`;
  if (roll < 0.9) return longText(prng, prng.int(1000, 6000));
  return `${sentence(prng)} ${prng.pick(CONTROL_SNIPPETS)}`;
}

export function markdownArticle(prng: Prng, title: string): string {
  const sections: string[] = [`# ${title}`];
  for (let i = prng.int(2, 5); i > 0; i--) {
    sections.push(`## ${sentence(prng, 3)}`, longText(prng, prng.int(600, 2500)));
    if (prng.chance(0.4)) sections.push(`- ${sentence(prng)}\n- ${sentence(prng)}`);
  }
  return sections.join("\n\n");
}
