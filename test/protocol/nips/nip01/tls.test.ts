import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { connectRelay } from "../../../../src/nips/nip01/index.js";
import { fetchNip11 } from "../../../../src/nips/nip11/index.js";

// A loopback wss:// + https:// relay with a throwaway self-signed certificate.
let server: Server;
let wss: WebSocketServer;
let port = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "bigbrotr-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=relay.test",
    ],
    { stdio: "ignore" },
  );
  const key = readFileSync(join(dir, "key.pem"));
  const cert = readFileSync(join(dir, "cert.pem"));
  rmSync(dir, { recursive: true, force: true });
  server = createServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/nostr+json" }).end('{"name":"tls relay"}');
  });
  wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => ws.on("message", () => ws.send('["COUNT","x",{"count":0}]')));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});

afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const base = { network: "clearnet" as const, timeoutMs: 2000, allowPrivate: true };

describe("TLS verification", () => {
  it("refuses a self-signed certificate with kind tls", async () => {
    await expect(connectRelay(`wss://127.0.0.1:${port}`, base)).rejects.toMatchObject({
      kind: "tls",
    });
  });

  it("retries once without verification when allowInsecure", async () => {
    const client = await connectRelay(`wss://127.0.0.1:${port}`, { ...base, allowInsecure: true });
    expect(client.insecure).toBe(true);
    await client.close();
  });

  it("fetches NIP-11 over https the same way", async () => {
    const url = `wss://127.0.0.1:${port}`;
    const strict = await fetchNip11(url, base);
    expect(strict).toMatchObject({ status: "error" });
    expect(strict.status === "error" && strict.reason).toMatch(/^tls: /);
    expect(await fetchNip11(url, { ...base, allowInsecure: true })).toMatchObject({
      status: "ok",
      data: { name: "tls relay" },
      notes: ["TLS certificate not verified (allowInsecure)"],
    });
  });
});
