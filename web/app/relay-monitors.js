/**
 * "What other monitors say" on a relay page: the consensus of other NIP-66 monitors beside our
 * own verdict, and each monitor's newest verdict (from /v1/relays/{url}/monitors).
 */
import { getJson } from "./api.js";
import { fmtPct, fmtTime, h, statusDot } from "./dom.js";

const DISAGREEMENT = {
  false_offline: "We found it down while most monitors see it up: our monitor re-checks it early.",
  false_online: "We found it up while most monitors see it down.",
};

function summary(c) {
  if (c === null) return h("p", { className: "muted" }, "No consensus yet.");
  return h(
    "p",
    { id: "consensus-summary" },
    statusDot(c.state),
    ` Consensus: ${c.state} — ${c.monitors_up} of ${c.monitors} monitors see it up`,
    c.median_rtt_open === null ? "" : `, median rtt-open ${c.median_rtt_open} ms`,
    `. We say: ${c.our_state ?? "not checked recently"}.`,
    c.disagreement ? h("b", { className: "disagreement" }, ` ${DISAGREEMENT[c.disagreement]}`) : "",
  );
}

function verdictRow(v) {
  return h(
    "tr",
    { className: v.outlier ? "outlier" : undefined },
    h("td", {}, h("code", { title: v.pubkey }, `${v.pubkey.slice(0, 8)}…`)),
    h("td", { className: "num" }, fmtPct(v.reliability)),
    h("td", {}, fmtTime(v.seen_at)),
    h("td", { className: "num" }, v.rtt.open === null ? "—" : `${v.rtt.open} ms`),
    h("td", {}, v.nips.join(", ") || "—"),
    h("td", {}, v.outlier ? "outlier" : ""),
  );
}

/** The section element; a relay no monitor covers gets a one-line note. */
export async function monitorsSection(url) {
  const box = h("section", { id: "relay-monitors" }, h("h2", {}, "What other monitors say"));
  const body = await getJson(`/v1/relays/${encodeURIComponent(url)}/monitors`);
  if (body.verdicts.length === 0) {
    box.append(h("p", { className: "muted" }, "No other monitor has a verdict on this relay."));
    return box;
  }
  const head = ["Monitor", "Reliability", "Last saw it up", "rtt-open", "NIPs claimed", ""];
  box.append(
    summary(body.consensus),
    h(
      "table",
      { id: "relay-monitors-table" },
      h("thead", {}, h("tr", {}, ...head.map((x) => h("th", {}, x)))),
      h("tbody", {}, ...body.verdicts.map(verdictRow)),
    ),
  );
  return box;
}
