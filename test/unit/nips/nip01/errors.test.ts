import { describe, expect, it } from "vitest";
import {
  AuthRequiredError,
  BlockedError,
  closedError,
  DuplicateError,
  InvalidError,
  MuteError,
  PowError,
  RateLimitedError,
  RelayClientError,
  RelayClosedError,
  RelayError,
  RelayTimeoutError,
  RestrictedError,
} from "../../../../src/nips/nip01/errors.js";

describe("closedError", () => {
  it.each([
    ["auth-required: log in", AuthRequiredError, "auth-required"],
    ["restricted: members only", RestrictedError, "restricted"],
    ["rate-limited: slow down", RateLimitedError, "rate-limited"],
    ["blocked: go away", BlockedError, "blocked"],
    ["invalid: bad filter", InvalidError, "invalid"],
    ["pow: difficulty 20", PowError, "pow"],
    ["duplicate: seen", DuplicateError, "duplicate"],
    ["mute: no", MuteError, "mute"],
    ["error: db down", RelayError, "error"],
  ])("%s", (message, ErrorClass, prefix) => {
    const error = closedError("sub", message);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(RelayClosedError);
    expect(error).toBeInstanceOf(RelayClientError);
    expect(error.prefix).toBe(prefix);
    expect(error.reason).toBe(message);
    expect(error.subId).toBe("sub");
    expect(error.name).toBe(ErrorClass.name);
  });

  it("keeps an unknown prefix on the base class", () => {
    const error = closedError("s", "payment-required: pay");
    expect(error.constructor).toBe(RelayClosedError);
    expect(error.prefix).toBe("payment-required");
  });

  it("handles a message without prefix", () => {
    const error = closedError("s", "go away");
    expect(error.constructor).toBe(RelayClosedError);
    expect(error.prefix).toBeUndefined();
  });

  it("describes timeouts", () => {
    expect(new RelayTimeoutError("eose", 50).message).toBe("relay timeout: no EOSE within 50 ms");
    expect(new RelayTimeoutError("idle", 5).message).toBe("relay timeout: no message within 5 ms");
  });
});
