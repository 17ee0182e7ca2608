/**
 * A deliberately small JSONPath subset for picking relay URLs out of an API response.
 *
 *   $                 the document itself
 *   .name  ["name"]   an object member (name: letters, digits, `_`, `-`; quoted: any text
 *                     without `"` or `\`)
 *   [3]               an array element (non-negative index)
 *   [*]  .*           every element of an array, or every value of an object
 *
 * Examples: `$[*]` (an array of URLs), `$.relays[*]`, `$.data[*].url`, `$.*.url`.
 * Nothing else (no filters, slices, unions or recursive descent): an expression outside the
 * subset is a configuration error, reported when the config is loaded.
 */

export type PathStep =
  | { readonly kind: "member"; readonly name: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "wildcard" };

export type JsonPath = readonly PathStep[];

export type ParsedPath = { ok: true; path: JsonPath } | { ok: false; error: string };

const MAX_EXPRESSION_LENGTH = 256;
const MAX_STEPS = 16;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*/;
const BRACKET = /^\[(?:(\*)|(0|[1-9][0-9]{0,8})|"([^"\\]*)")\]/;

function nextStep(rest: string): { step: PathStep; length: number } | string {
  if (rest.startsWith(".*")) return { step: { kind: "wildcard" }, length: 2 };
  if (rest.startsWith(".")) {
    const name = NAME.exec(rest.slice(1))?.[0];
    if (name === undefined) return `expected a member name after "." at "${rest}"`;
    return { step: { kind: "member", name }, length: name.length + 1 };
  }
  const bracket = BRACKET.exec(rest);
  if (bracket === null) return `unsupported syntax at "${rest}" (allowed: .name ["name"] [n] [*])`;
  const [all, star, index, quoted] = bracket;
  if (star !== undefined) return { step: { kind: "wildcard" }, length: all.length };
  if (index !== undefined)
    return { step: { kind: "index", index: Number(index) }, length: all.length };
  return { step: { kind: "member", name: quoted ?? "" }, length: all.length };
}

/** Parses an expression of the subset above; the error says where it went wrong. */
export function parseJsonPath(expression: string): ParsedPath {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: `longer than ${MAX_EXPRESSION_LENGTH} characters` };
  }
  if (!expression.startsWith("$")) return { ok: false, error: 'must start with "$"' };
  const path: PathStep[] = [];
  let rest = expression.slice(1);
  while (rest !== "") {
    const next = nextStep(rest);
    if (typeof next === "string") return { ok: false, error: next };
    path.push(next.step);
    if (path.length > MAX_STEPS) return { ok: false, error: `more than ${MAX_STEPS} steps` };
    rest = rest.slice(next.length);
  }
  return { ok: true, path };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Appends what `step` selects in `value` (no spread: arrays may hold millions of items). */
function apply(step: PathStep, value: unknown, out: unknown[], limit: number): void {
  if (step.kind === "wildcard") {
    const items = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
    for (const item of items) {
      if (out.length >= limit) return;
      out.push(item);
    }
  } else if (step.kind === "index") {
    if (Array.isArray(value) && step.index < value.length) out.push(value[step.index]);
  } else if (isObject(value) && Object.hasOwn(value, step.name)) {
    out.push(value[step.name]);
  }
}

/**
 * Every value the path selects, in document order. Missing members, out-of-range indexes and
 * steps applied to the wrong type select nothing (no error): an API changing shape yields zero
 * URLs, which the caller reports. At most `limit` values are returned.
 */
export function evaluateJsonPath(path: JsonPath, document: unknown, limit: number): unknown[] {
  let current: unknown[] = [document];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (next.length >= limit) break;
      apply(step, value, next, limit);
    }
    current = next;
  }
  return current;
}
