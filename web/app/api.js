/** Calls the API of the server that served the page. */

/** A refused or failed call: the API's message, its HTTP status (0 when none came back). */
export class ApiFailure extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

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
  if (!res.ok) throw new ApiFailure(body?.error?.message ?? `HTTP ${res.status}`, res.status);
  return body;
}
