/**
 * Text for bench:scale's events, built once per generator and sliced: a 1 MB corpus of
 * made-up words with punctuation, line breaks, quotes and non-Latin words, and a list of
 * hashtags led by the real network's most used. Every character is in the Basic
 * Multilingual Plane, so a slice at any offset is valid UTF-16 (a cut surrogate pair would be
 * stored as U+FFFD and no longer hash to the event's id).
 */
import type { Prng } from "../../src/devnet/prng.js";
import { createPrng } from "../../src/devnet/prng.js";

const SYLLABLES = [
  "ka",
  "no",
  "stra",
  "bit",
  "coin",
  "ze",
  "lu",
  "mi",
  "ro",
  "ta",
  "ve",
  "shi",
  "do",
  "pe",
  "qua",
  "rel",
  "ay",
  "sat",
  "zap",
  "fi",
  "nu",
  "gro",
  "wen",
  "ly",
  "ki",
  "mo",
  "ba",
  "tor",
  "sig",
  "hash",
  "pub",
  "key",
  "not",
  "ex",
  "ul",
  "ar",
  "pla",
  "te",
  "vo",
  "in",
];
const FOREIGN = [
  "日本語の文章",
  "привет мир",
  "مرحبا بالعالم",
  "café naïve",
  "안녕하세요",
  "Ωμέγα",
  "中文内容",
  "ñandú",
];
const SYMBOLS = ["★", "✓", "☕", "♥", "⚡", "→", "…", "«", "»", "€"];
const HASHTAGS = [
  "nostr",
  "bitcoin",
  "zap",
  "grownostr",
  "plebchain",
  "art",
  "photography",
  "music",
  "news",
  "memes",
  "food",
  "asknostr",
  "introductions",
  "foodstr",
  "dev",
];

/** The `i`-th made-up word (distinct for every i). */
export function word(i: number): string {
  const n = SYLLABLES.length;
  let w = `${SYLLABLES[i % n]}${SYLLABLES[Math.floor(i / n) % n]}`;
  if (i >= n * n) w += SYLLABLES[Math.floor(i / (n * n)) % n];
  if (i >= n * n * n) w += String(Math.floor(i / (n * n * n)));
  return w;
}

function corpusOf(chars: number, prng: Prng): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const r = prng.next();
    let piece: string;
    if (r < 0.01) piece = "\n\n";
    else if (r < 0.03) piece = prng.pick(FOREIGN);
    else if (r < 0.04) piece = prng.pick(SYMBOLS);
    else if (r < 0.05) piece = `"${word(prng.int(0, 2000))}"`;
    else if (r < 0.052) piece = "C:\\path\\";
    else if (r < 0.07) piece = `https://example.com/${word(prng.int(0, 5000))}`;
    else piece = word(Math.floor(prng.next() ** 3 * 20_000));
    const sep = prng.chance(0.08) ? ". " : prng.chance(0.05) ? ", " : " ";
    parts.push(piece, sep);
    length += piece.length + sep.length;
  }
  return parts.join("");
}

export class Text {
  readonly corpus: string;
  readonly hashtags: string[];

  constructor(seed: number) {
    const prng = createPrng(seed ^ 0x7e47);
    this.corpus = corpusOf(1_000_000, prng);
    this.hashtags = [...HASHTAGS, ...Array.from({ length: 5000 }, (_, i) => word(i * 7 + 3))];
  }

  /** `length` characters from a random place in the corpus. */
  slice(prng: Prng, length: number): string {
    const n = Math.max(1, Math.min(length, this.corpus.length - 1));
    const at = prng.int(0, this.corpus.length - n);
    return this.corpus.slice(at, at + n).trim() || "gm";
  }

  /** A hashtag, the popular ones far more often. */
  hashtag(prng: Prng): string {
    const i = Math.floor(prng.next() ** 4 * this.hashtags.length);
    return this.hashtags[i] as string;
  }
}

/** A standard normal draw (Box–Muller). */
export function normal(prng: Prng): number {
  const u = 1 - prng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng.next());
}

/** A log-normal length with the given median and spread, within [min, max]. */
export function logNormal(prng: Prng, median: number, sigma: number, min = 1, max = 100_000) {
  return Math.max(min, Math.min(max, Math.round(median * Math.exp(sigma * normal(prng)))));
}
