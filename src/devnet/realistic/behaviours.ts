/**
 * The realistic devnet's catalogue: what real relays do, each with its share of the network.
 * A behaviour sets fake-relay knobs (devnet/fake-relay-types.ts) over a persona (software.ts);
 * the few that need other relays' addresses, a clock or a certificate are wired in
 * realistic-network.ts. `serves` says what a reader without NIP-42 AUTH gets of the stored
 * events, so a harness can tell a lost event from one that was never served.
 */
import type { FakeRelayOptions } from "../fake-relay-types.js";
import type { RelayPersona } from "./software.js";

/** What a reader without AUTH receives of a relay's stored (non-future) events. */
export type Served = "all" | "none" | "public-kinds";

/** After start: the relay's NIP-11 redirects elsewhere, it flaps, or it is gone. */
export type Wiring = "redirect-other" | "redirect-loop" | "flapping" | "offline";

export interface RealisticBehaviour {
  name: string;
  /** Relative share of the network, in percent before rounding. */
  weight: number;
  /** One line for the seed file's header. */
  summary: string;
  /** Assigned only when the devnet serves TLS (its certificate is the fault). */
  tls?: "expired" | "wrong-host" | "self-signed";
  serves: Served;
  /** Extra events only this relay stores. */
  extra?: "future" | "oversized" | "burst";
  wiring?: Wiring;
  options(persona: RelayPersona): FakeRelayOptions;
}

/** Kinds behind AUTH on `auth-kinds` relays: DMs and gift wraps, as real relays guard them. */
export const AUTH_KINDS: readonly number[] = [4, 1059];

const withLimitation = (p: RelayPersona, limitation: Record<string, unknown>) => ({
  ...p.nip11,
  limitation: { ...(p.nip11.limitation as object), ...limitation },
});

const none = () => ({});

type Entry = Omit<RealisticBehaviour, "options"> & { options?: RealisticBehaviour["options"] };

const ENTRIES: readonly Entry[] = [
  { name: "healthy", weight: 40, summary: "answers everything, by the book", serves: "all" },
  {
    name: "rate-limit-notice",
    weight: 2,
    summary: "after 10 REQs on a connection only a NOTICE rate-limited:",
    serves: "all",
    options: () => ({ rateLimit: { after: 10, answer: "notice" } }),
  },
  {
    name: "rate-limit-closed",
    weight: 3,
    summary: 'after 10 REQs on a connection CLOSED "rate-limited:"',
    serves: "all",
    options: () => ({ rateLimit: { after: 10, answer: "closed" } }),
  },
  {
    name: "rate-limit-drop",
    weight: 2,
    summary: "after 10 REQs on a connection the socket is dropped",
    serves: "all",
    options: () => ({ rateLimit: { after: 10, answer: "drop" } }),
  },
  {
    name: "auth-reads",
    weight: 3,
    summary: 'reads (and writes) need NIP-42 AUTH: CLOSED "auth-required:"',
    serves: "none",
    options: (p) => ({ requireAuth: true, nip11: withLimitation(p, { auth_required: true }) }),
  },
  {
    name: "auth-writes",
    weight: 3,
    summary: 'reads open, writes need NIP-42 AUTH: OK false "auth-required:"',
    serves: "all",
    options: () => ({ requireAuthForWrites: true }),
  },
  {
    name: "auth-kinds",
    weight: 3,
    summary: `kinds ${AUTH_KINDS.join(", ")} readable only after AUTH`,
    serves: "public-kinds",
    options: () => ({ authKinds: [...AUTH_KINDS] }),
  },
  {
    name: "paid-writes",
    weight: 3,
    summary: 'writes refused "payment-required:", reads open, NIP-11 lists fees',
    serves: "all",
    options: (p) => ({
      writeRefusal: "payment-required",
      nip11: {
        ...withLimitation(p, { payment_required: true, restricted_writes: true }),
        payments_url: "https://pay.example/relay",
        fees: { admission: [{ amount: 21000, unit: "sats" }] },
      },
    }),
  },
  {
    name: "paid-reads",
    weight: 2,
    summary: 'REQs refused CLOSED "restricted:" (paid), NIP-11 still served',
    serves: "none",
    options: (p) => ({
      closedPrefix: "restricted",
      writeRefusal: "restricted",
      nip11: withLimitation(p, { payment_required: true, restricted_writes: true }),
    }),
  },
  {
    name: "close-after-events",
    weight: 2,
    summary: "drops the socket after 150 events",
    serves: "all",
    options: () => ({ dropAfter: 150 }),
  },
  {
    name: "close-mid-frame",
    weight: 2,
    summary: "cuts the 120th event frame in its middle and drops the socket",
    serves: "all",
    options: () => ({ dropMidFrameAfter: 120 }),
  },
  {
    name: "close-after-time",
    weight: 2,
    summary: "drops every connection 1.5 s after it opened",
    serves: "all",
    options: () => ({ closeAfterMs: 1500, dripMs: 5 }),
  },
  {
    name: "slow-drip",
    weight: 2,
    summary: "frames leave 20 ms apart",
    serves: "all",
    options: () => ({ dripMs: 20 }),
  },
  {
    name: "slow-handshake",
    weight: 2,
    summary: "answers the WebSocket upgrade after 1.5 s",
    serves: "all",
    options: () => ({ upgradeDelayMs: 1500 }),
  },
  {
    name: "http-503",
    weight: 3,
    summary: "answers the upgrade with HTTP 503 (NIP-11 still served)",
    serves: "none",
    options: () => ({ refuse: true, refuseMode: "http-503" }),
  },
  {
    name: "html-page",
    weight: 2,
    summary: "answers the upgrade with an HTML page (HTTP 200)",
    serves: "none",
    options: () => ({ refuse: true, refuseMode: "html" }),
  },
  ...tlsEntries(),
  ...nip11Entries(),
  ...eventEntries(),
  {
    name: "flapping",
    weight: 3,
    summary: "goes down and comes back on the same port (every 30 s by default)",
    serves: "all",
    wiring: "flapping",
  },
  {
    name: "offline",
    weight: 3,
    summary: "down: nothing listens on its port (connection refused, no NIP-11)",
    serves: "none",
    wiring: "offline",
  },
];

