/**
 * One NIP-77 reconciliation over a relay client: NEG-OPEN with our opening message, then
 * NEG-MSG both ways until our answer is empty, then NEG-CLOSE. Each round's differences go
 * to `onDiff` (awaited, so the caller can fetch what we lack while the relay computes its
 * next answer) and are not kept here: memory is our record set, one message each way and
 * the ids already reported. Failures are typed (errors.ts; RelayTimeoutError "neg-msg" and
 * RelayDisconnectedError from the client).
 */
import type { Filter } from "../../models/event-types.js";
import { onAbort } from "../../utils/abort.js";
import {
  type RelayClient,
  RelayDisconnectedError,
  RelayTimeoutError,
  type SubscriptionSink,
} from "../nip01/index.js";
import { splitPrefix } from "../nip01/messages.js";
import { NegProtocolError, NegUnsupportedError, negErrError } from "./errors.js";
import { type Diff, MIN_FRAME_SIZE_LIMIT, Reconciler } from "./reconciler.js";
import type { RecordSet } from "./records.js";
import { fromHex, PROTOCOL_VERSION, toHex } from "./wire.js";

export const NEG_DEFAULTS = {
  /** Our messages, in bytes before hex (strfry's client default: fits a 128 KiB frame). */
  frameSizeLimit: 60_000,
  /** Max wait for the relay's first answer: a relay without NIP-77 is often just silent. */
  openTimeoutMs: 5_000,
  /** Max wait for each later answer. */
  timeoutMs: 30_000,
  /** A session that has not converged after this many rounds is given up. */
  maxRounds: 500,
} as const;

export interface NegSyncOptions {
  /** The filter both sides select their records with (NIP-01, without limit). */
  filter: Filter;
  /** Our records for that filter. */
  records: RecordSet;
  frameSizeLimit?: number;
  openTimeoutMs?: number;
  timeoutMs?: number;
  maxRounds?: number;
  signal?: AbortSignal;
  /** Called (and awaited) with each round's new differences, each id once per session. */
  onDiff?: (diff: Diff) => void | Promise<void>;
}

export interface NegSyncResult {
  /** Messages the relay answered (NEG-OPEN included). */
  rounds: number;
  /** Ids we have and the relay lacks, and the reverse. */
  have: number;
  need: number;
}

type Reply = { ok: true; hex: string } | { ok: false; error: Error };

/** Frames of one subscription id, waited for one at a time. */
class Inbox implements SubscriptionSink {
  #queue: Reply[] = [];
  #wake: (() => void) | undefined;
  #answered = false;

  #push(reply: Reply): void {
    this.#queue.push(reply);
    this.#wake?.();
  }
  onEvent(): void {}
  onEose(): void {}
  onClosed(message: string): void {
    this.#push({ ok: false, error: new NegUnsupportedError(`CLOSED ${JSON.stringify(message)}`) });
  }
  onNegMsg(message: string): void {
    this.#answered = true;
    this.#push({ ok: true, hex: message });
  }
  onNegErr(message: string, maxRecords: number | undefined): void {
    this.#push({ ok: false, error: negErrError(message, splitPrefix(message).prefix, maxRecords) });
  }
  onNotice(message: string): void {
    // Before the first answer, a NOTICE is how most relays say "unknown message type".
    if (this.#answered) return;
    this.#push({ ok: false, error: new NegUnsupportedError(`NOTICE ${JSON.stringify(message)}`) });
  }
  onDisconnect(error: Error): void {
    this.#push({ ok: false, error });
  }

  /** The next frame; RelayTimeoutError after `timeoutMs` of silence, the reason on abort. */
  async next(timeoutMs: number, signal: AbortSignal | undefined): Promise<Reply> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return queued;
    let timer: NodeJS.Timeout | undefined;
    let off = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        this.#wake = resolve;
        timer = setTimeout(() => reject(new RelayTimeoutError("neg-msg", timeoutMs)), timeoutMs);
        if (signal) off = onAbort(signal, () => reject(signal.reason));
      });
      return this.#queue.shift() as Reply;
    } finally {
      clearTimeout(timer);
      off();
      this.#wake = undefined;
    }
  }
}

function frameLimit(requested: number | undefined): number {
  const limit = requested ?? NEG_DEFAULTS.frameSizeLimit;
  return limit === 0 ? 0 : Math.max(MIN_FRAME_SIZE_LIMIT, limit);
}

function decode(reconciler: Reconciler, hex: string, first: boolean) {
  const bytes = fromHex(hex);
  // A server that cannot speak V1 answers with the one version byte it does speak.
  if (first && bytes.length === 1 && bytes[0] !== PROTOCOL_VERSION) {
    throw new NegUnsupportedError(`relay speaks negentropy version 0x${bytes[0]?.toString(16)}`);
  }
  return reconciler.reconcile(bytes);
}

async function deliver(onDiff: NegSyncOptions["onDiff"], diff: Diff): Promise<void> {
  if (onDiff && (diff.have.length > 0 || diff.need.length > 0)) await onDiff(diff);
}

/** Reconciles `records` with the relay's events for `filter`. */
export async function negentropySync(
  client: RelayClient,
  options: NegSyncOptions,
): Promise<NegSyncResult> {
  options.signal?.throwIfAborted();
  const reconciler = new Reconciler(options.records, "initiator", {
    frameSizeLimit: frameLimit(options.frameSizeLimit),
  });
  const inbox = new Inbox();
  const channel = client.openChannel(inbox);
  const result: NegSyncResult = { rounds: 0, have: 0, need: 0 };
  let open = false;
  const send = (frame: unknown[]) => {
    if (!channel.send(JSON.stringify(frame))) {
      throw new RelayDisconnectedError(client.closeReason ?? "not connected");
    }
  };
  let pending: Promise<void> = Promise.resolve();
  try {
    send(["NEG-OPEN", channel.subId, options.filter, toHex(reconciler.initiate())]);
    open = true;
    for (;;) {
      const first = result.rounds === 0;
      const wait = first
        ? (options.openTimeoutMs ?? NEG_DEFAULTS.openTimeoutMs)
        : (options.timeoutMs ?? NEG_DEFAULTS.timeoutMs);
      const reply = await inbox.next(wait, options.signal).catch((error: unknown) => {
        if (first && error instanceof RelayTimeoutError) {
          throw new NegUnsupportedError(`no answer to NEG-OPEN within ${wait} ms`);
        }
        throw error;
      });
      if (!reply.ok) {
        open = false;
        throw reply.error;
      }
      result.rounds++;
      const step = decode(reconciler, reply.hex, first);
      if (step.next !== null) {
        if (result.rounds >= (options.maxRounds ?? NEG_DEFAULTS.maxRounds)) {
          throw new NegProtocolError(`no agreement after ${result.rounds} rounds`);
        }
        send(["NEG-MSG", channel.subId, toHex(step.next)]);
      }
      result.have += step.have.length;
      result.need += step.need.length;
      // The relay works on our next message while the caller handles this one's ids.
      await pending;
      pending = deliver(options.onDiff, step);
      pending.catch(() => {}); // awaited below or next round: no unhandled rejection meanwhile
      if (step.next === null) {
        await pending;
        return result;
      }
    }
  } finally {
    if (open) channel.send(JSON.stringify(["NEG-CLOSE", channel.subId]));
    channel.close();
    // A failed session returns only once the caller's handling of earlier ids has settled.
    await pending.catch(() => {});
  }
}
