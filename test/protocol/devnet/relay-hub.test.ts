/**
 * Relays by path on one port (src/devnet/relay-hub.ts): each path is its own relay, with its
 * own NIP-11 document, headers, events and behaviour, seen through the monitor's own checks.
 */
import { describe, expect, it } from "vitest";
import { generateEvents } from "../../../src/devnet/event-factory.js";
import { startRelayHub } from "../../../src/devnet/relay-hub.js";
import { createTestChain } from "../../../src/devnet/tls-cert.js";
import { fetchNip11 } from "../../../src/nips/nip11/index.js";
import { checkRelay } from "../../../src/nips/nip66/checks.js";
import { closeAndCheckLeaks, RawClient } from "./helpers.js";

const own = closeAndCheckLeaks();
const route = { network: "clearnet" as const, allowPrivate: true, timeoutMs: 2000 };

describe("relays by path on one port", () => {
  it("each path answers with its own NIP-11, headers, events and behaviour", async () => {
    const [a, b] = await generateEvents({ count: 2, seed: 5, kinds: [1] });
    const hub = own(
      await startRelayHub({
        relays: [
          {
            path: "/r1",
            options: { nip11: { name: "one" }, httpHeaders: { Server: "a" }, events: [a!] },
          },
          {
            path: "/r2",
            options: { nip11: { name: "two" }, httpHeaders: { Server: "b" }, events: [b!] },
          },
          { path: "/r3", options: { nip11: { name: "three" }, refuse: true } },
          { path: "/r4", options: { nip11: null, silent: true, httpHeaders: { Server: "d" } } },
        ],
      }),
    );
    const url = (path: string) => hub.relays.get(path)?.url ?? "";
    expect(url("/r2")).toBe(`ws://127.0.0.1:${hub.port}/r2`);
    const names = await Promise.all(
      ["/r1", "/r2", "/r3", "/r4"].map(async (p) => {
        const doc = await fetchNip11(url(p), route);
        return doc.status === "ok" ? doc.data.name : doc.reason;
      }),
    );
    expect(names).toEqual(["one", "two", "three", "HTTP 404"]);

    const one = await RawClient.connect(url("/r1"));
    const two = await RawClient.connect(url("/r2"));
    expect((await one.req("s", {})).map((e) => e.id)).toEqual([a?.id]);
    expect((await two.req("s", {})).map((e) => e.id)).toEqual([b?.id]);

    const checks = { ssl: false, dns: false, geo: false, net: false } as const;
    const results = await Promise.all(
      ["/r1", "/r3", "/r4"].map((p) =>
        checkRelay(url(p), { ...route, timeoutMs: 500, ...checks, rtt: { write: false } }),
      ),
    );
    const [r1, r3, r4] = results;
    expect(r1?.rtt).toMatchObject({ status: "ok", data: { read: { status: "ok" } } });
    expect(r1?.http).toMatchObject({ status: "ok", data: { server: "a" } });
    expect(r3?.rtt).toMatchObject({
      status: "error",
      reason: "http-status: HTTP 503 instead of 101",
    });
    expect(r4?.rtt).toMatchObject({ status: "ok", data: { read: { status: "failed" } } });
    expect(r4?.http).toMatchObject({ status: "ok", data: { server: "d" } });
  });

  it("over TLS with one certificate; a path no relay holds is a 404; a stopped relay is dropped", async () => {
    const { leaf } = createTestChain();
    const hub = own(
      await startRelayHub({
        tls: leaf,
        relays: [{ path: "/x", options: { nip11: { name: "x" } } }],
      }),
    );
    const x = hub.relays.get("/x");
    expect(x?.url).toBe(`wss://127.0.0.1:${hub.port}/x`);
    const tls = { ...route, allowInsecure: true };
    expect(await fetchNip11(x?.url ?? "", tls)).toMatchObject({
      status: "ok",
      data: { name: "x" },
    });
    const other = await fetchNip11(`wss://127.0.0.1:${hub.port}/y`, tls);
    expect(other).toMatchObject({ status: "error", reason: "HTTP 404" });
    await x?.stop();
    expect(x?.listening).toBe(false);
    expect((await fetchNip11(x?.url ?? "", tls)).status).toBe("error");
  });
});