function tlsEntries(): Entry[] {
  const entries: Pick<Entry, "name" | "weight" | "summary" | "tls">[] = [
    { name: "tls-expired", weight: 1, summary: "TLS certificate expired", tls: "expired" },
    {
      name: "tls-wrong-host",
      weight: 1,
      summary: "TLS certificate for another host",
      tls: "wrong-host",
    },
    {
      name: "tls-self-signed",
      weight: 1,
      summary: "self-signed TLS certificate",
      tls: "self-signed",
    },
  ];
  return entries.map((e) => ({ ...e, serves: "none" as const }));
}

function nip11Entries(): Entry[] {
  return [
    {
      name: "nip11-redirect-other",
      weight: 1,
      summary: "NIP-11 answers 302 to another relay's document",
      serves: "all",
      wiring: "redirect-other",
    },
    {
      name: "nip11-redirect-loop",
      weight: 1,
      summary: "NIP-11 answers 302 to itself, forever",
      serves: "all",
      wiring: "redirect-loop",
    },
    {
      name: "nip11-huge",
      weight: 1,
      summary: "a NIP-11 document of 3 MB",
      serves: "all",
      options: (p) => ({ nip11: { ...p.nip11, description: "x".repeat(3 * 1024 * 1024) } }),
    },
    {
      name: "nip11-wrong-types",
      weight: 2,
      summary: "NIP-11 fields of the wrong type (strings for numbers, a string for the NIP list)",
      serves: "all",
      options: (p) => ({
        nip11: {
          ...p.nip11,
          supported_nips: "1, 11, 42",
          limitation: { max_limit: String(p.maxLimit), auth_required: "no" },
          relay_countries: "US",
        },
      }),
    },
  ];
}

function eventEntries(): Entry[] {
  return [
    {
      name: "events-shuffled",
      weight: 2,
      summary: "sends stored results in a shuffled order",
      serves: "all",
      options: () => ({ shuffleResults: true }),
    },
    {
      name: "events-duplicated",
      weight: 2,
      summary: "sends every stored result twice",
      serves: "all",
      options: () => ({ duplicateEvents: true }),
    },
    {
      name: "events-future",
      weight: 1,
      summary: "also stores events dated in 2096",
      serves: "all",
      extra: "future",
    },
    {
      name: "events-oversized",
      weight: 1,
      summary: "also stores an event with 600 KB of content",
      serves: "all",
      extra: "oversized",
    },
    {
      name: "invalid-signatures",
      weight: 1,
      summary: "every event's signature is broken",
      serves: "none",
      options: () => ({ invalidSignatures: true }),
    },
    {
      name: "invalid-ids",
      weight: 1,
      summary: "every event's content is changed after its id was computed",
      serves: "none",
      options: () => ({ corruptIds: true }),
    },
    {
      name: "burst-in-one-second",
      weight: 2,
      summary: "max_limit 100 and 150 notes of one author in one second",
      serves: "all",
      extra: "burst",
      options: (p) => ({ maxLimit: 100, nip11: withLimitation(p, { max_limit: 100 }) }),
    },
  ];
}

/** Every behaviour, in catalogue order (the order of the seed file's header). */
export const BEHAVIOURS: readonly RealisticBehaviour[] = ENTRIES.map((e) => ({
  ...e,
  options: e.options ?? none,
}));
