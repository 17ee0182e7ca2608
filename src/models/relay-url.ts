/**
 * Relay URL normalisation (spec §5). Untrusted text in, one canonical URL out:
 *   scheme://host[:port][/path]   — wss for clearnet, ws for overlays; no query, fragment,
 *   credentials, default port, trailing slash or percent-encoding.
 * Canonical URLs are fixpoints: parseRelayUrl(r.url).url === r.url.
 */
import { domainToASCII } from "node:url";
import {
  formatIpv4,
  formatIpv6,
  isReservedIpv4,
  isReservedIpv6,
  mappedIpv4,
  parseIpv4,
  parseIpv6,
} from "./ip-range.js";
import type { Network } from "./network.js";
import { classifyHostname } from "./overlay-host.js";

export const DEFAULT_MAX_URL_LENGTH = 2048;

export type RelayUrlResult =
  | {
      ok: true;
      /** Canonical URL. */
      url: string;
      network: Network;
      /** Host without brackets (IPv6 in RFC 5952 form), ready for DNS or connect. */
      host: string;
      /** Explicit port, or null when it is the default for the scheme (443 wss, 80 ws). */
      port: number | null;
      /** "" or "/seg/seg". */
      path: string;
    }
  | { ok: false; reason: string };

type Fail = { ok: false; reason: string };
/** `local`: a private/loopback host accepted only because the caller allows private hosts. */
type Host = { ok: true; host: string; network: Network; ipv6: boolean; local?: true };

const fail = (reason: string): Fail => ({ ok: false, reason });

// C0/C1 controls, DEL, any Unicode space or line break, zero-width space, BOM.
const FORBIDDEN_CHARS = /[\p{Cc}\p{Z}\s\u200b\ufeff]/u;
const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._~:-]*[A-Za-z0-9])?$/;
const HOST_BAD_CHARS = /[\p{Cc}\p{Z}\s\\/?#@%[\]:<>^|"`{}]/u;

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function splitScheme(text: string): { scheme: string; rest: string } | Fail {
  const sep = text.indexOf("://");
  if (sep < 0) {
    return /^wss?:/i.test(text) ? fail("missing // after scheme") : fail("missing scheme");
  }
  const scheme = text.slice(0, sep).toLowerCase();
  if (!SCHEME.test(scheme) || (scheme !== "ws" && scheme !== "wss")) {
    return fail("scheme must be ws or wss");
  }
  return { scheme, rest: text.slice(sep + 3) };
}

function splitAuthority(authority: string): { host: string; bracketed: boolean; port: string } {
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close > 0) {
      const after = authority.slice(close + 1);
      const port = after.startsWith(":") ? after.slice(1) : after === "" ? "" : "x";
      return { host: authority.slice(1, close), bracketed: true, port };
    }
  }
  const colon = authority.lastIndexOf(":");
  if (colon < 0) return { host: authority, bracketed: false, port: "" };
  return { host: authority.slice(0, colon), bracketed: false, port: authority.slice(colon + 1) };
}

function parsePort(text: string): number | null | Fail {
  if (text === "") return null;
  if (!/^[0-9]{1,5}$/.test(text)) return fail("invalid port");
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : fail("port out of range 1-65535");
}

function ipv6Host(text: string, allowPrivate: boolean): Host | Fail {
  const groups = parseIpv6(text.toLowerCase());
  if (groups === null) return fail("invalid IPv6 address");
  const v4 = mappedIpv4(groups);
  if (v4 !== null) return ipv4Host(v4, allowPrivate); // ::ffff:a.b.c.d is the IPv4 host a.b.c.d
  const host: Host = { ok: true, host: formatIpv6(groups), network: "clearnet", ipv6: true };
  if (!isReservedIpv6(groups)) return host;
  return allowPrivate ? { ...host, local: true } : fail("private or reserved IP address");
}

function ipv4Host(value: number, allowPrivate: boolean): Host | Fail {
  const host: Host = { ok: true, host: formatIpv4(value), network: "clearnet", ipv6: false };
  if (!isReservedIpv4(value)) return host;
  return allowPrivate ? { ...host, local: true } : fail("private or reserved IP address");
}

/**
 * IDNA (UTS #46, non-transitional, as browsers do) plus lowercasing via `domainToASCII`.
 * A dummy last label stops its WHATWG IPv4 parsing, which would silently turn `01.2.3.4`,
 * `127.1` or `0x7f.1` into dotted quads; we judge IP literals ourselves, strictly.
 */
