/**
 * NIP-66 ssl check (clearnet wss:// only): a TLS connection that accepts any certificate
 * reads the peer certificate, protocol and cipher, and says (Node verifies the chain and the
 * host name even when it accepts anyway) whether a client would accept it; only a
 * certificate that did not verify takes a second, verifying connection, whose error is the
 * stored reason. Both go to the address the SSRF guard checked (the pinned route of
 * utils/transport), with SNI set to the host name, and share one SecureContext per trust.
 */
import tls, { type PeerCertificate } from "node:tls";
import type { Network } from "../../models/network.js";
import { onAbort } from "../../utils/abort.js";
import { sharedSecureContext } from "../../utils/tls-context.js";
import { deadline, planRoute, type RouteOptions, toConnectError } from "../../utils/transport.js";
import { type CheckResult, checkError, checkOk, checkSkipped } from "../check-result.js";
import { type RetryOptions, refusedConnection, retryCheck } from "../check-retry.js";
import { clearnetOnly, type RelayTarget, relayTarget, since } from "./target.js";

export interface Nip66Ssl {
  /** SHA-256 of the DER certificate, "AA:BB:…" (upper-case hex pairs). */
  fingerprint: string;
  subjectCn?: string;
  subjectO?: string;
  issuerCn?: string;
  issuerO?: string;
  /** subjectAltName DNS names. */
  san: string[];
  /** subjectAltName IP addresses (as Node prints them). */
  sanIps: string[];
  /** Unix seconds. */
  notBefore: number;
  notAfter: number;
  /** Upper-case hex. */
  serial: string;
  /** Issuer and subject are the same name. */
  selfSigned: boolean;
  keyBits?: number;
  /** "TLSv1.3"… */
  protocol?: string;
  /** IANA name, e.g. "TLS_AES_256_GCM_SHA384". */
  cipher?: string;
  /** A verifying connection (chain + host name) accepted the certificate. */
  valid: boolean;
  /** Why it did not ("CERT_HAS_EXPIRED: certificate has expired"…). */
  invalidReason?: string;
}

/** What the first connection saw besides the certificate. */
export interface TlsSession {
  protocol: string | null;
  cipher: { name: string; standardName?: string } | null;
}

/** Opens a TLS connection; the Node default is `tls.connect`. */
export type TlsConnect = (options: tls.ConnectionOptions) => tls.TLSSocket;

export interface SslOptions extends RouteOptions {
  /** Per connection (there are two). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Trust store of the verifying connection; default Node's CA list. */
  ca?: string | string[];
  connect?: TlsConnect;
  retry?: RetryOptions;
}

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === "" ? undefined : text;
}

function epochSeconds(text: string): number {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** Node's subjectaltname: `DNS:a, IP Address:1.2.3.4`; values with a comma come quoted. */
const SAN_ENTRY = /([A-Za-z ]+):("(?:\\.|[^"\\])*"|[^,]*)(?:,\s*|$)/g;

function altNames(san: string | undefined): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const [, type, raw = ""] of (san ?? "").matchAll(SAN_ENTRY)) {
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    if (type === "DNS") dns.push(value);
    else if (type === "IP Address") ips.push(value);
  }
  return { dns, ips };
}

type Certificate = Omit<Nip66Ssl, "valid" | "invalidReason">;

/** Pure: a peer certificate (Node's object) and the session → the certificate's fields. */
export function parseCertificate(cert: PeerCertificate, session: TlsSession): Certificate | null {
  if (cert === null || typeof cert !== "object" || !cert.fingerprint256) return null;
  const { dns, ips } = altNames(cert.subjectaltname);
  const out: Certificate = {
    fingerprint: cert.fingerprint256.toUpperCase(),
    san: dns,
    sanIps: ips,
    notBefore: epochSeconds(cert.valid_from),
    notAfter: epochSeconds(cert.valid_to),
    serial: (cert.serialNumber ?? "").toUpperCase(),
    selfSigned: JSON.stringify(cert.subject) === JSON.stringify(cert.issuer),
  };
  const fields: [keyof Certificate, string | undefined][] = [
    ["subjectCn", first(cert.subject?.CN)],
    ["subjectO", first(cert.subject?.O)],
    ["issuerCn", first(cert.issuer?.CN)],
    ["issuerO", first(cert.issuer?.O)],
    ["protocol", session.protocol ?? undefined],
    ["cipher", session.cipher?.standardName ?? session.cipher?.name],
  ];
  for (const [key, value] of fields) if (value !== undefined) Object.assign(out, { [key]: value });
  const bits = (cert as PeerCertificate & { bits?: number }).bits;
  if (typeof bits === "number") out.keyBits = bits;
  return out;
}

