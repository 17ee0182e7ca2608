/**
 * A relay's uptime over the 24 h / 7 d / 30 d before `now`, exact to the second: of the
 * nip66_rtt checks with generated_at in [now − w, now], how many found the relay up (relay_up).
 * Read from the rollup relay_uptime (migration 000012; one row per relay and UTC day, with
 * running totals by hour), ≤ 31 rows a relay instead of every check of 30 days joined to its
 * document:
 *   whole days inside the window            their totals;
 *   the window's first and last (today) day  from now's hour of the day on / up to now's hour
 *                                            (a window of whole days starts at now's time of
 *                                            day): one subscript of the running totals;
 *   the parts of those two hours outside     counted in relay_metadata and taken off: checks
 *                                            before now − w in its hour, checks after now in
 *                                            its hour (a clock ahead); usually no row.
 */

/** Window names and their length in days. */
const WINDOWS = [
  ["24h", 1],
  ["7d", 7],
  ["30d", 30],
] as const;

export interface UptimeParams {
  /** The day of `now` (days since 1970-01-01 UTC) and its hour of the day (0..23). */
  day: number;
  hour: number;
  /** Seconds since the start of now's hour. */
  offset: number;
}

export function uptimeParams(now: number): UptimeParams {
  const t = Math.floor(now);
  return { day: Math.floor(t / 86_400), hour: Math.floor((t % 86_400) / 3600), offset: t % 3600 };
}

/**
 * The rollup's count of `col` (checks or up) in the window of `days` days, whole hours: today
 * through now's hour, the first day from now's hour on (hour_* are running totals by hour;
 * [0] is NULL). `d` = now's day, `h` = now's hour of the day (SQL expressions).
 */
function rolled(col: "checks" | "up", days: number, d: string, h: string): string {
  return `coalesce(sum(CASE
      WHEN u.day = ${d} THEN u.hour_${col}[${h} + 1]
      WHEN u.day = ${d} - ${days} THEN u.${col} - coalesce(u.hour_${col}[${h}], 0)
      WHEN u.day > ${d} - ${days} THEN u.${col} END), 0)`;
}

/** Checks of relay `r` in [lo, hi) as (edge, metadata_id, metadata_type) rows. */
const edgeRows = (edge: number, lo: string, hi: string) => `
        SELECT ${edge} AS edge, rm.metadata_id, rm.metadata_type FROM relay_metadata rm
        WHERE rm.relay_id = r.id AND rm.metadata_type = 'nip66_rtt'
          AND rm.generated_at >= ${lo} AND rm.generated_at < ${hi}`;

/**
 * A LATERAL join (alias `u`) giving checks_24h, up_24h, checks_7d, up_7d, checks_30d, up_30d
 * of relay `r` (an outer alias with an `id`). Parameters: `now` (unix seconds), `day`, `hour`
 * and `offset` of uptimeParams(now).
 */
export function uptimeLateral(p: { now: string; day: string; hour: string; offset: string }) {
  const { now, day, hour, offset } = p;
  const sums = WINDOWS.flatMap(([name, days]) => [
    `${rolled("checks", days, day, hour)} AS checks_${name}`,
    `${rolled("up", days, day, hour)} AS up_${name}`,
  ]);
  // Edges [lo, hi): 0 = after now in now's hour; n = before now − n days in its hour.
  const edges = [
    edgeRows(0, `${now} + 1`, `${now} - ${offset} + 3600`),
    ...WINDOWS.map(([, days]) => {
      const start = `${now} - ${days * 86_400}`;
      return edgeRows(days, `${start} - ${offset}`, start);
    }),
  ];
  const off = (col: "checks" | "up", days: number) => `(e.${col}_0 + e.${col}_${days})`;
  const figures = WINDOWS.flatMap(([name, days]) => [
    `(w.checks_${name} - ${off("checks", days)})::int AS checks_${name}`,
    `(w.up_${name} - ${off("up", days)})::int AS up_${name}`,
  ]);
  const edgeCounts = [0, ...WINDOWS.map(([, days]) => days)].flatMap((n) => [
    `count(*) FILTER (WHERE x.edge = ${n}) AS checks_${n}`,
    `count(*) FILTER (WHERE x.edge = ${n} AND relay_up(m.data)) AS up_${n}`,
  ]);
  return `
  LEFT JOIN LATERAL (
    SELECT ${figures.join(",\n      ")}
    FROM (
      SELECT ${sums.join(",\n        ")}
      FROM relay_uptime u
      WHERE u.relay_id = r.id AND u.day BETWEEN ${day} - 30 AND ${day}
    ) w,
    (
      SELECT ${edgeCounts.join(",\n        ")}
      FROM (${edges.join("\n        UNION ALL")}) x
      JOIN metadata m ON m.id = x.metadata_id AND m.type = x.metadata_type
    ) e
  ) u ON true`;
}
