/**
 * A relay's NIP-45 count for a filter over [since, until], checked against its own halves: a
 * relay that caps its counts answers the whole window with its cap but each half with more
 * than half of it, so a window whose halves add up to more than its answer is split again
 * (clamped windows) until the halves agree, within a request budget. A half that holds
 * everything is split further, so a cap is found even when the events sit in one corner. A
 * relay that counts the second after the window as much as the window ignores since/until.
 */
import type { Filter } from "../../models/event-types.js";
import type { CountResult } from "../../nips/nip01/index.js";

export type AskCount = (filter: Filter) => Promise<CountResult>;

export interface WindowCount {
  count: number;
  approximate: boolean;
  /** A window was left unchecked when the budget ran out: the relay has at least this. */
  lowerBound: boolean;
  /** Some window's halves added up to more than it: the relay caps its counts. */
  clamped: boolean;
  ignoresBounds: boolean;
  requests: number;
  /** The whole window's hll, as sent. */
  hll?: string;
}

interface Walk {
  ask: AskCount;
  /** The measured window's end. */
  end: number;
  filter: Filter;
  left: number;
  out: WindowCount;
}

async function askWindow(w: Walk, since: number, until: number): Promise<number> {
  w.left--;
  w.out.requests++;
  const answer = await w.ask({ ...w.filter, since, until });
  if (answer.approximate) w.out.approximate = true;
  return answer.count;
}

/** The count of [since, until] given the relay's answer `told` for it. */
async function refine(w: Walk, since: number, until: number, told: number): Promise<number> {
  if (told === 0 || until <= since) return told;
  if (w.left < 2) {
    // Not checked against its halves: the relay has at least this many (if it tells the truth).
    w.out.lowerBound = true;
    return told;
  }
  const mid = since + Math.floor((until - since) / 2);
  const a = await askWindow(w, since, mid);
  const b = await askWindow(w, mid + 1, until);
  // Both halves as many as the whole: capped at both, or since/until ignored. One second
  // right after the window tells them apart (a relay ignoring the bounds counts it all).
  if (a === told && b === told && !w.out.clamped && w.left > 0) {
    if ((await askWindow(w, w.end + 1, w.end + 1)) === told) {
      w.out.ignoresBounds = true;
      return told;
    }
  }
  if (a + b < told) return told;
  if (a + b > told) w.out.clamped = true;
  else if (a !== 0 && b !== 0) return told;
  return (await refine(w, since, mid, a)) + (await refine(w, mid + 1, until, b));
}

/** Counts [since, until] in at most `budget` (≥ 1) COUNT requests. */
export async function countWindows(
  ask: AskCount,
  filter: Filter,
  range: { since: number; until: number },
  budget: number,
): Promise<WindowCount> {
  const out: WindowCount = {
    count: 0,
    approximate: false,
    lowerBound: false,
    clamped: false,
    ignoresBounds: false,
    requests: 0,
  };
  const w: Walk = { ask, filter, end: range.until, left: budget - 1, out };
  out.requests++;
  const whole = await ask({ ...filter, since: range.since, until: range.until });
  out.approximate = whole.approximate;
  if (whole.hll !== undefined) out.hll = whole.hll;
  out.count = await refine(w, range.since, range.until, whole.count);
  return out;
}
