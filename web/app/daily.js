/**
 * What the "events a day" chart draws: every day from the first to the newest one with events,
 * days without any as zeros; when those span more than LONGEST days (a few old events and then
 * years of nothing), the SHOWN days up to the newest, with a note on what is left out. Days after
 * `today` (events dated in the future) are left out and noted.
 */
const DAY = 86_400;
const LONGEST = 90;
const SHOWN = 30;

const dayOf = (d) => Date.parse(`${d.day}T00:00:00Z`) / 1000;
const iso = (t) => new Date(t * 1000).toISOString().slice(0, 10);
const sum = (days) => days.reduce((n, d) => n + d.events, 0);
const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/** `daily` as /v1/stats gives it ({day, events}, any order); `today` unix seconds. */
export function dailySeries(daily, today) {
  const all = daily.map((d) => ({ t: dayOf(d), events: d.events })).sort((a, b) => a.t - b.t);
  const future = all.filter((d) => d.t > today);
  const past = all.filter((d) => d.t <= today);
  const notes = [];
  if (future.length > 0) {
    const n = sum(future);
    notes.push(`${plural(n, "event")} dated after today ${n === 1 ? "is" : "are"} not drawn.`);
  }
  if (past.length === 0) return { xs: [], values: [], notes };
  const newest = past.at(-1).t;
  let first = past[0].t;
  if (newest - first > LONGEST * DAY) {
    first = newest - (SHOWN - 1) * DAY;
    const older = past.filter((d) => d.t < first);
    notes.push(
      `The ${SHOWN} days to ${iso(newest)}; ${plural(sum(older), "older event")} on ${plural(older.length, "day")} from ${iso(older[0].t)} ${sum(older) === 1 ? "is" : "are"} not drawn.`,
    );
  }
  const byDay = new Map(past.map((d) => [d.t, d.events]));
  const xs = [];
  const values = [];
  for (let t = first; t <= newest; t += DAY) {
    // Each bar centred on its day.
    xs.push(t + DAY / 2);
    values.push(byDay.get(t) ?? 0);
  }
  return { xs, values, notes };
}
