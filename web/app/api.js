/** Calls the API of the server that served the page. */

export class ApiFailure extends Error {}

/** GET a /v1 path with query parameters (undefined and "" are left out); returns parsed JSON. */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    query.set(k, String(v));
  }
  const qs = query.toString();
  const res = await fetch(qs ? `${path}?${qs}` : path, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiFailure(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}
