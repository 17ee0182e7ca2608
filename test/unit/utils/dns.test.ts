import { describe, expect, it } from "vitest";
import { type Resolver, resolvePublicAddress, systemResolver } from "../../../src/utils/dns.js";

function fakeResolver(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async lookup(host) {
      calls.push(host);
      const found = table[host];
      if (found === undefined)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return found;
    },
  };
}

const resolver = fakeResolver({
  "public.test": ["2001:4860:4860::8888", "8.8.8.8"],
  "v6only.test": ["2606:4700::1111"],
  "private.test": ["10.0.0.1"],
  "loop6.test": ["::1"],
  "linklocal.test": ["169.254.169.254"],
  "mixed.test": ["8.8.8.8", "192.168.1.1"],
  "mapped.test": ["::ffff:127.0.0.1"],
  "garbage.test": ["not-an-ip"],
  "empty.test": [],
});

const guard = (host: string, allowPrivate = false) =>
  resolvePublicAddress(host, { resolver, allowPrivate });

describe("resolvePublicAddress", () => {
  it("prefers IPv4", async () => {
    expect(await guard("public.test")).toEqual({ ok: true, address: "8.8.8.8", family: 4 });
    expect(await guard("v6only.test")).toEqual({ ok: true, address: "2606:4700::1111", family: 6 });
  });

  it.each([
    "private.test",
    "loop6.test",
    "linklocal.test",
    "mixed.test",
    "mapped.test",
    "garbage.test",
  ])("refuses %s", async (host) => {
    const result = await guard(host);
    expect(result).toMatchObject({ ok: false, kind: "private-address" });
    expect(!result.ok && result.reason).toContain(host);
  });

  it("allowPrivate lifts the guard", async () => {
    expect(await guard("private.test", true)).toEqual({ ok: true, address: "10.0.0.1", family: 4 });
    expect(await guard("loop6.test", true)).toEqual({ ok: true, address: "::1", family: 6 });
  });

  it("checks IP literals without a lookup", async () => {
    const before = resolver.calls.length;
    expect(await guard("127.0.0.1")).toMatchObject({ ok: false, kind: "private-address" });
    expect(await guard("[::1]")).toMatchObject({ ok: false, kind: "private-address" });
    expect(await guard("[2606:4700::1111]")).toEqual({
      ok: true,
      address: "2606:4700::1111",
      family: 6,
    });
    expect(await guard("1.1.1.1")).toEqual({ ok: true, address: "1.1.1.1", family: 4 });
    expect(resolver.calls.length).toBe(before);
  });

  it("reports lookup failures as dns", async () => {
    expect(await guard("nowhere.test")).toEqual({
      ok: false,
      kind: "dns",
      reason: "nowhere.test: lookup failed (ENOTFOUND)",
    });
    expect(await guard("empty.test")).toEqual({
      ok: false,
      kind: "dns",
      reason: "empty.test: no addresses",
    });
    expect(await guard("garbage.test", true)).toEqual({
      ok: false,
      kind: "dns",
      reason: "garbage.test: no usable address",
    });
  });

  it("rethrows the caller's abort", async () => {
    const controller = new AbortController();
    const slow: Resolver = {
      lookup: (_h, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener("abort", () => reject(new Error("stop"))),
        ),
    };
    const pending = resolvePublicAddress("x.test", {
      resolver: slow,
      allowPrivate: false,
      signal: controller.signal,
    });
    controller.abort(new Error("bye"));
    await expect(pending).rejects.toThrow("bye");
  });
});

describe("systemResolver", () => {
  // getaddrinfo answers "localhost" from /etc/hosts: no query leaves the machine.
  it("resolves localhost to loopback addresses, which the guard then refuses", async () => {
    const addresses = await systemResolver.lookup("localhost");
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      expect(address === "::1" || /^127\.\d+\.\d+\.\d+$/.test(address), address).toBe(true);
    }
    const guarded = await resolvePublicAddress("localhost", {
      resolver: systemResolver,
      allowPrivate: false,
    });
    expect(guarded).toMatchObject({ ok: false, kind: "private-address" });
  });
});
