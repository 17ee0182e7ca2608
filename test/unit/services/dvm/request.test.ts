/**
 * Reading a NIP-90 job request (ours, another DVM's, expired, encrypted) and the dvm.yaml
 * schema (an enabled DVM needs relays; pricing needs a receipt signer; retention past resume).
 */
import { encrypt } from "nostr-tools/nip04";
import { finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../../../src/models/event-types.js";
import { dvmConfigSchema } from "../../../../src/services/dvm/config.js";
import { readJobRequest } from "../../../../src/services/dvm/request.js";

const dvmKey = Uint8Array.from(Buffer.from("11".repeat(32), "hex"));
const dvm = getPublicKey(dvmKey);
const customerKey = Uint8Array.from(Buffer.from("22".repeat(32), "hex"));
const NOW = 1_800_000_000;
const request = (tags: string[][], content = "") =>
  finalizeEvent({ kind: 5400, created_at: NOW, tags, content }, customerKey) as NostrEvent;

describe("readJobRequest", () => {
  it("reads inputs and params, repeated params in order", () => {
    const out = readJobRequest(
      request([
        ["i", "nostr", "text"],
        ["param", "relay", "wss://a.com"],
        ["param", "relay", "wss://b.com"],
      ]),
      dvm,
      dvmKey,
      NOW,
    );
    expect(out.kind).toBe("job");
    if (out.kind !== "job") return;
    expect(out.job.inputs).toEqual([{ value: "nostr", type: "text" }]);
    expect(out.job.params.get("relay")).toEqual(["wss://a.com", "wss://b.com"]);
  });

  it("takes a request for anyone or for us, ignores one for others and an expired one", () => {
    expect(readJobRequest(request([["p", dvm]]), dvm, dvmKey, NOW).kind).toBe("job");
    expect(readJobRequest(request([["p", "ab".repeat(32)]]), dvm, dvmKey, NOW)).toEqual({
      kind: "ignore",
      reason: "other_dvm",
    });
    expect(readJobRequest(request([["exp", String(NOW - 1)]]), dvm, dvmKey, NOW)).toEqual({
      kind: "ignore",
      reason: "expired",
    });
  });

  it("decrypts an encrypted request's tags, and says why it cannot", () => {
    const tags = [["param", "relay", "wss://a.com"]];
    const sealed = encrypt(customerKey, dvm, JSON.stringify(tags));
    const ok = readJobRequest(request([["p", dvm], ["encrypted"]], sealed), dvm, dvmKey, NOW);
    expect(ok.kind === "job" && ok.job.params.get("relay")).toEqual(["wss://a.com"]);
    expect(readJobRequest(request([["encrypted"]], sealed), dvm, dvmKey, NOW).kind).toBe("error");
    const garbage = encrypt(customerKey, dvm, "not json");
    expect(readJobRequest(request([["p", dvm], ["encrypted"]], garbage), dvm, dvmKey, NOW)).toEqual(
      { kind: "error", reason: "the decrypted content must be a JSON array of tags" },
    );
  });
});

describe("dvm.yaml", () => {
  it("is off by default and needs relays when enabled", () => {
    expect(dvmConfigSchema.parse({}).enabled).toBe(false);
    expect(dvmConfigSchema.safeParse({ enabled: true }).success).toBe(false);
    expect(dvmConfigSchema.safeParse({ enabled: true, relays: ["ws://127.0.0.1:1"] }).success).toBe(
      true,
    );
  });

  it("refuses pricing without a receipt signer, and a retention shorter than resume_max_age", () => {
    expect(dvmConfigSchema.safeParse({ pricing: { enabled: true } }).success).toBe(false);
    const provider = "cd".repeat(32);
    const priced = { pricing: { enabled: true, provider, amounts: { "5400": 21_000 } } };
    expect(dvmConfigSchema.parse(priced).pricing.amounts).toEqual({ "5400": 21_000 });
    expect(dvmConfigSchema.safeParse({ retention: 3600, resume_max_age: 7200 }).success).toBe(
      false,
    );
  });
});
