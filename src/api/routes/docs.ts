/** GET /openapi.json (generated from the routes) and GET /docs (a readable reference of it). */

import type { ApiApp } from "../context.js";
import { renderReferencePage } from "../reference-page.js";
import { API_VERSION } from "../version.js";

const INFO = {
  title: "bigbrotr API",
  version: API_VERSION,
  description:
    "Read-only data of a bigbrotr Nostr observatory: relays and their checks (NIP-11, NIP-66), uptime history, the online set, archived events and statistics. Pages use opaque keyset cursors: pass a page's `next` as `cursor` for the next page; a null `next` is the last page.",
};

export function registerDocs(app: ApiApp): void {
  const config = { openapi: "3.1.0", info: INFO };
  // Generated once, on first request (every route is registered by then).
  let json: string | undefined;
  let page: string | undefined;
  const doc = () => app.getOpenAPI31Document(config);
  app.get("/openapi.json", (c) => {
    json ??= JSON.stringify(doc());
    c.header("Cache-Control", "public, max-age=300");
    c.header("Content-Type", "application/json");
    return c.body(json);
  });
  app.get("/docs", (c) => {
    page ??= renderReferencePage(doc() as never);
    c.header("Cache-Control", "public, max-age=300");
    return c.html(page);
  });
}
