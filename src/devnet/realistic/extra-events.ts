/**
 * Events only some relays hold: dated in 2096 (a relay that accepts any created_at), one with
 * 600 KB of content (a relay that ignores its own max_message_length), and a burst of 150
 * notes of one author in one second (more than such a relay's max_limit). Signed, and the
 * same for the same seed and relay index.
 */
import type { NostrEvent } from "../../models/event-types.js";
import { loadNostrWasm } from "../crypto.js";
import { makeUserWith } from "../fake-user.js";
import type { RealisticBehaviour } from "./behaviours.js";

/** created_at of the first future event: 2096-10-02. */
export const FUTURE_TIME = 4_000_000_000;
/** created_at of every burst event. */
export const BURST_TIME = 1_700_500_000;
export const BURST_SIZE = 150;
const OVERSIZED_BYTES = 600 * 1024;

/** The extra events of a relay with `behaviour` at `index` (none for most behaviours). */
export async function extraEvents(
  behaviour: RealisticBehaviour,
  seed: number,
  index: number,
): Promise<NostrEvent[]> {
  if (behaviour.extra === undefined) return [];
  const user = makeUserWith(await loadNostrWasm(), `realistic:${seed}:${index}`);
  const note = (createdAt: number, content: string) =>
    user.sign({ kind: 1, created_at: createdAt, tags: [], content });
  if (behaviour.extra === "future") {
    return [0, 1, 2].map((i) => note(FUTURE_TIME + i * 86_400, `a note from the future ${i}`));
  }
  if (behaviour.extra === "oversized") {
    return [note(BURST_TIME - 3600, `oversized ${"z".repeat(OVERSIZED_BYTES)}`)];
  }
  return Array.from({ length: BURST_SIZE }, (_, i) => note(BURST_TIME, `burst ${index}.${i}`));
}
