/**
 * An event screened off the main thread (utils/verify/screen.ts) and handed over with the
 * column values the archive writes already computed: its tags as JSON text, its index entries
 * as a PostgreSQL array literal, why it cannot be stored (or null), and its signature's cache
 * tag. The tags themselves are parsed from the JSON text only when someone reads them (rare
 * on the synchronizer's path: the writer takes the text), so no tag arrays are rebuilt per
 * copy. It is a plain object with an own `tags` getter: spreading or JSON.stringify see tags.
 */
import { tagValues, unstorableReason } from "./event.js";
import type { NostrEvent } from "./event-types.js";
import { textArrayLiteral } from "./text.js";

export interface PreparedColumns {
  /** JSON.stringify(tags). */
  readonly tagsJson: string;
  /** textArrayLiteral(tagValues(tags)). */
  readonly tagvaluesLiteral: string;
  /** unstorableReason(event). */
  readonly unstorable: string | null;
  /** signatureTag(sig) (utils/verify/id-cache.ts). */
  readonly sigTag: string;
}

type Fields = Omit<NostrEvent, "tags">;

/** The columns of a parsed event but its signature's tag (the verifier's; see id-cache.ts). */
export function eventColumns(ev: NostrEvent): Omit<PreparedColumns, "sigTag"> {
  return {
    tagsJson: JSON.stringify(ev.tags),
    tagvaluesLiteral: textArrayLiteral(tagValues(ev.tags)),
    unstorable: unstorableReason(ev),
  };
}

const COLUMNS = Symbol("prepared columns");

interface Prepared extends NostrEvent {
  readonly [COLUMNS]: PreparedColumns;
}

/** The event of `fields` whose tags are `columns.tagsJson`, parsed on first read. */
export function preparedEvent(fields: Fields, columns: PreparedColumns): NostrEvent {
  let tags: string[][] | undefined;
  const event: Prepared = {
    id: fields.id,
    pubkey: fields.pubkey,
    created_at: fields.created_at,
    kind: fields.kind,
    get tags(): string[][] {
      tags ??= JSON.parse(columns.tagsJson) as string[][];
      return tags;
    },
    content: fields.content,
    sig: fields.sig,
    [COLUMNS]: columns,
  };
  return event;
}

/** The precomputed columns of a prepared event; undefined for any other event. */
export function preparedColumns(event: NostrEvent): PreparedColumns | undefined {
  return (event as Partial<Prepared>)[COLUMNS];
}
