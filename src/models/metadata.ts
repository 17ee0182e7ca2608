/**
 * Content-addressed metadata (spec §1.5): a check result is sanitised, written as canonical
 * JSON byte-identical to Python's
 *   json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
 * and identified by the SHA-256 of its UTF-8 bytes. The rules are in docs/canonical-json.md.
 *
 * Numbers: JS cannot tell 1 from 1.0. A plain JS number that is an integer is written as an
 * integer (any magnitude, exactly: 1e22 → 10000000000000000000000); other plain numbers and
 * every `Float` are written as Python's float repr (1.0, -0.0, 1e-07, 1.5e+16).
 */
import { createHash } from "node:crypto";
import { BrotrError } from "./errors.js";
import type { MetadataType } from "./metadata-type.js";
import { LONE_SURROGATE } from "./text.js";

/** Marks a number as a float, so integral values print like Python floats (`1.0`). */
export class Float {
  constructor(readonly value: number) {}
}

/** Sanitising refused the value; `path` is a JSON path such as `$.data.tags[2]`. */
export class CanonicalJsonError extends BrotrError {
  readonly path: string;
  constructor(message: string, path: string) {
    super(`${message} at ${path}`);
    this.path = path;
  }
}

export const MAX_CANONICAL_DEPTH = 50;

export type CanonicalValue =
  | string
  | number
  | bigint
  | boolean
  | Float
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

/** A stored metadata row: `data` is the canonical JSON string, `id` its SHA-256. */
export interface Metadata {
  id: Buffer;
  type: MetadataType;
  data: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function checkString(s: string, path: string, what: string): string {
  if (s.includes("\u0000")) throw new CanonicalJsonError(`NUL character in ${what}`, path);
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError(`lone surrogate in ${what}`, path);
  return s;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isEmpty(value: CanonicalValue | undefined): value is undefined {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObjectValue(value) && Object.keys(value).length === 0;
}

function isPlainObjectValue(value: CanonicalValue): value is { [key: string]: CanonicalValue } {
  return typeof value === "object" && !(value instanceof Float) && !Array.isArray(value);
}

function sanitizeArray(items: unknown[], path: string, depth: number): CanonicalValue[] {
  const out: CanonicalValue[] = [];
  items.forEach((item, i) => {
    const v = sanitizeAt(item, childPath(path, i), depth + 1);
    if (!isEmpty(v)) out.push(v);
  });
  return out;
}

function sanitizeObject(obj: Record<string, unknown>, path: string, depth: number) {
  const out: { [key: string]: CanonicalValue } = {};
  for (const key of Object.keys(obj)) {
    const keyPath = childPath(path, key);
    checkString(key, keyPath, "key");
    const v = sanitizeAt(obj[key], keyPath, depth + 1);
    if (!isEmpty(v)) out[key] = v;
  }
  return out;
}

function sanitizeAt(value: unknown, path: string, depth: number): CanonicalValue | undefined {
  if (depth > MAX_CANONICAL_DEPTH) {
    throw new CanonicalJsonError(`nesting deeper than ${MAX_CANONICAL_DEPTH}`, path);
  }
  switch (typeof value) {
    case "string":
      return checkString(value, path, "string");
    case "boolean":
    case "bigint":
      return value;
    case "number":
      return Number.isFinite(value) ? value : undefined;
    case "object":
      if (value === null) return undefined;
      if (value instanceof Float) return Number.isFinite(value.value) ? value : undefined;
      if (Array.isArray(value)) return sanitizeArray(value, path, depth);
      return isPlainObject(value) ? sanitizeObject(value, path, depth) : undefined;
    default:
      return undefined; // undefined, functions, symbols
  }
}

/**
 * Spec §1.5 sanitising: drops null/undefined, non-finite numbers, values of unknown types
 * (Date, Map, class instances, functions…) and containers that end up empty; throws
 * CanonicalJsonError on NUL, lone surrogates and nesting deeper than 50. The top level is
 * kept even when empty; undefined means the top level itself was dropped.
 */
export function sanitizeForCanonical(value: unknown): CanonicalValue | undefined {
  return sanitizeAt(value, "$", 0);
}

/** Orders strings by Unicode code point (as Python does), not by UTF-16 code unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000–U+FFFF: shift both ranges.
    const fix = (u: number) => (u >= 0xe000 ? u - 0x800 : u >= 0xd800 ? u + 0x2000 : u);
    return fix(x) - fix(y);
  }
  return a.length - b.length;
}

/** Python's float repr: shortest round-trip digits, exponent form when exp < -4 or >= 16. */
export function formatPythonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError("non-finite float");
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa = "", expText = "0"] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = String(Math.abs(exp)).padStart(2, "0");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${sign}${intPart}.${digits.slice(exp + 1) || "0"}`;
}

function writeNumber(x: number): string {
  return Number.isInteger(x) ? BigInt(x).toString() : formatPythonFloat(x);
}

function write(value: CanonicalValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return writeNumber(value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Float) return formatPythonFloat(value.value);
  if (Array.isArray(value)) return `[${value.map(write).join(",")}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(value[k] as CanonicalValue)}`).join(",")}}`;
}

/**
 * Canonical JSON of a sanitised value. Strings go through JSON.stringify, which (once NUL
 * and lone surrogates are refused) escapes exactly what Python's ensure_ascii=False does:
 * `"`, `\`, the short escapes and other C0 controls as lowercase \u00xx; all else raw.
 */
export function canonicalJson(value: unknown): string {
  const clean = sanitizeForCanonical(value);
  return clean === undefined ? "null" : write(clean);
}

/**
 * SHA-256 (32 bytes) of the UTF-8 canonical JSON.
 * @public the content address on its own (tested against the Python original's hashes)
 */
export function metadataId(value: unknown): Buffer {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest();
}

/**
 * Builds the stored row for one check result; `type` is not part of the hash.
 */
export function buildMetadata(type: MetadataType, value: unknown): Metadata {
  const data = canonicalJson(value);
  return { id: createHash("sha256").update(data, "utf8").digest(), type, data };
}
