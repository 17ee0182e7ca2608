/**
 * Once per cycle, the relay operators' DM commands (docs/alerts.md): the gift wraps on the
 * monitor's inbox relays not seen before are opened (NIP-17, the sender verified by its seal's
 * signature), each claimed in the transaction that carries its command out (so once across
 * restarts and replicas), at most `rate_limit` commands per sender an hour; each carried-out
 * command is answered by DM on the inbox relays.
 */
import {
  claimDmCommand,
  processedWraps,
  recordDmOutcome,
} from "../../core/db/alert-dm-commands.js";
import { transaction } from "../../core/db/transaction.js";
import type { ServiceContext } from "../../core/service.js";
import type { ServiceDeps } from "../../core/service-deps.js";
import type { NostrEvent } from "../../models/event-types.js";
import { createPublisher, type Publisher } from "../../nips/nip01/publish.js";
import { openPrivateMessage } from "../../nips/nip17/private-message.js";
import type { Resolver } from "../../utils/dns.js";
import { derivePubkey } from "../../utils/keys.js";
import type { MonitorConfig } from "./config.js";
import { readInbox } from "./dm-inbox.js";
import { sendText } from "./dm-sink.js";
import { type CommandResult, parseCommand, runCommand } from "./operator-commands.js";

const HOUR = 3600;

export interface InboxReport {
  wraps: number;
  commands: number;
}

/** Where the monitor reads its DMs: alerts.operators.inbox_relays, else publishing.relays. */
export function inboxRelays(config: MonitorConfig): string[] {
  const own = config.alerts.operators.inbox_relays;
  return own.length > 0 ? own : config.publishing.relays;
}

interface Phase {
  ctx: ServiceContext;
  config: MonitorConfig;
  secretKey: Uint8Array;
  relays: string[];
  allowPrivate: boolean;
  publisher: Publisher;
}

type Handled = { outcome: string; reply?: string; to?: string };

/** Claims and carries out one wrap; undefined when another process or pass had it. */
async function handleWrap(p: Phase, wrap: NostrEvent): Promise<Handled | undefined> {
  const o = p.config.alerts.operators;
  const now = p.ctx.now();
  const opened = openPrivateMessage(wrap, p.secretKey);
  const sender = opened.ok ? opened.message.sender : null;
  const outcome = await transaction(p.ctx.db, async (tx): Promise<Handled | undefined> => {
    const claim = await claimDmCommand(tx, { wrapId: wrap.id, sender, now, rateSince: now - HOUR });
    if (claim === null) return undefined;
    if (!opened.ok) {
      await recordDmOutcome(tx, wrap.id, "unreadable");
      p.ctx.log.debug({ wrap: wrap.id, reason: opened.reason }, "operator_dm_unreadable");
      return { outcome: "unreadable" };
    }
    if (claim.recent > o.rate_limit) {
      await recordDmOutcome(tx, wrap.id, "rate_limited");
      return { outcome: "rate_limited" };
    }
    const command = parseCommand(opened.message.text, p.allowPrivate);
    const env = { kinds: [...o.kinds], dmRelays: p.relays, maxPerPubkey: o.max_per_pubkey, now };
    const result = await runCommand(tx, opened.message.sender, command, env);
    await recordDmOutcome(tx, wrap.id, result.outcome);
    return { ...result, to: opened.message.sender };
  });
  if (outcome !== undefined) {
    p.ctx.metrics
      .counter("brotr_alert_commands_total", "Operator DM commands by outcome", ["outcome"])
      .inc({ outcome: outcome.outcome });
  }
  return outcome;
}

async function reply(p: Phase, to: string, result: CommandResult): Promise<void> {
  const failed = await sendText(p.publisher, p.secretKey, to, p.relays, result.reply);
  const fields = { sender: to, outcome: result.outcome };
  if (failed === null) p.ctx.log.info(fields, "operator_command_answered");
  else p.ctx.log.warn({ ...fields, reason: failed }, "operator_reply_failed");
}

type Common = { allowPrivate: boolean; signal: AbortSignal; resolver?: Resolver };

/** The inbox's wraps not processed yet, newest first, at most max_wraps. */
async function freshWraps(p: Phase, deps: ServiceDeps, timeoutMs: number, common: Common) {
  const o = p.config.alerts.operators;
  const read = await readInbox({
    relays: p.relays,
    pubkey: derivePubkey(p.secretKey),
    secretKey: p.secretKey,
    since: p.ctx.now() - o.lookback,
    limit: o.max_wraps,
    timeoutMs,
    networks: deps.brotr.networks,
    ...common,
  });
  for (const f of read.failed) p.ctx.log.warn(f, "operator_inbox_unreadable");
  const seen = await processedWraps(
    p.ctx.db,
    read.wraps.map((w) => w.id),
  );
  return read.wraps.filter((w) => !seen.has(w.id)).slice(0, o.max_wraps);
}

/** Reads and carries out the operators' new commands; never throws (a failure is logged). */
export async function runOperatorInbox(
  deps: ServiceDeps,
  config: MonitorConfig,
  ctx: ServiceContext,
  resolver?: Resolver,
): Promise<InboxReport> {
  const relays = inboxRelays(config);
  const secretKey = deps.secretKey;
  const report = { wraps: 0, commands: 0 };
  if (!config.alerts.operators.enabled || relays.length === 0 || secretKey === undefined) {
    return report;
  }
  const allowPrivate = deps.brotr.allow_private;
  const timeoutMs = config.alerts.timeout * 1000;
  const common: Common = { allowPrivate, signal: ctx.signal, ...(resolver ? { resolver } : {}) };
  const publisher = createPublisher({ timeoutMs, secretKey, ...common });
  const p: Phase = { ctx, config, secretKey, relays, allowPrivate, publisher };
  try {
    const fresh = await freshWraps(p, deps, timeoutMs, common);
    report.wraps = fresh.length;
    for (const wrap of fresh) {
      if (ctx.signal.aborted) break;
      const handled = await handleWrap(p, wrap);
      if (handled === undefined) continue;
      report.commands++;
      const { reply: text, to, outcome } = handled;
      if (text !== undefined && to !== undefined) await reply(p, to, { outcome, reply: text });
    }
  } catch (error) {
    ctx.log.warn({ err: error }, "operator_inbox_failed");
  } finally {
    await publisher.close();
  }
  return report;
}
