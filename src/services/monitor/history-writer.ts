/**
 * Where finished relay runs go: a buffer written as history plus checkpoints in ONE
 * transaction when it holds `chunkSize` runs or when `flush` is called (the service's timer,
 * the end of a cycle). Writes are serialised; `add` resolves once its run's batch is written
 * (or dropped), and only then does the relay's lease go back, so whoever takes the relay next
 * sees the checkpoint. A crash loses the runs still buffered or in flight and nothing else. A
 * failed write is kept as `error` for the cycle to throw (the database being away is the
 * cycle's failure, not a relay's).
 */
import {
  type RecordResult,
  type RelayCheck,
  recordRelayMetadata,
} from "../../core/db/relay-metadata.js";
import {
  type DueRelay,
  relayCheckpointRow,
} from "../../core/db/service-state/monitor-checkpoint.js";
import type { ServiceContext } from "../../core/service.js";
import type { MetadataType } from "../../models/metadata-type.js";
import type { ServiceState } from "../../models/service-state.js";
import { recordChanges } from "./change-recorder.js";
import type { AlertsConfig, ChangeThresholds, CheckName, MonitorChecks } from "./config.js";
import { type RelayResults, storedDocuments } from "./documents.js";
import { monitorMetrics } from "./metrics.js";

/** One relay checked: when, and what came back. */
export interface RelayRun {
  relay: DueRelay;
  generatedAt: number;
  results: RelayResults;
  /** How long the run took (ms): kept in the checkpoint, so the slowest relays start first. */
  durationMs?: number;
}

const CHECK_OF: Record<MetadataType, CheckName> = {
  nip11_info: "nip11",
  nip66_rtt: "rtt",
  nip66_ssl: "ssl",
  nip66_dns: "dns",
  nip66_geo: "geo",
  nip66_net: "net",
  nip66_http: "http",
};

export interface WrittenBatch {
  runs: readonly RelayRun[];
  documents: number;
  recorded: RecordResult;
  /** Changes newly stored with this batch. */
  changes: number;
}

export interface HistoryWriterOptions {
  /** service of the leases released after each write. */
  service: string;
  checks: MonitorChecks;
  chunkSize: number;
  /** Change detection's thresholds; absent or disabled = no detection. */
  changes?: ChangeThresholds;
  /** Subscriptions whose deliveries are queued with the changes. */
  alerts?: AlertsConfig;
  onWritten: (batch: WrittenBatch) => void;
}

/** A run waiting to be written, and what to call once its batch is written or dropped. */
interface Pending {
  run: RelayRun;
  done: () => void;
}

/** History rows of some runs (stored checks only) and the checkpoints that go with them. */
function historyOf(checks: MonitorChecks, runs: readonly RelayRun[]) {
  const rows: RelayCheck[] = [];
  const checkpoints: ServiceState[] = [];
  for (const run of runs) {
    const relay = { url: run.relay.url, network: run.relay.network, discoveredAt: run.generatedAt };
    for (const [type, doc] of storedDocuments(run.results)) {
      if (!checks[CHECK_OF[type]].store) continue;
      rows.push({ relay, type, data: doc, generatedAt: run.generatedAt });
    }
    checkpoints.push(relayCheckpointRow(run.relay.url, run.generatedAt, run.durationMs));
  }
  return { rows, checkpoints };
}

export class HistoryWriter {
  readonly #ctx: ServiceContext;
  readonly #o: HistoryWriterOptions;
  #buffer: Pending[] = [];
  #chain: Promise<void> = Promise.resolve();
  /** The first write that failed; later runs are not written. */
  error: unknown;

  constructor(ctx: ServiceContext, options: HistoryWriterOptions) {
    this.#ctx = ctx;
    this.#o = options;
  }

  /** Buffers a run; resolves once its batch is written, or dropped after a failed write. */
  add(run: RelayRun): Promise<void> {
    return new Promise((done) => {
      this.#buffer.push({ run, done });
      if (this.#buffer.length >= this.#o.chunkSize) void this.flush();
    });
  }

  /** Writes what is buffered; resolves when every write so far has finished. */
  flush(): Promise<void> {
    const pending = this.#buffer.splice(0);
    if (pending.length > 0) {
      this.#chain = this.#chain.then(async () => {
        if (this.error === undefined) await this.#write(pending.map((p) => p.run));
        for (const p of pending) p.done();
      });
    }
    return this.#chain;
  }

  async #write(runs: readonly RelayRun[]): Promise<void> {
    const { rows, checkpoints } = historyOf(this.#o.checks, runs);
    const thresholds = this.#o.changes?.enabled ? this.#o.changes : undefined;
    const now = this.#ctx.now();
    let changes = 0;
    try {
      const recorded = await recordRelayMetadata(this.#ctx.db, rows, {
        checkpoints,
        now,
        ...(thresholds && {
          within: async (client, ids) => {
            const r = await recordChanges(client, runs, ids, thresholds, now, this.#o.alerts);
            changes = r.stored;
          },
        }),
      });
      const m = monitorMetrics(this.#ctx.metrics);
      m.documents.inc({ result: "written" }, recorded.metadata);
      m.documents.inc({ result: "deduplicated" }, rows.length - recorded.metadata);
      this.#o.onWritten({ runs, documents: rows.length, recorded, changes });
    } catch (error) {
      this.error = error;
    }
  }
}
