import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { jsonWithEtag, prepareJson, sendJson } from "../../../src/api/json-response.js";

const DATA = {
  relays: Array.from({ length: 300 }, (_, i) => `wss://relay${i}.example`),
  note: "ünïcødé 🤙",
};

function app() {
  const prepared = prepareJson(DATA);
  const hono = new Hono();
  hono.get("/kept", (c) => sendJson(c, prepared, { compress: true }));
  hono.get("/fresh", (c) => jsonWithEtag(c, DATA));
  const get = (path: string, headers: Record<string, string> = {}) =>
    hono.request(path, { headers });
  return { prepared, get };
}

const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

describe("prepared JSON answers", () => {
  it("sends the prepared bytes, compressed once per coding the client accepts", async () => {
    const { prepared, get } = app();
    const plain = await get("/kept");
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(JSON.parse((await bytes(plain)).toString())).toEqual(DATA);
    expect(plain.headers.get("vary")).toBe("Accept-Encoding");

    const br = await get("/kept", { "Accept-Encoding": "gzip, deflate, br" });
    expect(br.headers.get("content-encoding")).toBe("br");
    const brBody = await bytes(br);
    expect(brBody.length).toBeLessThan(prepared.body.length / 3);
    expect(JSON.parse(brotliDecompressSync(brBody).toString())).toEqual(DATA);

    const gz = await get("/kept", { "Accept-Encoding": "gzip;q=1.0, br;q=0" });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(JSON.parse(gunzipSync(await bytes(gz)).toString())).toEqual(DATA);

    const kept = prepared.coded.get("br");
    await get("/kept", { "Accept-Encoding": "br" });
    expect(prepared.coded.get("br")).toBe(kept);
    expect([...prepared.coded.keys()].sort()).toEqual(["br", "gzip"]);
  });

  it("gives each coding its own ETag and answers 304 for any of them", async () => {
    const { prepared, get } = app();
    const tags = await Promise.all(
      ["identity", "br", "gzip"].map(async (coding) => {
        const r = await get("/kept", { "Accept-Encoding": coding });
        return r.headers.get("etag") as string;
      }),
    );
    expect(tags[0]).toBe(prepared.etag);
    expect(new Set(tags).size).toBe(3);
    for (const held of tags) {
      const r = await get("/kept", { "Accept-Encoding": "br", "If-None-Match": `W/${held}` });
      expect(r.status).toBe(304);
    }
    const other = await get("/kept", { "If-None-Match": '"something-else"' });
    expect(other.status).toBe(200);
  });

  it("leaves a per-request answer uncompressed, with the same ETag as a prepared one", async () => {
    const { prepared, get } = app();
    const r = await get("/fresh", { "Accept-Encoding": "br, gzip" });
    expect(r.headers.get("content-encoding")).toBeNull();
    expect(r.headers.get("etag")).toBe(prepared.etag);
    expect(JSON.parse((await bytes(r)).toString())).toEqual(DATA);
  });
});
