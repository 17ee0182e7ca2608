/**
 * How much of a relay we hold (the API's `coverage` and `coverage_history`): a short cell for
 * the relay table and, on the relay page, the sentence with how and when it was measured and
 * the measurements before it. Unknown stays unknown, with its reason; never a made-up number.
 */
import { fmtNum, fmtPct, fmtTime, h } from "./dom.js";

const METHOD = {
  count: "the relay's NIP-45 COUNT for our sync filter",
  negentropy: "the NIP-77 reconciliation of the windows synced that cycle",
  unknown: "neither COUNT nor NIP-77",
};

const day = (unix) => new Date(unix * 1000).toISOString().slice(0, 10);

/** The relay table's cell: "94.5 %", "flagged", "unknown" or "—" (never measured). */
export function coverageCell(c) {
  if (!c) return "—";
  if (c.flag) return h("span", { className: "flagged", title: c.reason ?? c.flag }, "flagged");
  if (c.coverage === null)
    return h("span", { className: "muted", title: c.reason ?? "" }, "unknown");
  return h("span", { title: `${fmtNum(c.held)} of ${fmtNum(c.relay_count)}` }, fmtPct(c.coverage));
}

/** "We hold 48,210 of this relay's 51,007 events (94.5 %) since 2024-01-01." */
function sentence(c) {
  if (c.relay_count === null) return `Unknown: ${c.reason ?? "the relay gave no count"}.`;
  const of = `${c.lower_bound ? "at least " : ""}${fmtNum(c.relay_count)}`;
  const base = `We hold ${fmtNum(c.held)} of this relay's ${of} events`;
  const since = ` created since ${day(c.since)}`;
  if (c.flag === "undercount")
    return `${base}${since}: the relay counts fewer than we already hold from it, so its count is not believed.`;
  if (c.flag === "ignores_bounds")
    return `${base}: its count ignores since/until, so it is not believed.`;
  const ratio = c.coverage === null ? "" : ` (${fmtPct(c.coverage)})`;
  return `${base}${ratio}${since}${c.approximate ? ", by its approximate count" : ""}.`;
}

function historyRow(c) {
  const extra = [
    c.hll
      ? `hll: ~${fmtNum(c.hll.authors)} authors ±${fmtPct(c.hll.error)} (we hold ${fmtNum(c.hll.authors_held ?? 0)})`
      : "",
    c.negentropy
      ? `NIP-77: lacked ${fmtNum(c.negentropy.need)}, it lacks ${fmtNum(c.negentropy.have)}`
      : "",
  ].filter(Boolean);
  return h(
    "tr",
    {},
    h("td", {}, fmtTime(c.measured_at)),
    h("td", {}, c.method),
    h("td", { className: "num" }, fmtNum(c.held)),
    h("td", { className: "num" }, c.relay_count === null ? "—" : fmtNum(c.relay_count)),
    h("td", { className: "num" }, coverageCell(c)),
    h("td", {}, [c.reason, ...extra].filter(Boolean).join("; ") || "—"),
  );
}

/** The relay page's section. */
export function coverageSection(relay) {
  const box = h("section", { id: "relay-coverage" }, h("h2", {}, "How much of it we hold"));
  const c = relay.coverage;
  if (!c) {
    box.append(
      h("p", { className: "muted" }, "Not measured yet (the synchronizer measures after a sync)."),
    );
    return box;
  }
  box.append(
    h("p", { id: "coverage-summary", className: c.flag ? "flagged" : undefined }, sentence(c)),
    h("p", { className: "muted" }, `Measured ${fmtTime(c.measured_at)} by ${METHOD[c.method]}.`),
  );
  const head = ["Measured", "Method", "We hold", "Relay counts", "Coverage", "Notes"];
  box.append(
    h(
      "table",
      { id: "relay-coverage-table" },
      h("thead", {}, h("tr", {}, ...head.map((x) => h("th", {}, x)))),
      h("tbody", {}, ...relay.coverage_history.map(historyRow)),
    ),
  );
  return box;
}
