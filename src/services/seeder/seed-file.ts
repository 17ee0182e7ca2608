import { type Network, parseRelayUrl } from "../../models/index.js";

export interface SeedEntry {
  /** 1-based line number in the file. */
  line: number;
  url: string;
  network: Network;
}

export interface SeedRejection {
  line: number;
  reason: string;
}

export interface ParsedSeedFile {
  /** Valid URLs in canonical form, first occurrence only. */
  entries: SeedEntry[];
  rejected: SeedRejection[];
  /** Valid lines whose canonical URL appeared on an earlier line. */
  duplicates: number;
}

/** A comment starts with `#` at the start of a line or after whitespace. */
const INLINE_COMMENT = /(^|\s)#.*$/;

/**
 * Parses a seed file: one relay URL per line; blank lines and `#` comments (whole-line or
 * after the URL) are skipped. Every other line must be a relay URL (see parseRelayUrl).
 */
export function parseSeedText(
  text: string,
  options: { allowPrivate?: boolean } = {},
): ParsedSeedFile {
  const result: ParsedSeedFile = { entries: [], rejected: [], duplicates: 0 };
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const content = raw.replace(INLINE_COMMENT, "").trim();
    if (content === "") return;
    const line = index + 1;
    const parsed = parseRelayUrl(content, { allowPrivate: options.allowPrivate === true });
    if (!parsed.ok) {
      result.rejected.push({ line, reason: parsed.reason });
    } else if (seen.has(parsed.url)) {
      result.duplicates++;
    } else {
      seen.add(parsed.url);
      result.entries.push({ line, url: parsed.url, network: parsed.network });
    }
  });
  return result;
}
