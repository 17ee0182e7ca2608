/**
 * The API's side of a database outage. A request that fails because the database cannot be
 * reached, or because no connection of the pool came free in time (a hung database holds them
 * all), is a 503 with Retry-After (errors.ts); the outage itself is logged once when it starts
 * (`database_unavailable`, warn) and once when it ends (`database_available`), as the services
 * do (core/db-outage.ts), not with a stack trace per request. It ends at the first statement
 * that succeeds after it: the pool then emits "release" without an error. `bigbrotr api` gives
 * it its process's outage state (ServiceContext.outage); an app on its own makes one.
 */
import type { ConnectionLost } from "../core/db/errors.js";
import { type Db, isPool } from "../core/db/pool.js";
import { createDbOutage, type DbOutage } from "../core/db-outage.js";
import type { Logger } from "../core/logger.js";

export interface ApiOutage {
  /** The error as a ConnectionLost when the database was unavailable (logged once per outage). */
  failed(error: unknown): ConnectionLost | undefined;
}

/** Watches `db` for the end of an outage only while one lasts (no listener otherwise). */
export function watchDbOutage(
  db: Db,
  log: Logger,
  outage: DbOutage = createDbOutage(log),
): ApiOutage {
  let watching = false;
  const onRelease = (error?: unknown) => {
    if (error || !isPool(db)) return;
    outage.succeeded();
    db.off("release", onRelease);
    watching = false;
  };
  return {
    failed(error) {
      const lost = outage.failed(error);
      if (lost !== undefined && !watching && isPool(db)) {
        db.on("release", onRelease);
        watching = true;
      }
      return lost;
    },
  };
}
