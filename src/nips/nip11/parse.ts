/**
 * Tolerant NIP-11 parsing: every known field is checked on its own; a wrongly typed value is
 * dropped and noted ("limitation.max_limit: expected integer, dropped"), unknown fields are
 * ignored, `null` counts as absent. Includes the fields removed from NIP-11 in 2026 that
 * relays still send. Field names stay as on the wire (snake_case). Never throws.
 */
import { z } from "zod";
import { unstorableTextReason } from "../../models/text.js";
import type {
  Nip11Document,
  Nip11Fee,
  Nip11Fees,
  Nip11Limitation,
  Nip11Retention,
} from "./types.js";

/** Strings longer than this are dropped (hostile documents). */
export const MAX_STRING_LENGTH = 8192;
/** Lists longer than this are cut to this length (and noted). */
export const MAX_LIST_LENGTH = 1024;

type Raw = Record<string, unknown>;

// Text PostgreSQL cannot store (NUL, lone surrogates) is dropped like a wrong type.
const storable = (s: string) => unstorableTextReason(s) === null;
const text = z.string().max(MAX_STRING_LENGTH).refine(storable);
const short = z.string().max(256).refine(storable);
const hex64 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase());
const uint = z.int().min(0);
const int = z.int();
const nipNumber = z.union([
  uint,
  z
    .string()
    .regex(/^\d{1,5}$/)
    .transform(Number),
]);

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `raw[key]` through `schema`; undefined when absent, noted when dropped. */
function field<T>(
  raw: Raw,
  key: string,
  schema: z.ZodType<T>,
  expected: string,
  notes: string[],
  path = "",
): T | undefined {
  if (!Object.hasOwn(raw, key)) return undefined;
  const value = raw[key];
  if (value === null || value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  notes.push(`${path}${key}: expected ${expected}, dropped`);
  return undefined;
}

/** A list whose invalid items are dropped one by one (and counted in a note). */
function list<T>(
  raw: Raw,
  key: string,
  item: (value: unknown) => T | undefined,
  notes: string[],
  path = "",
): T[] | undefined {
  const value = field(raw, key, z.array(z.unknown()), "array", notes, path);
  if (value === undefined) return undefined;
  if (value.length > MAX_LIST_LENGTH)
    notes.push(`${path}${key}: more than ${MAX_LIST_LENGTH} items, cut`);
  const out: T[] = [];
  for (const element of value.slice(0, MAX_LIST_LENGTH)) {
    const parsed = item(element);
    if (parsed !== undefined) out.push(parsed);
  }
  const dropped = Math.min(value.length, MAX_LIST_LENGTH) - out.length;
  if (dropped > 0) notes.push(`${path}${key}: ${dropped} invalid item(s) dropped`);
  return out;
}

const itemOf =
  <T>(schema: z.ZodType<T>) =>
  (value: unknown): T | undefined => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };

function assign<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

const STRING_FIELDS = [
  "name",
  "description",
  "banner",
  "icon",
  "contact",
  "software",
  "version",
  "terms_of_service",
  "payments_url",
  "posting_policy",
  "privacy_policy",
] as const;

const LIMITATION_INTS = [
  "max_message_length",
  "max_subscriptions",
  "max_limit",
  "max_subid_length",
  "max_event_tags",
  "max_content_length",
  "min_pow_difficulty",
  "default_limit",
] as const;
const LIMITATION_TIMES = ["created_at_lower_limit", "created_at_upper_limit"] as const;
const LIMITATION_FLAGS = ["auth_required", "payment_required", "restricted_writes"] as const;

function parseLimitation(raw: Raw, notes: string[]): Nip11Limitation | undefined {
  const value = field(raw, "limitation", z.record(z.string(), z.unknown()), "object", notes);
  if (value === undefined) return undefined;
  const out: Nip11Limitation = {};
  const p = "limitation.";
  for (const key of LIMITATION_INTS)
    assign(out, key, field(value, key, uint, "non-negative integer", notes, p));
  for (const key of LIMITATION_TIMES) assign(out, key, field(value, key, int, "integer", notes, p));
  for (const key of LIMITATION_FLAGS)
    assign(out, key, field(value, key, z.boolean(), "boolean", notes, p));
  return out;
}

function parseFee(value: unknown): Nip11Fee | undefined {
  if (!isObject(value)) return undefined;
  const amount = itemOf(z.number().min(0))(value.amount);
  const unit = itemOf(short)(value.unit);
  if (amount === undefined || unit === undefined) return undefined;
  const fee: Nip11Fee = { amount, unit };
  assign(fee, "period", itemOf(uint)(value.period));
  assign(fee, "kinds", itemOf(z.array(uint).max(MAX_LIST_LENGTH))(value.kinds));
  return fee;
}

function parseFees(raw: Raw, notes: string[]): Nip11Fees | undefined {
  const value = field(raw, "fees", z.record(z.string(), z.unknown()), "object", notes);
  if (value === undefined) return undefined;
  const out: Nip11Fees = {};
  for (const key of ["admission", "subscription", "publication"] as const) {
    assign(out, key, list(value, key, parseFee, notes, "fees."));
  }
  return out;
}

const kindRange = z.union([uint, z.tuple([uint, uint])]);

function parseRetention(value: unknown): Nip11Retention | undefined {
  if (!isObject(value)) return undefined;
  const out: Nip11Retention = {};
  assign(out, "kinds", itemOf(z.array(kindRange).max(MAX_LIST_LENGTH))(value.kinds));
  if (value.time === null) out.time = null;
  else assign(out, "time", itemOf(uint)(value.time));
  assign(out, "count", itemOf(uint)(value.count));
  return out;
}

function parseNips(raw: Raw, notes: string[]): number[] | undefined {
  const nips = list(raw, "supported_nips", itemOf(nipNumber), notes);
  return nips === undefined ? undefined : [...new Set(nips)].sort((a, b) => a - b);
}

/** Parses a NIP-11 document (any JSON value) into typed fields plus notes on what was dropped. */
export function parseNip11(raw: unknown): { data: Nip11Document; notes: string[] } {
  const notes: string[] = [];
  const data: Nip11Document = {};
  if (!isObject(raw)) return { data, notes: ["document is not a JSON object"] };
  for (const key of STRING_FIELDS) assign(data, key, field(raw, key, text, "string", notes));
  assign(data, "pubkey", field(raw, "pubkey", hex64, "64-char hex", notes));
  assign(data, "self", field(raw, "self", hex64, "64-char hex", notes));
  assign(data, "supported_nips", parseNips(raw, notes));
  assign(data, "limitation", parseLimitation(raw, notes));
  assign(data, "fees", parseFees(raw, notes));
  assign(data, "retention", list(raw, "retention", parseRetention, notes));
  for (const key of ["relay_countries", "language_tags", "tags"] as const) {
    assign(data, key, list(raw, key, itemOf(short), notes));
  }
  return { data, notes };
}
