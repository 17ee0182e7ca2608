/**
 * Time-series charts with uPlot. The x range comes from the data, widened around its middle to a
 * chart's least span, so one point or two close ones never make an axis of years or seconds.
 * Each chart writes the range it shows on its element (data-x-min, data-x-max: unix seconds).
 */

/** [lo, hi] of the data, widened around its middle to at least `minSpan` seconds. */
export function widenRange(lo, hi, minSpan) {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [lo, hi];
  if (hi - lo >= minSpan) return [lo, hi];
  const mid = (lo + hi) / 2;
  return [mid - minSpan / 2, mid + minSpan / 2];
}

/**
 * A time x scale of at least `minSpan`. uPlot gives one point a range of 86,400,000 units (a
 * day in ms, on a scale in seconds: years), so one point is ranged from the point itself.
 */
function xScale(minSpan, pad = 0) {
  const range = (u, lo, hi) => {
    const xs = u.data[0];
    const [a, b] = xs.length === 1 ? [xs[0], xs[0]] : [lo, hi];
    return widenRange(a - pad, b + pad, minSpan);
  };
  return { time: true, range };
}

/** Keeps the x range shown on the chart's element, for scripts and tests. */
const recordRange = (target) => (u, key) => {
  if (key !== "x") return;
  target.dataset.xMin = String(Math.round(u.scales.x.min));
  target.dataset.xMax = String(Math.round(u.scales.x.max));
};

const widthOf = (target) => Math.max(300, target.clientWidth || 640);

/** Axis times in UTC, as the rest of the explorer shows them. */
const tzDate = (t) => window.uPlot.tzDate(new Date(t * 1000), "Etc/UTC");

const DAY = 86_400;
/** An x axis of whole days ("Sep 20"), for a chart with one value a day. */
const dayAxis = {
  incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY],
  values: (_u, ticks) =>
    ticks.map((t) =>
      new Date(t * 1000).toLocaleDateString("en-US", {
        month: "short",
        day: "numeric",
        timeZone: "UTC",
      }),
    ),
};

/**
 * A line chart: `xs` unix seconds, `series` [{label, values, color}]; `points` marks each value;
 * `minSpan` the least x range in seconds (default a week); `bars` draws bars of one a day.
 */
export function lineChart(target, opts) {
  const { xs, series, height = 220, yLabel, points = false, minSpan = 7 * 86_400 } = opts;
  const bars = opts.bars ? window.uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
  const chart = {
    width: widthOf(target),
    height,
    tzDate,
    // Bars are a day wide: the range reaches the outer edges of the first and last.
    scales: { x: xScale(minSpan, bars ? DAY / 2 : 0) },
    axes: [bars ? dayAxis : {}, { label: yLabel }],
    hooks: { setScale: [recordRange(target)] },
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: bars ? `${s.color}99` : undefined,
        width: 1.5,
        spanGaps: false,
        paths: bars,
        points: { show: points && !bars },
      })),
    ],
  };
  return new window.uPlot(chart, [xs, ...series.map((s) => s.values)], target);
}

/** A step chart of 1 (up) / 0 (down); each check marked while there are few. */
export function upDownChart(target, xs, ups, { minSpan = 2 * 3600 } = {}) {
  const chart = {
    width: widthOf(target),
    height: 120,
    tzDate,
    scales: { x: xScale(minSpan), y: { range: [0, 1.05] } },
    axes: [
      {},
      {
        values: (_u, ticks) => ticks.map((t) => (t === 1 ? "up" : t === 0 ? "down" : "")),
        splits: () => [0, 1],
      },
    ],
    hooks: { setScale: [recordRange(target)] },
    series: [
      {},
      {
        label: "up",
        stroke: "#1f9d55",
        fill: "rgba(31,157,85,0.15)",
        paths: window.uPlot.paths.stepped({ align: 1 }),
        points: { show: xs.length <= 100, size: 8, fill: "#1f9d55" },
      },
    ],
  };
  return new window.uPlot(chart, [xs, ups.map((u) => (u ? 1 : 0))], target);
}
