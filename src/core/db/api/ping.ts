import type { Db } from "../pool.js";
import { one } from "../sql.js";

/** The server's clock (unix seconds): a round trip that proves the database answers. */
export async function databaseTime(db: Db): Promise<number> {
  const row = await one<{ now: number }>(db, "SELECT extract(epoch FROM now())::bigint AS now");
  return row.now;
}
