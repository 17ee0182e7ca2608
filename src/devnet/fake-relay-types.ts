import type { NostrEvent } from "../models/event-types.js";

/** Knobs of the fake relay. Every field can be changed at runtime through `relay.options`. */
export interface FakeRelayOptions {
  host?: string;
  port?: number;
  events?: NostrEvent[];
  maxLimit?: number;
  latencyMs?: number;
  refuse?: boolean;
  /**
   * How `refuse` refuses: an HTTP 503 answer to the upgrade (default), an HTML page with
   * status 200 (a web server or CDN in front of nothing), or a destroyed socket.
   */
  refuseMode?: "http-503" | "html" | "destroy";
  /** The upgrade is answered only after this many ms (a slow handshake). */
  upgradeDelayMs?: number;
  /** Every connection is terminated this many ms after it opened. */
  closeAfterMs?: number;
  /** Frames leave at least this many ms apart (a slow drip). */
  dripMs?: number;
  /** After this many events on a connection, the next event frame is cut in its middle. */
  dropMidFrameAfter?: number;
  /**
   * A connection's REQs past the first `after` are rate-limited: a NOTICE "rate-limited: …"
   * and nothing else, CLOSED "rate-limited: …", or a terminated socket.
   */
  rateLimit?: { after: number; answer: "notice" | "closed" | "drop" };
  /**
   * Events of these kinds are read only after NIP-42 AUTH: left out of results and counts,
   * and a REQ asking only for them gets CLOSED "auth-required: …".
   */
  authKinds?: number[];
  /** Stored results leave in a shuffled order instead of newest first. */
  shuffleResults?: boolean;
  /** Every event of a REQ's stored results is sent twice. */
  duplicateEvents?: boolean;
  closedPrefix?: string;
  requireAuth?: boolean;
  invalidSignatures?: boolean;
  corruptIds?: boolean;
  dropAfter?: number;
  noEose?: boolean;
  /**
   * Answers every REQ with this many generated kind-1 events (see devnet/stream.ts) instead
   * of the stored ones, limit ignored, written only as fast as the client reads, then EOSE
   * (unless noEose). Stops at CLOSE.
   */
  streamEvents?: number;
  /** Answers every REQ with one NOTICE and nothing else (no events, no EOSE, no CLOSED). */
  noticeOnly?: boolean;
  /** Every EOSE and CLOSED names another subscription id than the REQ's (`<id>-other`). */
  foreignSubId?: boolean;
  silent?: boolean;
  garbageFrames?: boolean;
  oversizeFrameBytes?: number;
  mismatchedEvents?: boolean;
  /** NIP-45 COUNT answers (default: exact; see CountBehaviour). */
  count?: CountBehaviour;
  /** Answers REQ and COUNT as if since/until were absent (a relay that ignores the bounds). */
  ignoreBounds?: boolean;
  acceptWrites?: boolean;
  /** Every EVENT is refused with OK false `<prefix>: …` (payment-required, restricted, rate-limited…). */
  writeRefusal?: string;
  /** NIP-13: an event whose id has fewer leading zero bits is refused with OK false "pow: …". */
  minPowDifficulty?: number;
  /** Only these kinds are stored; others get OK false "blocked: kind N is not accepted here". */
  acceptKinds?: number[];
  /** Writes are lost: "unstored" answers OK true and keeps nothing, "no-ok" never answers. */
  dropWrites?: "unstored" | "no-ok";
  /** Sends the NIP-42 challenge only with the first auth-required refusal, not on connect. */
  lazyAuthChallenge?: boolean;
  /** Reads are open; only writes need NIP-42 AUTH (OK false "auth-required: …" before). */
  requireAuthForWrites?: boolean;
  /** Terminates the socket right after the upgrade ("open") or on the first REQ / EVENT. */
  disconnectOn?: "open" | "REQ" | "EVENT";
  /** Serve wss:// and https:// with this certificate and key (PEM; see devnet/tls-cert.ts). */
  tls?: { cert: string; key: string };
  /**
   * NIP-77: answers NEG-OPEN / NEG-MSG / NEG-CLOSE (devnet/negentropy.ts, needs the
   * @nostr-dev-kit/sync devDependency) and lists 77 in the default NIP-11 document.
   */
  negentropy?: boolean;
  /** NEG-ERR with this reason (e.g. "blocked: …", "closed: …") instead of answering… */
  negErr?: string;
  /** …after answering this many messages of the session normally (default 0: at NEG-OPEN). */
  negErrAfter?: number;
  /** A NEG-OPEN matching more records gets NEG-ERR "blocked: too many records…" + this max. */
  negMaxRecords?: number;
  /** Largest message the relay sends (the responder's frame size limit; 0 = none). */
  negFrameSizeLimit?: number;
  /** Terminates the socket instead of sending its NEG-MSG number N + 1 (mid-reconciliation). */
  negDropAfter?: number;
  nip11?: Record<string, unknown> | string | null;
  nip11ContentType?: string;
  nip11DelayMs?: number;
  nip11Redirect?: string;
  httpHeaders?: Record<string, string>;
}

/** How a fake relay answers NIP-45 COUNT. */
export interface CountBehaviour {
  /** Add the NIP-45 hll (registers over the matching events' pubkeys). */
  hll?: boolean;
  /** Answer at most this (a relay that caps its counts). */
  cap?: number;
  /** Answer this fraction of the true count, rounded down (a relay that lies). */
  scale?: number;
  /** Mark answers approximate. */
  approximate?: boolean;
  /** Refuse every COUNT with CLOSED and this message ("unsupported: …"). */
  refuse?: string;
  /** Answer every COUNT with only this NOTICE (a relay that knows no COUNT verb). */
  notice?: string;
}

export interface FakeRelay {
  readonly url: string;
  readonly httpUrl: string;
  readonly port: number;
  options: FakeRelayOptions;
  readonly events: NostrEvent[];
  readonly received: unknown[];
  readonly connectionCount: number;
  totalConnections: number;
  /** Upgrade attempts turned away by `refuse`. */
  refusedConnections: number;
  /** Terminates every open connection (without a closing handshake). */
  dropConnections(): void;
  /** The port is open (false after stop()). */
  readonly listening: boolean;
  /** Goes down: stops listening (connection refused) and drops every socket; events stay. */
  stop(): Promise<void>;
  /** Comes back on the same port with the same events. */
  restart(): Promise<void>;
  /** Stores events and pushes them to matching open subscriptions. */
  addEvents(events: NostrEvent[]): void;
  close(): Promise<void>;
}

export const DEFAULT_MAX_LIMIT = 500;

/** The NIP-11 document served when `nip11` is left undefined. */
export function defaultNip11(
  maxLimit: number,
  requireAuth: boolean,
  writes: Pick<
    FakeRelayOptions,
    "writeRefusal" | "minPowDifficulty" | "acceptKinds" | "negentropy"
  > = {},
): Record<string, unknown> {
  const pow = writes.minPowDifficulty;
  return {
    name: "bigbrotr fake relay",
    description: "Loopback relay for bigbrotr tests and demos",
    supported_nips: writes.negentropy ? [1, 11, 42, 45, 77] : [1, 11, 42, 45],
    software: "https://bigbrotr.example/fake-relay",
    version: "0.1.0",
    limitation: {
      max_limit: maxLimit,
      max_subid_length: 64,
      auth_required: requireAuth,
      payment_required: writes.writeRefusal === "payment-required",
      restricted_writes: writes.writeRefusal === "restricted" || writes.acceptKinds !== undefined,
      ...(pow !== undefined && pow > 0 ? { min_pow_difficulty: pow } : {}),
    },
  };
}
