/**
 * What relays say about themselves in NIP-11, varied the way the real network varies: the
 * software and versions seen in the wild, their NIP lists and limits, the countries operators
 * name. A relay's advertised max_limit is also the one it applies (unless a behaviour lies),
 * and it answers NIP-45 COUNT when its software lists 45 (khatru with the hll).
 */
import type { CountBehaviour } from "../fake-relay-types.js";
import type { Prng } from "../prng.js";

interface SoftwareProfile {
  software: string;
  versions: readonly string[];
  nips: readonly number[];
  /** Typical max_limit values of its deployments. */
  maxLimits: readonly number[];
  maxMessageLength: number;
  /** NIP-45: a relay that lists 45 answers COUNT; the others know no COUNT verb (a NOTICE). */
  count: CountBehaviour;
}

/** What a relay without NIP-45 answers to a COUNT: it does not know the verb. */
const NO_COUNT: CountBehaviour = { notice: "ERROR: unknown message type COUNT" };

const PROFILES: readonly SoftwareProfile[] = [
  {
    software: "git+https://github.com/hoytech/strfry.git",
    versions: ["1.0.1", "1.0.2", "0.9.7"],
    nips: [1, 2, 4, 9, 11, 22, 28, 40, 70],
    maxLimits: [500, 1000],
    maxMessageLength: 131_072,
    count: NO_COUNT,
  },
  {
    software: "https://git.sr.ht/~gheartsfield/nostr-rs-relay",
    versions: ["0.9.0", "0.8.13"],
    nips: [1, 2, 9, 11, 12, 15, 16, 20, 22, 33, 40],
    maxLimits: [300, 500],
    maxMessageLength: 131_072,
    count: NO_COUNT,
  },
  {
    software: "https://github.com/fiatjaf/khatru",
    versions: ["v0.15.2", "v0.17.0"],
    nips: [1, 11, 40, 42, 45, 70, 86],
    maxLimits: [100, 250],
    maxMessageLength: 524_288,
    count: { hll: true },
  },
  {
    software: "git+https://github.com/Cameri/nostream.git",
    versions: ["2.0.0", "1.25.2"],
    nips: [1, 2, 4, 9, 11, 12, 15, 16, 20, 22, 28, 33, 40],
    maxLimits: [500, 5000],
    maxMessageLength: 131_072,
    count: NO_COUNT,
  },
  {
    software: "https://github.com/CodyTseng/nostr-relay-tray",
    versions: ["1.3.0"],
    nips: [1, 2, 4, 11, 13, 22, 26, 28, 40, 45],
    maxLimits: [100],
    maxMessageLength: 65_536,
    count: {},
  },
  {
    software: "https://github.com/bitvora/haven",
    versions: ["v1.0.5", "v1.1.0"],
    nips: [1, 11, 42, 65, 70],
    maxLimits: [200],
    maxMessageLength: 524_288,
    count: NO_COUNT,
  },
];

const COUNTRIES: readonly string[][] = [
  ["US"],
  ["DE"],
  ["FR"],
  ["JP"],
  ["BR"],
  ["NL", "DE"],
  ["CA"],
  ["SG"],
  ["*"],
];

const NAMES = ["nos", "damus", "wine", "pub", "lol", "social", "plebs", "zap", "news", "bits"];

/** One relay's self-description: its NIP-11 document and the max_limit it applies. */
export interface RelayPersona {
  nip11: Record<string, unknown>;
  maxLimit: number;
  software: string;
  version: string;
  count: CountBehaviour;
}

/** A persona drawn from the profiles with `prng` (deterministic for a seed and index). */
export function drawPersona(prng: Prng, index: number): RelayPersona {
  const profile = prng.pick(PROFILES);
  const version = prng.pick(profile.versions);
  const maxLimit = prng.pick(profile.maxLimits);
  const name = `${prng.pick(NAMES)}-${index}`;
  const nip11: Record<string, unknown> = {
    name,
    description: `A ${name} relay of the bigbrotr realistic devnet`,
    pubkey: prng.hex(32),
    contact: `mailto:admin@${name}.example`,
    supported_nips: profile.nips,
    software: profile.software,
    version,
    relay_countries: prng.pick(COUNTRIES),
    language_tags: prng.chance(0.7) ? ["*"] : ["en", prng.pick(["de", "ja", "pt", "es"])],
    limitation: {
      max_limit: maxLimit,
      max_message_length: profile.maxMessageLength,
      max_subscriptions: prng.pick([10, 20, 50, 300]),
      max_subid_length: 64,
      auth_required: false,
      payment_required: false,
      restricted_writes: false,
    },
  };
  return { nip11, maxLimit, software: profile.software, version, count: profile.count };
}
