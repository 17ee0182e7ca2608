/** Shared OpenAPI schemas: the error body, JSON GET routes and the query parameter helpers. */
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { NETWORKS } from "../models/network.js";

export const errorSchema = z
  .object({
    error: z.object({
      status: z.int(),
      code: z.enum([
        "bad_request",
        "unauthorized",
        "not_found",
        "rate_limited",
        "timeout",
        "unavailable",
        "internal",
      ]),
      message: z.string(),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: "Each problem with the request, with where it is (query.limit)" }),
    }),
  })
  .openapi("Error");

const DESCRIPTIONS: Record<number, string> = {
  400: "Bad input; `issues` names each problem's path",
  401: "Unknown API key",
  404: "Not found",
  429: "Rate limited; retry after Retry-After seconds",
  503: "The database is unavailable",
  504: "The query took longer than the statement timeout",
};

/** A response with a JSON body of `schema`. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { "application/json": { schema } } };
}

/** The error responses of a route, each with the error body. */
export function errorResponses(...statuses: number[]) {
  const out: Record<number, ReturnType<typeof jsonResponse<typeof errorSchema>>> = {};
  for (const s of statuses) out[s] = jsonResponse(DESCRIPTIONS[s] ?? "Error", errorSchema);
  return out;
}

type RouteRequest = NonNullable<RouteConfig["request"]>;

/** What a JSON GET route declares besides its method. */
interface JsonRouteSpec<P extends string, R extends RouteRequest, S extends z.ZodType> {
  path: P;
  tags: string[];
  summary: string;
  description?: string;
  request: R;
  /** The 200 answer: its description and body schema. */
  ok: readonly [string, S];
  /** The error statuses it may answer, each with the error body. */
  errors: readonly number[];
}

/** A GET route answering JSON: 200 with `ok`'s body, and the error body for each of `errors`. */
export function jsonRoute<P extends string, R extends RouteRequest, S extends z.ZodType>(
  spec: JsonRouteSpec<P, R, S>,
) {
  const { ok, errors, ...route } = spec;
  return createRoute({
    method: "get",
    ...route,
    responses: { 200: jsonResponse(ok[0], ok[1]), ...errorResponses(...errors) },
  });
}

/** A list parameter: comma-separated and/or repeated (`kinds=1,7` or `kinds=1&kinds=7`). */
export function listParam<T extends z.ZodType>(item: T, max: number, description: string) {
  return z
    .preprocess(
      (v) =>
        typeof v === "string"
          ? v.split(",")
          : Array.isArray(v)
            ? v.flatMap((x) => String(x).split(","))
            : v,
      z.array(item).min(1).max(max),
    )
    .optional()
    .openapi({
      type: "string",
      description: `${description} (comma-separated and/or repeated, at most ${max})`,
    });
}

/** What a query parameter was given, quoted, for an error message. */
export const quoted = (input: unknown) => JSON.stringify(String(input));

/** One of `values`; anything else is refused naming the value and the allowed ones. */
export function enumParam<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => `${quoted(iss.input)} is not one of ${values.join(", ")}`,
  });
}

/** `network`: any of the networks listed. */
export const networksParam = () =>
  listParam(enumParam(NETWORKS), NETWORKS.length, "Networks (any of them)");

/**
 * An integer query parameter from `min` to `max` (decimal digits only); anything else is
 * refused naming the value and the range expected.
 */
export const intParam = (min: number, max: number) =>
  z
    .string()
    .refine((v) => /^\d{1,16}$/.test(v) && Number(v) >= min && Number(v) <= max, {
      error: (iss) => `${quoted(iss.input)} is not an integer from ${min} to ${max}`,
    })
    .transform(Number)
    .openapi({ type: "integer", minimum: min, maximum: max });

/** An optional unix-seconds query parameter. */
export const timeParam = (description: string) =>
  intParam(0, 2 ** 40)
    .optional()
    .openapi({ description });

/**
 * The paging parameters of a listing: `limit` (default and maximum from api.yaml's limits) and
 * `cursor`, the opaque position the previous page's `next` gave.
 */
export function pageParams(limits: { default_page_size: number; max_page_size: number }) {
  const { default_page_size: def, max_page_size: max } = limits;
  return {
    limit: intParam(1, max)
      .default(def)
      .openapi({ description: `Page size (default ${def}, at most ${max})` }),
    cursor: z
      .string()
      .max(512)
      .optional()
      .openapi({ description: "Opaque cursor from the previous page's `next`" }),
  };
}
