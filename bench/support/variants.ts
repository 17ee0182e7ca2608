import pg from "pg";

/**
 * Schema/commit variants the benchmark can compare against the shipped schema. Everything
 * but "shipped" is an experiment run on the benchmark's private database only.
 */
export const VARIANTS = {
  /** The schema as migrated (000002: event_relay -> event checked per partition). */
  shipped: { ddl: [], asyncCommit: false },
  /** As shipped, archiving with SET LOCAL synchronous_commit = off. */
  "async-commit": { ddl: [], asyncCommit: true },
  /** 000001 alone: event_relay -> event checked against the partitioned parent. */
  "parent-fk": {
    ddl: [
      "DROP-PARTITION-FKS",
      "ALTER TABLE event_relay ADD CONSTRAINT event_relay_event_fk FOREIGN KEY (event_id) REFERENCES event (id) ON DELETE CASCADE",
    ],
    asyncCommit: false,
  },
  /** No event_relay -> event constraint at all (relay constraint kept). */
  "no-event-fk": { ddl: ["DROP-PARTITION-FKS"], asyncCommit: false },
} as const;

export type Variant = keyof typeof VARIANTS;

export function isVariant(name: string): name is Variant {
  return name in VARIANTS;
}

/** Applies a variant's schema changes to a freshly migrated benchmark database. */
export async function applyVariant(pool: pg.Pool, variant: Variant): Promise<void> {
  for (const statement of VARIANTS[variant].ddl) {
    if (statement !== "DROP-PARTITION-FKS") {
      await pool.query(statement);
      continue;
    }
    const { rows } = await pool.query<{ rel: string; name: string }>(
      `SELECT conrelid::regclass::text AS rel, conname AS name FROM pg_constraint
       WHERE contype = 'f' AND conname LIKE 'event\\_relay\\_p%\\_event\\_fk'`,
    );
    for (const r of rows) {
      const table = pg.escapeIdentifier(r.rel);
      await pool.query(`ALTER TABLE ${table} DROP CONSTRAINT ${pg.escapeIdentifier(r.name)}`);
    }
  }
}
