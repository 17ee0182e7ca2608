/**
 * NIP-77 as the responder, one connection's sessions: NEG-OPEN reads the filter's records
 * (time, id) from the archive, at most `max_neg_records` (more: NEG-ERR "blocked"), and
 * answers each message with our reconciler (nips/nip77) in the responder role. Frames of a
 * connection are handled in order, one at a time.
 */
import { negentropyRecords } from "../../core/db/relay/archive-reads.js";
import { Reconciler, RecordSet } from "../../nips/nip77/index.js";
import { fromHex, toHex } from "../../nips/nip77/wire.js";
import { checkFilters, validSubId } from "./client-filters.js";
import type { RelayRuntime } from "./runtime.js";

/** Our answers' size bound (bytes before hex): fits the 128 KiB frames clients accept. */
const FRAME_SIZE_LIMIT = 60_000;
/** Sessions one connection may hold (each holds its records: 40 bytes each). */
const MAX_SESSIONS = 4;

export class NegentropySessions {
  readonly #rt: RelayRuntime;
  readonly #send: (frame: unknown[]) => void;
  readonly #sessions = new Map<string, Reconciler>();
  #chain: Promise<void> = Promise.resolve();

  constructor(runtime: RelayRuntime, send: (frame: unknown[]) => void) {
    this.#rt = runtime;
    this.#send = send;
  }

  handle(verb: string, msg: unknown[]): void {
    this.#chain = this.#chain.then(() => this.#handle(verb, msg));
  }

  dispose(): void {
    this.#sessions.clear();
  }

  #error(subId: string, reason: string): void {
    this.#sessions.delete(subId);
    this.#send(["NEG-ERR", subId, reason]);
  }

  async #handle(verb: string, msg: unknown[]): Promise<void> {
    const subId = msg[1];
    if (!validSubId(subId)) {
      this.#rt.metrics.refusals.inc({ reason: "invalid" });
      this.#send(["NOTICE", `invalid: ${verb} needs a subscription id of 1-64 characters`]);
      return;
    }
    const session = this.#sessions.get(subId);
    // NEG-OPEN replaces a session of the same id; NEG-CLOSE ends it.
    if (verb !== "NEG-MSG") this.#sessions.delete(subId);
    if (verb === "NEG-OPEN") {
      const opened = await this.#open(subId, msg[2]);
      if (opened !== null) this.#answer(subId, opened, msg[3]);
    } else if (verb === "NEG-MSG") {
      if (session === undefined) this.#error(subId, "closed: no such negentropy session");
      else this.#answer(subId, session, msg[2]);
    }
  }

  async #open(subId: string, rawFilter: unknown): Promise<Reconciler | null> {
    const checked = checkFilters([rawFilter], this.#rt.config.limits);
    if (!checked.ok) {
      this.#rt.metrics.refusals.inc({ reason: checked.label });
      this.#error(subId, checked.reason);
      return null;
    }
    if (this.#sessions.size >= MAX_SESSIONS) {
      this.#rt.metrics.refusals.inc({ reason: "subscriptions" });
      this.#error(subId, `blocked: at most ${MAX_SESSIONS} negentropy sessions at once`);
      return null;
    }
    const max = this.#rt.config.limits.max_neg_records;
    try {
      const rows = await negentropyRecords(this.#rt.db, checked.filters[0] ?? {}, max);
      this.#rt.outage.succeeded();
      if (rows.length > max) {
        this.#rt.metrics.refusals.inc({ reason: "too_many_records" });
        this.#error(subId, `blocked: this query matches more than ${max} events; narrow it`);
        return null;
      }
      const records = RecordSet.from(rows.map((r) => ({ timestamp: r.createdAt, id: r.id })));
      const session = new Reconciler(records, "responder", { frameSizeLimit: FRAME_SIZE_LIMIT });
      this.#sessions.set(subId, session);
      return session;
    } catch (error) {
      const { reason, label } = this.#rt.explain(error);
      this.#rt.metrics.refusals.inc({ reason: label });
      this.#error(subId, reason);
      return null;
    }
  }

  #answer(subId: string, session: Reconciler, hex: unknown): void {
    try {
      if (typeof hex !== "string") throw new Error("the message is not a hex string");
      this.#send(["NEG-MSG", subId, toHex(session.respond(fromHex(hex)))]);
    } catch (error) {
      this.#rt.metrics.refusals.inc({ reason: "invalid" });
      this.#error(subId, `invalid: ${(error as Error).message}`);
    }
  }
}
