/** Time-series charts with uPlot. */

/** A line chart: `xs` unix seconds, `series` [{label, values, color}]; `points` marks each value. */
export function lineChart(target, { xs, series, height = 220, yLabel, points = false }) {
  const width = Math.max(320, target.clientWidth || 640);
  const opts = {
    width,
    height,
    // A single x has no extent of its own: show a week around it.
    scales: {
      x:
        xs.length === 1
          ? { time: true, range: [xs[0] - 3.5 * 86400, xs[0] + 3.5 * 86400] }
          : { time: true },
    },
    axes: [{}, { label: yLabel }],
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        spanGaps: false,
        points: { show: points },
      })),
    ],
  };
  return new window.uPlot(opts, [xs, ...series.map((s) => s.values)], target);
}

/** A step chart of 1 (up) / 0 (down). */
export function upDownChart(target, xs, ups) {
  const width = Math.max(320, target.clientWidth || 640);
  const opts = {
    width,
    height: 120,
    scales: { x: { time: true }, y: { range: [0, 1.05] } },
    axes: [
      {},
      {
        values: (_u, ticks) => ticks.map((t) => (t === 1 ? "up" : t === 0 ? "down" : "")),
        splits: () => [0, 1],
      },
    ],
    series: [
      {},
      {
        label: "up",
        stroke: "#1f9d55",
        fill: "rgba(31,157,85,0.15)",
        paths: window.uPlot.paths.stepped({ align: 1 }),
        points: { show: false },
      },
    ],
  };
  return new window.uPlot(opts, [xs, ups.map((u) => (u ? 1 : 0))], target);
}
