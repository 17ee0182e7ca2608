import { describe, expect, it } from "vitest";
import {
  applyEnvironment,
  databaseUrlFromEnv,
  databaseUrlProblem,
  portFromEnv,
  relayAddress,
} from "../../../src/cli/environment.js";
import { plural } from "../../../src/cli/plural.js";
import { brotrConfigSchema } from "../../../src/core/config/schemas.js";
import { ConfigError } from "../../../src/models/errors.js";

describe("DATABASE_URL, checked before anything starts", () => {
  it.each([
    ["notaurl", /^not a URL/],
    ["mysql://u:p@db.example.com/x", /^scheme mysql:\/\/ is not PostgreSQL's/],
    ["postgres://u:p@db.example.com:99999/x", /^port 99999 is not a port number \(1 to 65535\)$/],
    ["postgres://u:p@db.example.com:0/x", /^port 0 is not a port number/],
    ["postgres://u:p@db.example.com:54x/x", /^port 54x is not a port number/],
    ["postgres://u:p@/x", /^no host$/],
  ])("refuses %s", (url, reason) => {
    expect(databaseUrlProblem(url)).toMatch(reason);
  });

  it.each([
    "postgres://u:p@127.0.0.1:5432/bigbrotr",
    "postgresql://db.example.com/bigbrotr?sslmode=require",
    "postgres://u@[::1]:6432/x",
    "postgres:///bigbrotr?host=/var/run/postgresql",
  ])("accepts %s", (url) => {
    expect(databaseUrlProblem(url)).toBeNull();
  });

  it("names the variable, never the password; unset or empty is the embedded server", () => {
    const env = { MY_DB: "mysql://admin:hunter2@db.example.com/x" };
    let error: unknown;
    try {
      databaseUrlFromEnv(env, "MY_DB");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      "MY_DB=mysql://admin:***@db.example.com/x: scheme mysql:// is not PostgreSQL's (postgres:// or postgresql://)",
    );
    expect(databaseUrlFromEnv({}, "MY_DB")).toBeUndefined();
    expect(databaseUrlFromEnv({ MY_DB: " " }, "MY_DB")).toBeUndefined();
  });
});

describe("port variables", () => {
  it("move the embedded server and the metrics; a bad one names the variable", () => {
    const brotr = brotrConfigSchema.parse({});
    const moved = applyEnvironment(brotr, {
      BIGBROTR_DB_PORT: "55001",
      BIGBROTR_METRICS_PORT: "8201",
    });
    expect(moved.database.embedded.port).toBe(55_001);
    expect(moved.metrics.port).toBe(8201);
    expect(moved.database.embedded.data_dir).toBe(brotr.database.embedded.data_dir);
    expect(applyEnvironment(brotr, {})).toBe(brotr);
    expect(portFromEnv({ BIGBROTR_API_PORT: "8181" }, "BIGBROTR_API_PORT")).toBe(8181);
    expect(() => applyEnvironment(brotr, { BIGBROTR_API_PORT: "http" })).toThrow(
      "BIGBROTR_API_PORT=http is not a port number (1 to 65535)",
    );
    expect(() => applyEnvironment(brotr, { DATABASE_URL: "x" })).toThrow(/^DATABASE_URL=x: /);
  });
});

describe("plural", () => {
  it("says 1 line, 2 lines, 1,000 new sightings", () => {
    expect(plural(1, "line")).toBe("1 line");
    expect(plural(0, "line")).toBe("0 lines");
    expect(plural(1000, "new sighting")).toBe("1,000 new sightings");
  });
});

describe("relayAddress: BIGBROTR_RELAY_HOST / BIGBROTR_RELAY_PORT over relay.yaml", () => {
  const server = { host: "127.0.0.1", port: 7447, path: "/" };

  it("keeps the file's address when unset or empty", () => {
    expect(relayAddress(server, {})).toEqual(server);
    expect(relayAddress(server, { BIGBROTR_RELAY_HOST: " ", BIGBROTR_RELAY_PORT: "" })).toEqual(
      server,
    );
  });

  it("overrides host and port, keeping the rest", () => {
    const env = { BIGBROTR_RELAY_HOST: "0.0.0.0", BIGBROTR_RELAY_PORT: "7500" };
    expect(relayAddress(server, env)).toEqual({ host: "0.0.0.0", port: 7500, path: "/" });
  });

  it("refuses a port that is not one, naming the variable", () => {
    expect(() => relayAddress(server, { BIGBROTR_RELAY_PORT: "70000" })).toThrow(
      /^BIGBROTR_RELAY_PORT=70000 is not a port number/,
    );
  });
});
