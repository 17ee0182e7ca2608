import { escapeLiteral } from "pg";
import type { ServiceState, StateType } from "../../../models/service-state.js";
import type { Db } from "../pool.js";
import { affected, any, uniqueBy } from "../sql.js";

/**
 * The owner of `service_state`: every statement on the table is in this folder. This file has
 * the generic row operations; candidates.ts and last-cycle.ts the typed state built on them.
 */

type StateValue = ServiceState["stateValue"];

/**
 * The one tolerant SQL read of an integer field of a saved document (`doc` is a jsonb
 * expression, `key` one of the document's key constants): the number truncated, as the TS
 * parsers do, or `fallback` when the key is missing or not a JSON number, so a malformed
 * document never fails a read.
 */
export function documentInt(doc: string, key: string, fallback: number | null): string {
  const k = escapeLiteral(key);
  return `CASE WHEN jsonb_typeof(${doc} -> ${k}) = 'number'
    THEN trunc((${doc} ->> ${k})::float8)::bigint ELSE ${fallback ?? "NULL"} END`;
}

/** A row as read back: the state plus when it was last written (unix seconds). */
export type StoredServiceState = ServiceState & { updatedAt: number };

function keyOf(s: ServiceState): string {
  return JSON.stringify([s.serviceName, s.stateType, s.stateKey]);
}

export interface WriteOptions {
  /** updated_at in unix seconds (default the server's clock). */
  now?: number;
}

function params(rows: readonly ServiceState[], options: WriteOptions): unknown[] {
  return [
    rows.map((r) => r.serviceName),
    rows.map((r) => r.stateType),
    rows.map((r) => r.stateKey),
    rows.map((r) => JSON.stringify(r.stateValue)),
    options.now ?? null,
  ];
}

const UPSERT = `
  INSERT INTO service_state (service_name, state_type, state_key, state_value, updated_at)
  SELECT u.name, u.type, u.key, u.value::jsonb,
         coalesce($5::bigint, extract(epoch FROM now())::bigint)
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(name, type, key, value)
  ORDER BY 1, 2, 3
  ON CONFLICT (service_name, state_type, state_key) DO UPDATE
  SET state_value = EXCLUDED.state_value, updated_at = EXCLUDED.updated_at`;

/**
 * Sets each row's value wholesale (and updated_at to now). When a key repeats in the batch
 * the last row wins. Returns the number of rows written.
 */
export async function upsertServiceState(
  db: Db,
  rows: readonly ServiceState[],
  options: WriteOptions = {},
): Promise<number> {
  const unique = uniqueBy(rows, keyOf, "last");
  if (unique.length === 0) return 0;
  return affected(db, UPSERT, params(unique, options));
}

interface StateRow {
  state_key: string;
  state_value: StateValue;
  updated_at: number;
}

/** Rows of one service and type (or the one `key`), ordered by key. */
export async function getServiceState(
  db: Db,
  serviceName: string,
  stateType: StateType,
  key?: string,
): Promise<StoredServiceState[]> {
  const rows = await any<StateRow>(
    db,
    `SELECT state_key, state_value, updated_at FROM service_state
     WHERE service_name = $1 AND state_type = $2 AND ($3::text IS NULL OR state_key = $3)
     ORDER BY state_key`,
    [serviceName, stateType, key ?? null],
  );
  return rows.map((r) => ({
    serviceName,
    stateType,
    stateKey: r.state_key,
    stateValue: r.state_value,
    updatedAt: r.updated_at,
  }));
}

/** Deletes the given keys of one service and type; returns how many existed. */
export async function deleteServiceState(
  db: Db,
  serviceName: string,
  stateType: StateType,
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  return affected(
    db,
    `DELETE FROM service_state
     WHERE service_name = $1 AND state_type = $2 AND state_key = ANY($3::text[])`,
    [serviceName, stateType, keys],
  );
}