function toAsciiHost(name: string): string | null {
  const ascii = domainToASCII(`${name}.x`);
  return ascii.endsWith(".x") ? ascii.slice(0, -2) : null;
}

function nameHost(raw: string, allowPrivate: boolean): Host | Fail {
  const decoded = decode(raw);
  if (decoded === null) return fail("invalid percent-encoding in host");
  if (HOST_BAD_CHARS.test(decoded)) return fail("invalid character in host");
  let host = toAsciiHost(decoded);
  if (host === null) return fail("invalid international domain name");
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "") return fail("missing host");
  if (/^[0-9.]+$/.test(host)) {
    const v4 = parseIpv4(host);
    if (v4 !== null) return ipv4Host(v4, allowPrivate);
    const parts = host.split(".");
    if (parts.length === 4 && parts.every((p) => /^[0-9]+$/.test(p))) {
      return fail(
        parts.some((p) => /^0[0-9]/.test(p)) ? "IPv4 with leading zeros" : "invalid IPv4",
      );
    }
  }
  if (allowPrivate && (host === "localhost" || host.endsWith(".localhost"))) {
    return { ok: true, host, network: "clearnet", ipv6: false, local: true };
  }
  const cls = classifyHostname(host);
  return cls.ok ? { ok: true, host, network: cls.network, ipv6: false } : cls;
}

function parseHost(raw: string, bracketed: boolean, allowPrivate: boolean): Host | Fail {
  if (raw === "") return fail("missing host");
  if (bracketed) return ipv6Host(raw, allowPrivate);
  if (raw.includes(":")) return fail("IPv6 address must be in brackets");
  return nameHost(raw, allowPrivate);
}

/**
 * Path rules: decode, drop empty and dot segments (resolving ".."), then every segment must
 * match SEGMENT; one bad segment drops the whole path (the URL itself is kept).
 */
export function normalisePath(raw: string): string {
  const out: string[] = [];
  for (const piece of raw.split("/")) {
    const seg = decode(piece);
    if (seg === null) return "";
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      out.pop();
      continue;
    }
    if (!SEGMENT.test(seg)) return "";
    out.push(seg);
  }
  return out.length === 0 ? "" : `/${out.join("/")}`;
}

export interface ParseRelayUrlOptions {
  maxLength?: number;
  /**
   * Accept private, loopback and reserved IP literals and localhost, keeping the given scheme
   * (local test relays rarely have TLS). Only for deployments with `allow_private` (devnet,
   * tests); public discovery must never turn this on.
   */
  allowPrivate?: boolean;
}

/** Parses and normalises an untrusted relay URL; see the module comment. */
export function parseRelayUrl(input: string, opts: ParseRelayUrlOptions = {}): RelayUrlResult {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_URL_LENGTH;
  const text = input.trim();
  if (text === "") return fail("empty URL");
  if (text.length > maxLength) return fail("URL too long");
  if (FORBIDDEN_CHARS.test(text)) return fail("whitespace or control character in URL");
  const head = splitScheme(text);
  if ("ok" in head) return head;
  const end = head.rest.search(/[/?#]/);
  const authority = end < 0 ? head.rest : head.rest.slice(0, end);
  const tail = end < 0 ? "" : head.rest.slice(end);
  if (authority.includes("@")) return fail("credentials (userinfo) not allowed");
  const parts = splitAuthority(authority);
  const port = parsePort(parts.port);
  if (port !== null && typeof port === "object") return port;
  const host = parseHost(parts.host, parts.bracketed, opts.allowPrivate === true);
  if (!host.ok) return host;
  const scheme = host.local ? head.scheme : host.network === "clearnet" ? "wss" : "ws";
  const explicitPort = port === (scheme === "wss" ? 443 : 80) ? null : port;
  const rawPath = tail.startsWith("/") ? (tail.split(/[?#]/)[0] ?? "") : "";
  const path = normalisePath(rawPath);
  const hostText = host.ipv6 ? `[${host.host}]` : host.host;
  const url = `${scheme}://${hostText}${explicitPort === null ? "" : `:${explicitPort}`}${path}`;
  if (url.length > maxLength) return fail("URL too long");
  return { ok: true, url, network: host.network, host: host.host, port: explicitPort, path };
}
