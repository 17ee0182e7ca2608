import { describe, expect, it } from "vitest";
import type { Nip11Document, Nip11Limitation } from "../../../../src/nips/nip11/types.js";
import type { RelayPolicy } from "../../../../src/nips/nip66/policy.js";
import { assessAccess, relayTypes } from "../../../../src/nips/nip66/requirements.js";
import type { Nip66Rtt } from "../../../../src/nips/nip66/rtt.js";
import type { RttPhase } from "../../../../src/nips/nip66/rtt-phase.js";

/** R and T: probes override the NIP-11 self-report, but only for what their answer names. */
const ok: RttPhase = { status: "ok", ms: 5 };
const refused = (policy: RelayPolicy): RttPhase => ({
  status: "refused",
  policy,
  reason: `${policy}: no`,
  ms: 5,
});
const failed: RttPhase = { status: "failed", reason: "no OK within 100 ms", ms: 100 };
const skipped: RttPhase = { status: "skipped", reason: "no key to sign a write probe" };

const rtt = (read: RttPhase, write: RttPhase, auth: Nip66Rtt["auth"] = "none"): Nip66Rtt => ({
  openMs: 1,
  read,
  write,
  auth,
  insecure: false,
});

const claims = (limitation: Nip11Limitation): Nip11Document => ({ limitation });
const NONE_CLAIMED = claims({});
const ALL_CLAIMED = claims({
  auth_required: true,
  payment_required: true,
  restricted_writes: true,
  min_pow_difficulty: 8,
});

describe("assessAccess", () => {
  it.each([
    // [case, nip11, rtt, requirements, readAuth]
    [
      "write accepted: no payment, restriction, pow or auth",
      ALL_CLAIMED,
      rtt(ok, ok),
      { auth: false, payment: false, writes: false, pow: true },
      false,
    ],
    [
      "write accepted behind AUTH: auth as claimed",
      ALL_CLAIMED,
      rtt(ok, ok, "ok"),
      { auth: true, payment: false, writes: false, pow: true },
      true,
    ],
    [
      "write accepted behind AUTH, nothing claimed",
      undefined,
      rtt(ok, ok, "ok"),
      { payment: false, writes: false, pow: false },
      undefined,
    ],
    [
      "auth-required write",
      NONE_CLAIMED,
      rtt(ok, refused("auth-required"), "challenged"),
      { auth: true, payment: false, writes: false, pow: false },
      false,
    ],
    [
      "auth-required read",
      NONE_CLAIMED,
      rtt(refused("auth-required"), skipped, "challenged"),
      { auth: true, payment: false, writes: false, pow: false },
      true,
    ],
    [
      "payment-required write",
      NONE_CLAIMED,
      rtt(ok, refused("payment-required")),
      { auth: false, payment: true, writes: false, pow: false },
      false,
    ],
    [
      "restricted write: writes are restricted",
      NONE_CLAIMED,
      rtt(ok, refused("restricted")),
      { auth: false, payment: false, writes: true, pow: false },
      false,
    ],
    [
      "pow write",
      NONE_CLAIMED,
      rtt(ok, refused("pow")),
      { auth: false, payment: false, writes: false, pow: true },
      false,
    ],
    [
      "rate-limited write proves nothing",
      ALL_CLAIMED,
      rtt(failed, refused("rate-limited")),
      { auth: true, payment: true, writes: true, pow: true },
      true,
    ],
    ["blocked write proves nothing", undefined, rtt(failed, refused("blocked")), {}, undefined],
    [
      "failed write, no NIP-11: only the read speaks",
      undefined,
      rtt(ok, failed),
      { auth: false },
      false,
    ],
    ["nothing probed, nothing claimed", undefined, rtt(skipped, skipped), {}, undefined],
    [
      "nothing probed: the claims",
      ALL_CLAIMED,
      rtt(skipped, skipped),
      { auth: true, payment: true, writes: true, pow: true },
      true,
    ],
  ] as const)("%s", (_case, nip11, probes, requirements, readAuth) => {
    expect(assessAccess(nip11, probes)).toEqual({ requirements, readAuth });
  });
});

describe("relayTypes", () => {
  const known = { auth: false, payment: false, writes: false };
  it.each([
    [false, known, ["PublicInbox"]],
    [false, { ...known, writes: true }, ["PublicOutbox"]],
    [false, { ...known, payment: true }, ["PublicOutbox"]],
    [true, known, ["PrivateInbox"]],
    [true, { ...known, auth: true }, ["PrivateStorage"]],
    [undefined, known, []],
    [false, { auth: false }, []],
    [true, { auth: true }, ["PrivateStorage"]],
  ] as const)("readAuth %s, %j → %j", (readAuth, requirements, types) => {
    expect(relayTypes([1], { requirements, readAuth })).toEqual(types);
  });

  it("adds Community (NIP-29) and Search (NIP-50)", () => {
    const access = { requirements: {}, readAuth: undefined };
    expect(relayTypes([1, 29, 50], access)).toEqual(["Community", "Search"]);
  });
});
