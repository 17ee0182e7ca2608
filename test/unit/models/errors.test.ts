import { describe, expect, it } from "vitest";
import { ConnectionLost, DbError } from "../../../src/core/db/errors.js";
import { CoreRelayUnavailableError } from "../../../src/devnet/core-relay.js";
import { BrotrError, ConfigError, NotFoundError, toError } from "../../../src/models/errors.js";
import { CanonicalJsonError } from "../../../src/models/metadata.js";
import {
  AuthRequiredError,
  RelayClientError,
  RelayDisconnectedError,
  RelayTimeoutError,
} from "../../../src/nips/nip01/errors.js";
import { ConnectError } from "../../../src/utils/transport.js";

describe("BrotrError", () => {
  it("names itself after the subclass and keeps the cause", () => {
    class SomethingBrokeError extends BrotrError {}
    const cause = new Error("root");
    const error = new SomethingBrokeError("broke", { cause });
    expect(error.name).toBe("SomethingBrokeError");
    expect(error.message).toBe("broke");
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it("carries the issues of a ConfigError", () => {
    const error = new ConfigError("bad config", ["a.b: required"]);
    expect(error.issues).toEqual(["a.b: required"]);
    expect(error.name).toBe("ConfigError");
    expect(new ConfigError("x").issues).toEqual([]);
  });

  // One root for every layer: a caller tells our failures from a driver's or a bug's with one
  // instanceof, whichever layer threw.
  it.each(
    (
      [
        ["models", new CanonicalJsonError("NUL", "$.a")],
        ["models", new NotFoundError("no relay")],
        ["utils", new ConnectError("refused", "connection refused")],
        ["nips", new RelayClientError("signature verification failed")],
        ["nips", new RelayTimeoutError("eose", 10)],
        ["nips", new RelayDisconnectedError("closed")],
        ["nips", new AuthRequiredError("sub", "auth-required: log in")],
        ["core", new ConnectionLost("gone", "57P01")],
        ["devnet", new CoreRelayUnavailableError("not installed")],
      ] as const
    ).map(([layer, error]) => [layer, error.constructor.name, error] as const),
  )("%s: %s extends BrotrError", (_layer, _name, error) => {
    expect(error).toBeInstanceOf(BrotrError);
    expect(error.name).toBe(error.constructor.name);
  });

  it("keeps a DbError's code beside the root", () => {
    const error = new ConnectionLost("gone", "57P01");
    expect(error).toBeInstanceOf(DbError);
    expect(error.code).toBe("57P01");
  });
});

describe("toError", () => {
  it("passes an Error through and wraps anything else", () => {
    const error = new RangeError("r");
    expect(toError(error)).toBe(error);
    expect(toError("text").message).toBe("text");
    expect(toError({ a: 1 }).message).toBe('{"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toError(cyclic).message).toBe("[object Object]");
  });
});
