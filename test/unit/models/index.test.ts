import { describe, expect, it } from "vitest";
import * as models from "../../../src/models/index.js";

describe("models index", () => {
  it.each([
    "parseRelayUrl",
    "isPrivateAddress",
    "validateEvent",
    "computeEventId",
    "hasValidId",
    "tagValues",
    "matchFilter",
    "matchFilters",
    "validateFilter",
    "canonicalJson",
    "metadataId",
    "sanitizeForCanonical",
  ])("exports function %s", (name) => {
    expect(typeof (models as Record<string, unknown>)[name]).toBe("function");
  });

  it("lists the seven metadata types and the state types", () => {
    expect(models.METADATA_TYPES).toEqual([
      "nip11_info",
      "nip66_rtt",
      "nip66_ssl",
      "nip66_geo",
      "nip66_net",
      "nip66_dns",
      "nip66_http",
    ]);
    expect(models.STATE_TYPES).toEqual(["checkpoint", "cursor", "candidate"]);
  });
});