/** Completes one handshake within `signal`; the socket is the caller's to destroy. */
function handshake(
  connect: TlsConnect,
  options: tls.ConnectionOptions,
  signal: AbortSignal,
): Promise<tls.TLSSocket> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const socket = connect(options);
    const off = onAbort(signal, () => {
      socket.destroy();
      reject(signal.reason);
    });
    socket.once("secureConnect", () => {
      off();
      resolve(socket);
    });
    socket.once("error", (error) => {
      off();
      socket.destroy();
      reject(error);
    });
  });
}

interface Attempt {
  connect: TlsConnect;
  base: tls.ConnectionOptions;
  options: SslOptions;
  /** The shared context of the verifying trust (`options.ca` or Node's CAs). */
  trust: tls.SecureContext;
}

async function withDeadline<T>(attempt: Attempt, run: (signal: AbortSignal) => Promise<T>) {
  const limit = deadline(attempt.options.timeoutMs, attempt.options.signal, "TLS handshake");
  try {
    return await run(limit.signal);
  } finally {
    limit.clear();
  }
}

/** The certificate, and whether this very connection verified it (chain and host name). */
interface Inspected {
  cert: Certificate;
  authorized: boolean;
}

/**
 * Reads the certificate over a connection that accepts any certificate but is verified
 * against the same trust as `verify` (Node still checks the chain and the host name and
 * says so in `authorized`): a valid certificate costs one handshake, not two.
 */
async function inspect(attempt: Attempt): Promise<Inspected | string> {
  return withDeadline(attempt, async (signal) => {
    const options = { ...attempt.base, secureContext: attempt.trust, rejectUnauthorized: false };
    const socket = await handshake(attempt.connect, options, signal);
    try {
      const session = { protocol: socket.getProtocol(), cipher: socket.getCipher() };
      const cert = parseCertificate(socket.getPeerCertificate(), session);
      return cert === null ? "no peer certificate" : { cert, authorized: socket.authorized };
    } finally {
      socket.destroy();
    }
  });
}

/** A verifying connection; only for a certificate that did not verify, to say why exactly. */
async function verify(attempt: Attempt): Promise<{ valid: boolean; invalidReason?: string }> {
  const options = { ...attempt.base, secureContext: attempt.trust, rejectUnauthorized: true };
  try {
    const socket = await withDeadline(attempt, (signal) =>
      handshake(attempt.connect, options, signal),
    );
    socket.destroy();
    return { valid: true };
  } catch (error) {
    const failure = toConnectError(error);
    const reason =
      failure.kind === "tls" ? failure.reason : `not verified (${failure.kind}: ${failure.reason})`;
    return { valid: false, invalidReason: reason };
  }
}

async function sslOnce(target: RelayTarget, options: SslOptions): Promise<CheckResult<Nip66Ssl>> {
  const started = performance.now();
  try {
    const route = await planRoute(target.host, options);
    const base: tls.ConnectionOptions = {
      host: target.host,
      port: target.port,
      ...(target.ipFamily === 0 ? { servername: target.host } : {}),
      ...(route.lookup ? { lookup: route.lookup } : {}),
    };
    const trust = sharedSecureContext(options.ca);
    const attempt = { connect: options.connect ?? tls.connect, base, options, trust };
    const seen = await inspect(attempt);
    if (typeof seen === "string") return checkError(seen, since(started));
    const validity = seen.authorized ? { valid: true } : await verify(attempt);
    return checkOk({ ...seen.cert, ...validity }, since(started));
  } catch (error) {
    if (options.signal?.aborted) return checkSkipped("aborted");
    const failure = toConnectError(error);
    return checkError(`${failure.kind}: ${failure.reason}`, since(started));
  }
}

/** Reads and verifies the certificate of a wss:// clearnet relay. Never throws. */
export async function checkSsl(
  url: string,
  options: SslOptions & { network: Network },
): Promise<CheckResult<Nip66Ssl>> {
  const skip = clearnetOnly<Nip66Ssl>("ssl", options.network);
  if (skip) return skip;
  const target = relayTarget(url);
  if (typeof target === "string") return checkError(target, 0);
  if (!target.secure) return checkSkipped("not a wss:// relay (no TLS)");
  return retryCheck(() => sslOnce(target, options), {
    isFinal: refusedConnection,
    ...options.retry,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
