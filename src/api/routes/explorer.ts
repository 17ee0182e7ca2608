/**
 * The web explorer: `/` and `/assets/*` from the web/ folder, and the browser builds of its
 * packages (uPlot, d3-geo, topojson-client, the world-atlas countries) straight from
 * node_modules under `/assets/vendor/`. Files are read once at startup; nothing comes from
 * another host, so the explorer works offline.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative } from "node:path";
import type { ApiApp } from "../context.js";
import { ApiError } from "../errors.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** Vendor file name -> [package, its file next to the package's resolved entry]. */
const VENDOR: Record<string, [string, string]> = {
  "uPlot.iife.min.js": ["uplot/dist/uPlot.iife.min.js", ""],
  "uPlot.min.css": ["uplot/dist/uPlot.min.css", ""],
  "d3-array.min.js": ["d3-array", "d3-array.min.js"],
  "d3-geo.min.js": ["d3-geo", "d3-geo.min.js"],
  "topojson-client.min.js": ["topojson-client", "topojson-client.min.js"],
  "countries-110m.json": ["world-atlas/countries-110m.json", ""],
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(path: string): Asset {
  const body = readFileSync(path);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return { body, type: TYPES[extname(path)] ?? "application/octet-stream", etag };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Every file the explorer serves, by URL path. */
export function loadExplorerAssets(webDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const path of listFiles(webDir)) {
    assets.set(`/assets/${relative(webDir, path).split("\\").join("/")}`, asset(path));
  }
  const require = createRequire(import.meta.url);
  for (const [name, [spec, sibling]] of Object.entries(VENDOR)) {
    const resolved = require.resolve(spec);
    assets.set(
      `/assets/vendor/${name}`,
      asset(sibling ? join(dirname(resolved), sibling) : resolved),
    );
  }
  return assets;
}

export function registerExplorer(app: ApiApp, webDir: string): void {
  const assets = loadExplorerAssets(webDir);
  const serve = (path: string, maxAge: number) => {
    const found = assets.get(path);
    if (found === undefined) throw new ApiError(404, "not_found", `no file ${path}`);
    return (ifNoneMatch: string | undefined) => {
      const headers = {
        "Content-Type": found.type,
        ETag: found.etag,
        "Cache-Control": `public, max-age=${maxAge}`,
      };
      if (ifNoneMatch === found.etag) return new Response(null, { status: 304, headers });
      return new Response(new Uint8Array(found.body), { status: 200, headers });
    };
  };
  app.get("/", (c) => serve("/assets/index.html", 60)(c.req.header("if-none-match")));
  app.get("/assets/*", (c) => serve(c.req.path, 3600)(c.req.header("if-none-match")));
}
