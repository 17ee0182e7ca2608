import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../src/models/event-types.js";
import {
  type BackendName,
  loadBackend,
  type SignatureBackend,
} from "../../../src/utils/verify/backend.js";
import { nostrToolsSignedEvents, wasmSignedEvents, withTamperedSig } from "./events.js";

const nativeAvailable = await loadBackend("native").then(
  () => true,
  () => false,
);

let events: NostrEvent[] = [];
beforeAll(async () => {
  events = [...(await wasmSignedEvents(40)), ...nostrToolsSignedEvents(5)];
});

describe.each<BackendName>(["native", "wasm"])("%s backend", (name) => {
  let backend: SignatureBackend;
  beforeAll(async () => {
    if (name === "native" && !nativeAvailable) return;
    backend = await loadBackend(name);
  });
  const run = name === "native" && !nativeAvailable ? it.skip : it;

  run("reports its name", () => {
    expect(backend.name).toBe(name);
  });

  run("accepts events signed by nostr-wasm and by nostr-tools", () => {
    for (const ev of events) expect(backend.verify(ev.id, ev.pubkey, ev.sig)).toBe(true);
  });

  run("rejects a changed signature, another pubkey and another message", () => {
    const [a, b] = events as [NostrEvent, NostrEvent]; // signed with different keys
    expect(a.pubkey).not.toBe(b.pubkey);
    expect(backend.verify(a.id, a.pubkey, withTamperedSig(a).sig)).toBe(false);
    expect(backend.verify(a.id, b.pubkey, a.sig)).toBe(false);
    expect(backend.verify(b.id, a.pubkey, a.sig)).toBe(false);
  });

  run("fails closed on malformed input, never throws", () => {
    const { id, pubkey, sig } = events[0]!;
    const notOnCurve = "f".repeat(64); // x >= field prime: not a point
    const cases: [unknown, unknown, unknown][] = [
      [id.toUpperCase(), pubkey, sig],
      [id, pubkey.toUpperCase(), sig],
      [id, pubkey, sig.slice(0, 126)],
      [id.slice(1), pubkey, sig],
      [id, `${pubkey.slice(0, 63)}g`, sig],
      [id, pubkey, `${sig.slice(0, 127)} `],
      ["", "", ""],
      [id, notOnCurve, sig],
      [id, pubkey, "f".repeat(128)],
      [null, pubkey, sig],
      [id, 42, sig],
      [id, pubkey, undefined],
    ];
    for (const [i, p, s] of cases) {
      expect(backend.verify(i as string, p as string, s as string)).toBe(false);
    }
  });

  run("verifyBytes rejects wrong lengths", () => {
    const { id, pubkey, sig } = events[0]!;
    const [i, p, s] = [id, pubkey, sig].map((h) => Buffer.from(h, "hex")) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    expect(backend.verifyBytes(i, p, s)).toBe(true);
    expect(backend.verifyBytes(i.subarray(1), p, s)).toBe(false);
    expect(backend.verifyBytes(i, p, s.subarray(0, 63))).toBe(false);
    expect(backend.verifyBytes(new Uint8Array(i), new Uint8Array(p), new Uint8Array(s))).toBe(true);
  });
});

describe("backend selection", () => {
  it.runIf(nativeAvailable)("auto picks native when bcrypto's binding loads", async () => {
    expect((await loadBackend("auto")).name).toBe("native");
  });

  it.runIf(nativeAvailable)("native means the compiled addon, not bcrypto's JS fallback", () => {
    const require = createRequire(import.meta.url);
    // The module we load reports native = 2; the pure-JS one that bcrypto/lib/schnorr
    // switches to under NODE_BACKEND=js reports 0, so the check in loadNative() tells them apart.
    expect(require("bcrypto/lib/native/schnorr").native).toBe(2);
    expect(require("bcrypto/lib/js/schnorr").native).toBe(0);
  });

  it("wasm is always available", async () => {
    expect((await loadBackend("wasm")).name).toBe("wasm");
  });
});
