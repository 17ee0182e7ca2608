/**
 * The fake relay's NIP-77 server role (knob `negentropy`), on @nostr-dev-kit/sync's
 * `Negentropy` as responder: an implementation independent of our client (src/nips/nip77),
 * so a misreading of the spec on our side shows up as a failed sync, not as two copies of
 * one mistake agreeing. It is a devDependency, loaded by name at run time like core-relay.ts.
 * Fault knobs: negErr (after negErrAfter answers), negMaxRecords, negFrameSizeLimit,
 * negDropAfter (see fake-relay-types.ts).
 */

import { BrotrError } from "../models/errors.js";
import { matchFilter, validateFilter } from "../models/filter.js";
import type { EventStore } from "./event-store.js";
import type { FakeRelayOptions } from "./fake-relay-types.js";
import type { Outbox } from "./outbox.js";

interface NdkResponder {
  reconcile(query: Uint8Array): Promise<{ nextMessage: Uint8Array | undefined }>;
}
interface NdkStorage {
  insert(timestamp: number, id: string): void;
  seal(): void;
}
interface NdkSync {
  Negentropy: new (storage: NdkStorage, frameSizeLimit?: number) => NdkResponder;
  NegentropyStorage: new () => NdkStorage;
}

export const NEGENTROPY_PACKAGE = "@nostr-dev-kit/sync";

export class NegentropyUnavailableError extends BrotrError {}

let loading: Promise<NdkSync> | undefined;

/** Loads the responder library once; NegentropyUnavailableError with an install hint. */
export function loadNegentropyServer(): Promise<NdkSync> {
  loading ??= import(NEGENTROPY_PACKAGE).then(
    (mod: Record<string, unknown>) => mod as unknown as NdkSync,
    (err: unknown) => {
      loading = undefined;
      throw new NegentropyUnavailableError(
        `${NEGENTROPY_PACKAGE} is not installed (a devDependency: run "npm install --include=dev"): ${String(err)}`,
        { cause: err },
      );
    },
  );
  return loading;
}

/** What the NIP-77 handler needs from its connection. */
export interface NegentropyHost {
  readonly outbox: Outbox;
  readonly store: EventStore;
  options(): FakeRelayOptions;
  readRefusal(): string | null;
  /** Terminates the socket (negDropAfter). */
  drop(): void;
}

interface Session {
  responder: NdkResponder;
  answered: number;
}

/** The NEG-* verbs of one connection; frames are handled one at a time, in order. */
export class NegentropyHandler {
  readonly #host: NegentropyHost;
  readonly #sessions = new Map<string, Session>();
  #chain: Promise<void> = Promise.resolve();
  /** NEG-MSG frames sent on this connection (negDropAfter counts these). */
  #sent = 0;

  constructor(host: NegentropyHost) {
    this.#host = host;
  }

  handle(verb: string, msg: unknown[]): void {
    this.#chain = this.#chain
      .then(() => this.#handle(verb, msg))
      .catch((err: unknown) => {
        const subId = typeof msg[1] === "string" ? msg[1] : "";
        this.#sessions.delete(subId);
        this.#host.outbox.send(["NEG-ERR", subId, `error: ${String(err)}`]);
      });
  }

  dispose(): void {
    this.#sessions.clear();
  }

  async #handle(verb: string, msg: unknown[]): Promise<void> {
    const subId = msg[1];
    if (typeof subId !== "string" || subId.length === 0) {
      this.#host.outbox.send(["NOTICE", `invalid: ${verb} needs a subscription id`]);
      return;
    }
    if (verb === "NEG-CLOSE") {
      this.#sessions.delete(subId);
      return;
    }
    if (verb === "NEG-OPEN") {
      this.#sessions.delete(subId);
      const opened = await this.#open(subId, msg[2]);
      if (opened === null) return;
      this.#sessions.set(subId, opened);
      await this.#answer(subId, opened, msg[3]);
      return;
    }
    const session = this.#sessions.get(subId);
    if (session === undefined) {
      this.#host.outbox.send(["NEG-ERR", subId, "closed: no such negentropy session"]);
      return;
    }
    await this.#answer(subId, session, msg[2]);
  }

  #refuse(subId: string, reason: string, maxRecords?: number): null {
    const frame: unknown[] = ["NEG-ERR", subId, reason];
    if (maxRecords !== undefined) frame.push(maxRecords);
    this.#host.outbox.send(frame);
    return null;
  }

  /** Checks the filter and the knobs, then builds the responder over the matching events. */
  async #open(subId: string, rawFilter: unknown): Promise<Session | null> {
    const refusal = this.#host.readRefusal();
    if (refusal !== null) return this.#refuse(subId, refusal);
    const checked = validateFilter(rawFilter);
    if (!checked.ok) return this.#refuse(subId, checked.reason);
    const opts = this.#host.options();
    if (opts.negErr !== undefined && (opts.negErrAfter ?? 0) === 0) {
      return this.#refuse(subId, opts.negErr);
    }
    const { limit: _limit, ...filter } = checked.filter;
    const matching = this.#host.store.events.filter((ev) => matchFilter(filter, ev));
    const max = opts.negMaxRecords;
    if (max !== undefined && matching.length > max) {
      return this.#refuse(subId, "blocked: too many records for one negentropy session", max);
    }
    const ndk = await loadNegentropyServer();
    const storage = new ndk.NegentropyStorage();
    for (const ev of matching) storage.insert(ev.created_at, ev.id);
    storage.seal();
    return { responder: new ndk.Negentropy(storage, opts.negFrameSizeLimit ?? 0), answered: 0 };
  }

  async #answer(subId: string, session: Session, hex: unknown): Promise<void> {
    const opts = this.#host.options();
    if (typeof hex !== "string" || !/^(?:[0-9a-f]{2})+$/i.test(hex)) {
      this.#sessions.delete(subId);
      this.#refuse(subId, "invalid: message is not hex");
      return;
    }
    if (opts.negErr !== undefined && session.answered >= (opts.negErrAfter ?? 0)) {
      this.#sessions.delete(subId);
      this.#refuse(subId, opts.negErr);
      return;
    }
    if (opts.negDropAfter !== undefined && this.#sent >= opts.negDropAfter) {
      this.#host.drop();
      return;
    }
    const { nextMessage } = await session.responder.reconcile(
      new Uint8Array(Buffer.from(hex, "hex")),
    );
    session.answered++;
    this.#sent++;
    const reply = nextMessage === undefined ? "61" : Buffer.from(nextMessage).toString("hex");
    this.#host.outbox.send(["NEG-MSG", subId, reply]);
  }
}
