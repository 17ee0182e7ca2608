/**
 * NIP-66 publishing of one monitor cycle, to the relays of `publishing.relays` (none: off):
 * a kind 30166 for each relay whose WebSocket opened in this run (never for a dead one), and,
 * each on its own interval with a checkpoint written only when some relay accepted it, the
 * monitor's kind 0 profile, kind 10002 relay list, kind 10166 announcement and kind 10050 DM
 * relays (its operators' inbox, docs/alerts.md). One publisher
 * (one connection per target relay) serves the whole cycle; outcomes are counted per kind.
 */

import { proxyOf } from "../../core/config/proxy.js";
import type { NetworksConfig } from "../../core/config/schemas.js";
import {
  readMonitorMark,
  writeMonitorMark,
} from "../../core/db/service-state/monitor-checkpoint.js";
import type { ServiceContext } from "../../core/service.js";
import { NETWORKS, type Network } from "../../models/index.js";
import { buildProfile } from "../../nips/nip01/profile.js";
import { createPublisher, type Publisher } from "../../nips/nip01/publish.js";
import { buildRelayList } from "../../nips/nip65/relay-list.js";
import { buildMonitorAnnouncement, type MonitorCheck } from "../../nips/nip66/announcement.js";
import { buildRelayDiscovery } from "../../nips/nip66/discovery-event.js";
import type { Resolver } from "../../utils/dns.js";
import { type EventTemplate, signEvent } from "../../utils/keys.js";
import type { MonitorConfig } from "./config.js";
import type { RelayRun } from "./history-writer.js";
import { monitorMetrics } from "./metrics.js";
import { inboxRelays } from "./operator-inbox.js";

/** Discovery events sent at once (each to every target relay, through the one publisher). */
const DISCOVERY_CONCURRENCY = 4;

export interface PublishingDeps {
  config: MonitorConfig;
  networks: NetworksConfig;
  allowPrivate: boolean;
  secretKey: Uint8Array;
  resolver?: Resolver;
}

export interface PublishingReport {
  discovery: number;
  skipped: number;
  periodic: number;
}

export const PERIODIC_CHECKPOINTS = ["profile", "relay_list", "announcement", "dm_relays"] as const;
type Periodic = (typeof PERIODIC_CHECKPOINTS)[number];

/** The announcement's `timeout` per check: the first enabled network's timeout. */
function announcedChecks(config: MonitorConfig, networks: NetworksConfig, enabled: Network[]) {
  const first = enabled[0];
  const timeoutMs = Math.round((first ? networks[first].timeout : 10) * 1000);
  const c = config.processing.checks;
  const checks: MonitorCheck[] = [];
  if (c.rtt.enabled) checks.push("open", "read", ...(c.rtt.write ? (["write"] as const) : []));
  for (const name of ["nip11", "ssl", "dns", "geo", "net", "http"] as const) {
    if (c[name].enabled) checks.push(name);
  }
  return checks.map((check) => ({ check, timeoutMs }));
}

export class MonitorPublishing {
  readonly #d: PublishingDeps;
  readonly #ctx: ServiceContext;
  readonly #publisher: Publisher;
  readonly #targets: readonly string[];
  readonly #pending = new Set<Promise<void>>();
  readonly report: PublishingReport = { discovery: 0, skipped: 0, periodic: 0 };

