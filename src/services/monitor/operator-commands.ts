/**
 * A relay operator's DM commands (docs/alerts.md): `subscribe <relay url>`, `unsubscribe <relay
 * url>`, `list`, anything else gets the usage. Carried out in the transaction that claims the
 * command's gift wrap; the answer is the text of the reply DM. Only the relay's operator (the
 * `pubkey` of its newest fetched NIP-11 document) may subscribe to its alerts.
 */
import {
  listSubscriptions,
  operatorOwner,
  subscribeOperator,
  unsubscribeOperator,
} from "../../core/db/alert-subscriptions.js";
import type { Db } from "../../core/db/pool.js";
import { relayOperators } from "../../core/db/read/relay-operators.js";
import { parseRelayUrl } from "../../models/relay-url.js";

export type OperatorCommand =
  | { verb: "subscribe" | "unsubscribe"; url: string }
  | { verb: "list" }
  | { verb: "help"; problem?: string };

export const USAGE =
  "Commands: `subscribe <relay url>` (alerts of a relay whose NIP-11 pubkey is yours), " +
  "`unsubscribe <relay url>`, `list`.";

/** The command a message gives (its first line, case-insensitive verb). */
export function parseCommand(text: string, allowPrivate: boolean): OperatorCommand {
  const words = (text.trim().split("\n")[0] ?? "").trim().split(/\s+/);
  const verb = (words[0] ?? "").toLowerCase();
  if (verb === "list" && words.length === 1) return { verb: "list" };
  if ((verb === "subscribe" || verb === "unsubscribe") && words.length === 2) {
    const parsed = parseRelayUrl(words[1] ?? "", { allowPrivate });
    if (!parsed.ok)
      return { verb: "help", problem: `${words[1]} is not a relay URL (${parsed.reason})` };
    return { verb, url: parsed.url };
  }
  return { verb: "help" };
}

export interface CommandEnv {
  /** The operator's alert kinds and the relays its alerts and replies go to. */
  kinds: string[];
  dmRelays: string[];
  maxPerPubkey: number;
  now: number;
}

/** What came of a command: its outcome (stored, counted) and the reply's text. */
export interface CommandResult {
  outcome: string;
  reply: string;
}

async function subscribe(db: Db, sender: string, url: string, env: CommandEnv) {
  const operators = await relayOperators(db, [url]);
  if (!operators.has(url)) {
    return {
      outcome: "unknown_relay",
      reply: `Refused: ${url} is not a relay this monitor checks.`,
    };
  }
  const operator = operators.get(url) ?? null;
  if (operator !== sender) {
    const named = operator === null ? "names no pubkey" : `is ${operator}`;
    return {
      outcome: "not_operator",
      reply: `Refused: you are not the operator of ${url} (its NIP-11 pubkey ${named}).`,
    };
  }
  const op = { pubkey: sender, relayUrl: url, dmRelays: env.dmRelays, kinds: env.kinds };
  const done = await subscribeOperator(db, op, { max: env.maxPerPubkey, now: env.now });
  if (done === "full") {
    return {
      outcome: "full",
      reply: `Refused: you already have ${env.maxPerPubkey} subscriptions (the most allowed).`,
    };
  }
  const what = done === "already" ? "You were already subscribed" : "Subscribed";
  return { outcome: done, reply: `${what}: alerts of ${url} (${env.kinds.join(", ")}).` };
}

/** Carries out `command` from `sender` (in the caller's transaction). */
export async function runCommand(
  db: Db,
  sender: string,
  command: OperatorCommand,
  env: CommandEnv,
): Promise<CommandResult> {
  switch (command.verb) {
    case "subscribe":
      return subscribe(db, sender, command.url, env);
    case "unsubscribe": {
      const gone = await unsubscribeOperator(db, sender, command.url);
      return gone
        ? { outcome: "unsubscribed", reply: `Unsubscribed: no more alerts of ${command.url}.` }
        : { outcome: "not_subscribed", reply: `You were not subscribed to ${command.url}.` };
    }
    case "list": {
      const subs = await listSubscriptions(db, operatorOwner(sender));
      const urls = subs.flatMap((s) => s.relays);
      const reply = urls.length === 0 ? "No subscriptions." : `Subscribed to: ${urls.join(", ")}`;
      return { outcome: "listed", reply };
    }
    case "help":
      return { outcome: "help", reply: command.problem ? `${command.problem}. ${USAGE}` : USAGE };
  }
}
