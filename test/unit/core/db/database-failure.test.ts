import { describe, expect, it } from "vitest";
import {
  ConnectionLost,
  isDatabaseFailure,
  UniqueViolation,
} from "../../../../src/core/db/errors.js";
import { RelayClientError } from "../../../../src/nips/nip01/errors.js";

describe("isDatabaseFailure", () => {
  it("finds the database's failure inside a relay client's error", () => {
    // Found by the outage e2e test: the signature check's archive lookup failed during an
    // outage, the relay client wrapped it, and the relay was blamed (relay_sync_failed).
    const lookup = new ConnectionLost("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED");
    const wrapped = new RelayClientError("signature verification failed", { cause: lookup });
    expect(isDatabaseFailure(wrapped)).toBe(true);
    expect(isDatabaseFailure(new UniqueViolation("duplicate key", "23505"))).toBe(true);
    expect(isDatabaseFailure(new Error("timeout exceeded when trying to connect"))).toBe(true);
  });

  it("leaves a relay's own failures to the relay", () => {
    // A relay refusing the connection is not the database (no DbError anywhere).
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7777"), {
      code: "ECONNREFUSED",
    });
    expect(isDatabaseFailure(new RelayClientError("connection failed", { cause: refused }))).toBe(
      false,
    );
    expect(isDatabaseFailure(new RelayClientError("signature verification failed"))).toBe(false);
  });
});
