/**
 * Other NIP-66 monitors (#/monitors): each one's announced profile and how far we trust it, as
 * measured (agreement with the others, with our own checks, freshness). Most reliable first.
 */
import { getJson } from "./api.js";
import { fmtNum, fmtPct, fmtTime, h } from "./dom.js";

const short = (pubkey) => `${pubkey.slice(0, 8)}…${pubkey.slice(-4)}`;

function every(seconds) {
  if (seconds === null) return "—";
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

function row(m) {
  const low = m.reliability !== null && m.reliability < 0.5;
  return h(
    "tr",
    { "data-pubkey": m.pubkey, className: low ? "unreliable" : undefined },
    h("td", {}, h("code", { title: m.pubkey }, short(m.pubkey))),
    h("td", { className: "num" }, h("b", {}, fmtPct(m.reliability))),
    h("td", { className: "num" }, fmtPct(m.consensus_agreement)),
    h("td", { className: "num" }, fmtPct(m.our_agreement)),
    h("td", { className: "num" }, fmtPct(m.freshness)),
    h("td", { className: "num" }, fmtNum(m.relays)),
    h("td", {}, every(m.frequency)),
    h("td", {}, m.checks.join(", ") || "—"),
    h("td", {}, m.geohash ?? "—"),
    h("td", {}, fmtTime(m.last_verdict_at)),
  );
}

export async function renderMonitors(main) {
  main.replaceChildren(h("p", { className: "muted" }, "Loading…"));
  const { monitors } = await getJson("/v1/monitors");
  const head = [
    "Monitor",
    "Reliability",
    "Agrees with others",
    "Agrees with us",
    "Freshness",
    "Relays",
    "Checks every",
    "Checks",
    "Location (geohash)",
    "Newest verdict",
  ];
  main.replaceChildren(
    h("h1", {}, "Other monitors"),
    h(
      "p",
      { className: "muted" },
      "NIP-66 monitors whose signed 30166/10166 events this archive holds. Reliability is measured, " +
        "not listed: how often a monitor's verdicts agree with the other monitors' and with our own " +
        "checks, and how recently it published. It weighs the monitor's vote in each relay's consensus.",
    ),
    monitors.length === 0
      ? h("p", { id: "monitors-empty" }, "No other monitor's events archived yet.")
      : h(
          "table",
          { id: "monitors-table" },
          h("thead", {}, h("tr", {}, ...head.map((x) => h("th", {}, x)))),
          h("tbody", {}, ...monitors.map(row)),
        ),
  );
}
