/**
 * `bigbrotr status` asks the relay where `bigbrotr relay` listens with the same environment:
 * BIGBROTR_RELAY_PORT and BIGBROTR_RELAY_HOST override relay.yaml's address (a container binds
 * 0.0.0.0, asked on loopback), as they do for the relay service itself.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeRelay } from "../../../src/cli/relay-probe.js";
import { serverConfigDir } from "../../support/cli-server.js";
import { type FakeRelay, startFakeRelay } from "../../support/fake-relay.js";
import { freePort } from "../../support/free-port.js";

let root: string;
let relay: FakeRelay;
let dir: string;
let filePort: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bigbrotr-relay-probe-"));
  relay = await startFakeRelay({ host: "127.0.0.1" });
  // relay.yaml names a port where nothing listens; the environment names the relay's.
  filePort = await freePort();
  dir = await serverConfigDir(root, { relay: `enabled: true\nserver: { port: ${filePort} }\n` });
});

afterAll(async () => {
  await relay?.close();
  await rm(root, { recursive: true, force: true });
});

describe("probeRelay", () => {
  it("asks at relay.yaml's address without overrides", async () => {
    const probe = await probeRelay(dir, {});
    expect(probe).toMatchObject({ state: "down", url: `ws://127.0.0.1:${filePort}` });
  });

  it("asks at BIGBROTR_RELAY_PORT, as the relay service listens", async () => {
    const probe = await probeRelay(dir, { BIGBROTR_RELAY_PORT: String(relay.port) });
    expect(probe).toMatchObject({ state: "up", url: `ws://127.0.0.1:${relay.port}` });
  });

  it("asks a relay bound to every interface by BIGBROTR_RELAY_HOST on loopback", async () => {
    const env = { BIGBROTR_RELAY_HOST: "0.0.0.0", BIGBROTR_RELAY_PORT: String(relay.port) };
    const probe = await probeRelay(dir, env);
    expect(probe).toMatchObject({ state: "up", url: `ws://127.0.0.1:${relay.port}` });
  });

  it("asks at BIGBROTR_RELAY_HOST when it names an address", async () => {
    const env = { BIGBROTR_RELAY_HOST: "::1", BIGBROTR_RELAY_PORT: String(relay.port) };
    const probe = await probeRelay(dir, env);
    // The fake relay listens on 127.0.0.1 only: the probe went to ::1, as told.
    expect(probe).toMatchObject({ state: "down", url: `ws://[::1]:${relay.port}` });
  });
});
