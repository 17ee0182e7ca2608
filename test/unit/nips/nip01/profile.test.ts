import { describe, expect, it } from "vitest";
import { buildProfile } from "../../../../src/nips/nip01/profile.js";

describe("buildProfile", () => {
  it("keeps the non-empty fields, in a fixed order, and no others", () => {
    const template = buildProfile(
      {
        lud16: "monitor@example.com",
        name: "BigBrotr Monitor",
        about: "Nostr relay monitoring service",
        picture: "",
        nip05: "   ",
        website: " https://example.com ",
      },
      1_760_000_000,
    );
    expect(template).toEqual({
      kind: 0,
      created_at: 1_760_000_000,
      tags: [],
      content:
        '{"name":"BigBrotr Monitor","about":"Nostr relay monitoring service",' +
        '"website":"https://example.com","lud16":"monitor@example.com"}',
    });
  });

  it("ignores fields outside NIP-01's profile set", () => {
    const profile = { name: "m", display_name: "x" } as Parameters<typeof buildProfile>[0];
    expect(buildProfile(profile, 1).content).toBe('{"name":"m"}');
  });

  it("writes {} for an empty profile", () => {
    expect(buildProfile({}, 1).content).toBe("{}");
  });
});