  constructor(ctx: ServiceContext, deps: PublishingDeps) {
    this.#d = deps;
    this.#ctx = ctx;
    this.#targets = deps.config.publishing.relays;
    const proxyUrls: Partial<Record<Network, string>> = {};
    for (const n of NETWORKS) {
      const { proxyUrl } = proxyOf(deps.networks, n);
      if (proxyUrl) proxyUrls[n] = proxyUrl;
    }
    this.#publisher = createPublisher({
      timeoutMs: Math.round(deps.config.publishing.timeout * 1000),
      secretKey: deps.secretKey,
      proxyUrls,
      allowPrivate: deps.allowPrivate,
      allowInsecure: deps.config.processing.allow_insecure,
      signal: ctx.signal,
      ...(deps.resolver ? { resolver: deps.resolver } : {}),
    });
  }

  /** Signs and sends one event to every target; true when at least one relay accepted it. */
  async #send(template: EventTemplate, kind: string): Promise<boolean> {
    const event = signEvent(template, this.#d.secretKey);
    const outcomes = await this.#publisher.publish(event, this.#targets);
    const m = monitorMetrics(this.#ctx.metrics);
    for (const o of outcomes) {
      m.published.inc({ kind, outcome: o.status });
      if (o.status !== "accepted") {
        const reason = o.reason;
        this.#ctx.log.debug({ kind, relay: o.url, outcome: o.status, reason }, "publish_refused");
      }
    }
    return outcomes.some((o) => o.status === "accepted");
  }

  /** Queues the 30166 of a run just written (no event for a relay whose open failed). */
  relayChecked(run: RelayRun): void {
    if (!this.#d.config.publishing.discovery.enabled) return;
    const built = buildRelayDiscovery({
      url: run.relay.url,
      network: run.relay.network,
      nip11: run.results.nip11,
      checks: run.results,
      createdAt: run.generatedAt,
      writeKind: this.#d.config.processing.checks.rtt.write_kind,
    });
    if (!built.ok) {
      this.report.skipped++;
      return;
    }
    const task = (async () => {
      while (this.#pending.size > DISCOVERY_CONCURRENCY) await Promise.race(this.#pending);
      if (await this.#send(built.template, "30166")) this.report.discovery++;
    })();
    const tracked = task.catch(() => {});
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #template(which: Periodic, now: number, enabled: Network[]): EventTemplate {
    const p = this.#d.config.publishing;
    if (which === "profile") {
      const { enabled: _on, interval: _every, ...fields } = p.profile;
      const set = Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined);
      return buildProfile(Object.fromEntries(set), now);
    }
    if (which === "dm_relays") {
      const tags = inboxRelays(this.#d.config).map((url) => ["relay", url]);
      return { kind: 10050, created_at: now, tags, content: "" };
    }
    if (which === "relay_list") {
      return buildRelayList(
        this.#targets.map((url) => ({ url, usage: "write" as const })),
        now,
      );
    }
    return buildMonitorAnnouncement({
      frequencySeconds: this.#d.config.processing.recheck_interval,
      checks: announcedChecks(this.#d.config, this.#d.networks, enabled),
      networks: enabled,
      createdAt: now,
    });
  }

  /** Whether operators may DM the monitor (alerts.operators on, with inbox relays). */
  #dmInbox(): boolean {
    const c = this.#d.config;
    return c.alerts.operators.enabled && inboxRelays(c).length > 0;
  }

  /** Kind 0, 10002, 10166 and 10050, each when its checkpoint is older than its interval. */
  async periodic(enabled: Network[]): Promise<void> {
    const p = this.#d.config.publishing;
    const settings: [Periodic, { enabled: boolean; interval: number }][] = [
      ["profile", p.profile],
      ["relay_list", p.relay_list],
      ["announcement", p.announcement],
      // NIP-17: where to DM the monitor (its operators' commands), on relay_list's schedule.
      ["dm_relays", { ...p.relay_list, enabled: p.relay_list.enabled && this.#dmInbox() }],
    ];
    const kinds: Record<Periodic, string> = {
      profile: "0",
      relay_list: "10002",
      announcement: "10166",
      dm_relays: "10050",
    };
    for (const [which, s] of settings) {
      if (!s.enabled) continue;
      const last = (await readMonitorMark(this.#ctx.db, which)) ?? -1;
      const now = this.#ctx.now();
      if (last > now - s.interval) continue;
      if (!(await this.#send(this.#template(which, now, enabled), kinds[which]))) continue;
      this.report.periodic++;
      await writeMonitorMark(this.#ctx.db, which, now);
    }
  }

  /** Waits for the queued discovery events, then closes the connections. */
  async close(): Promise<void> {
    await Promise.all(this.#pending);
    await this.#publisher.close();
  }
}
