/**
 * `bigbrotr status` on the relay: it connects as the read-only role and records nothing in the
 * database, so status asks it directly, as a client would: its NIP-11 document (is it up?) and,
 * when its metrics are served, its connection and subscription gauges.
 */
import { join } from "node:path";
import { parseConfig, readYamlFile } from "../core/config/load.js";
import { type RelayConfig, relayConfigSchema } from "../services/relay/config.js";
import { relayAddress } from "./environment.js";

const TIMEOUT_MS = 1500;

export type RelayProbe =
  | { state: "disabled" }
  | { state: "down"; url: string; error: string }
  | { state: "up"; url: string; name: string; connections?: number; subscriptions?: number };

/** A gauge's value in a Prometheus text exposition (summed over its label sets). */
export function gaugeOf(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || !/^[\s{]/.test(line.slice(name.length))) continue;
    const value = Number(line.trim().split(/\s+/).at(-1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

const hostOf = (host: string) => (host.includes(":") ? `[${host}]` : host);

/** A relay bound to every interface (a container's 0.0.0.0) is asked on loopback. */
const reachable = (host: string) =>
  host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;

async function gauges(config: RelayConfig) {
  const m = config.metrics;
  if (!m.enabled) return {};
  try {
    const res = await fetch(`http://${hostOf(reachable(m.host))}:${m.port}${m.path}`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    const connections = gaugeOf(text, "brotr_relay_connections");
    const subscriptions = gaugeOf(text, "brotr_relay_subscriptions");
    return {
      ...(connections === undefined ? {} : { connections }),
      ...(subscriptions === undefined ? {} : { subscriptions }),
    };
  } catch {
    return {};
  }
}

/**
 * Asks the relay relay.yaml in `configDir` describes, at the address `bigbrotr relay` listens
 * on with the same environment (`env`: BIGBROTR_RELAY_HOST, BIGBROTR_RELAY_PORT).
 */
export async function probeRelay(
  configDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RelayProbe> {
  const path = join(configDir, "services", "relay.yaml");
  const config = parseConfig(relayConfigSchema, await readYamlFile(path, true), path);
  if (!config.enabled) return { state: "disabled" };
  const server = relayAddress(config.server, env);
  const [host, port] = [reachable(server.host), server.port];
  const url = `ws://${hostOf(host)}:${port}`;
  try {
    const res = await fetch(`http://${hostOf(host)}:${port}/`, {
      headers: { accept: "application/nostr+json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const doc = (await res.json()) as { name?: unknown };
    return { state: "up", url, name: String(doc.name ?? ""), ...(await gauges(config)) };
  } catch (error) {
    return { state: "down", url, error: (error as Error).message };
  }
}

/** The status line of the relay. */
export function renderRelayProbe(p: RelayProbe): string {
  if (p.state === "disabled") return "relay: not enabled (services/relay.yaml)";
  if (p.state === "down") return `relay: not answering at ${p.url} (${p.error.slice(0, 60)})`;
  const counts =
    p.connections === undefined
      ? "connections unknown (its metrics are off)"
      : `${p.connections} connections, ${p.subscriptions ?? 0} subscriptions`;
  return `relay: up at ${p.url} (${p.name}), ${counts}`;
}
