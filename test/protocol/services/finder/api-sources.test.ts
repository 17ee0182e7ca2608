import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/core/config/load.js";
import { brotrConfigSchema } from "../../../../src/core/config/schemas.js";
import {
  fetchSource,
  networkOfHost,
  type SourceResult,
} from "../../../../src/services/finder/api-sources.js";
import { apiSourceSchema } from "../../../../src/services/finder/config.js";
import { chunked, type JsonServer, json, stall, startJsonServer } from "./json-server.js";

const URLS = ["wss://a.example.com", "wss://b.example.com/path", "wss://user:pw@c.example.com"];
let server: JsonServer;

beforeAll(async () => {
  server = await startJsonServer({
    "/list": json([...URLS, 42, null, { url: "wss://obj.example.com" }]),
    "/nested": json({
      data: [{ url: "wss://n1.example.com" }, { url: "wss://n2.example.com" }, {}],
    }),
    "/error": json({ error: "boom" }, 500),
    "/not-found-json": json([], 404),
    "/garbage": json("<html>not json</html>"),
    "/big-declared": json(Array.from({ length: 2000 }, (_, i) => `wss://r${i}.example.com`)),
    "/big-chunked": chunked(64 * 1024),
    "/slow": stall,
    "/moved": (_req, res) => {
      res.writeHead(302, { location: "/list" });
      res.end();
    },
  });
});
afterAll(() => server.close());

const privateOk = parseConfig(brotrConfigSchema, { allow_private: true }, "brotr.yaml");
const guarded = parseConfig(brotrConfigSchema, {}, "brotr.yaml");

function fetch(
  path: string,
  source: Record<string, unknown> = {},
  brotr = privateOk,
): Promise<SourceResult> {
  const config = apiSourceSchema.parse({ url: `${server.url}${path}`, ...source });
  return fetchSource(config, { brotr, signal: new AbortController().signal });
}

describe("fetchSource against a loopback server", () => {
  it("keeps the string results of the path expression", async () => {
    expect(await fetch("/list")).toEqual({ ok: true, urls: URLS, nonStrings: 3, truncated: false });
    expect(await fetch("/nested", { expression: "$.data[*].url" })).toEqual({
      ok: true,
      urls: ["wss://n1.example.com", "wss://n2.example.com"],
      nonStrings: 0,
      truncated: false,
    });
  });

  it("follows a redirect", async () => {
    expect(await fetch("/moved")).toMatchObject({ ok: true, urls: URLS });
  });

  it("yields nothing (not an error) when the document has another shape", async () => {
    expect(await fetch("/nested")).toEqual({ ok: true, urls: [], nonStrings: 1, truncated: false });
  });

  it.each([
    ["/error", "http-status", /HTTP 500/],
    ["/not-found-json", "http-status", /HTTP 404/],
    ["/garbage", "invalid-json", /not JSON/],
  ])("%s fails with %s", async (path, kind, reason) => {
    const result = await fetch(path);
    expect(result).toMatchObject({ ok: false, kind });
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("caps an oversized body, declared or streamed, with a clear reason", async () => {
    for (const path of ["/big-declared", "/big-chunked"]) {
      const result = await fetch(path, { max_response_size: 1024 });
      expect(result).toEqual({
        ok: false,
        kind: "too-large",
        reason: "body larger than 1024 bytes",
      });
    }
  });

  it("gives up on a body that trickles past the timeout", async () => {
    const started = performance.now();
    const result = await fetch("/slow", { timeout: 0.5, connect_timeout: 0.5 });
    expect(result).toMatchObject({ ok: false, kind: "timeout" });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("refuses a private address unless allow_private", async () => {
    const before = server.hits.get("/list") ?? 0;
    const result = await fetch("/list", {}, guarded);
    expect(result).toMatchObject({ ok: false, kind: "private-address" });
    expect(server.hits.get("/list") ?? 0).toBe(before);
  });

  it("refuses an overlay source when its network is disabled", async () => {
    const config = apiSourceSchema.parse({ url: "http://exampleexampleexample.onion/list" });
    const result = await fetchSource(config, {
      brotr: guarded,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ ok: false, kind: "network-disabled", reason: "tor is disabled" });
  });

  it("stops at once when the cycle is aborted", async () => {
    const abort = new AbortController();
    const config = apiSourceSchema.parse({ url: `${server.url}/slow`, timeout: 20 });
    const pending = fetchSource(config, { brotr: privateOk, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    expect(await pending).toMatchObject({ ok: false, kind: "aborted" });
  });
});

describe("networkOfHost", () => {
  it.each([
    ["api.nostr.watch", "clearnet"],
    ["127.0.0.1", "clearnet"],
    ["abc.onion", "tor"],
    ["ABC.ONION.", "tor"],
    ["x.b32.i2p", "i2p"],
    ["y.loki", "loki"],
  ])("%s → %s", (host, network) => {
    expect(networkOfHost(host)).toBe(network);
  });
});
