/** The network overview from /v1/stats: counts, networks, software, NIPs, countries, daily events. */
import { getJson } from "./api.js";
import { lineChart } from "./charts.js";
import { fmtNum, h } from "./dom.js";

function table(id, headers, rows) {
  return h(
    "table",
    { id },
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c === null ? "—" : String(c))))),
    ),
  );
}

/** A titled section holding one table, and anything shown under it. */
function tableSection(title, id, headers, rows, ...after) {
  return h("section", {}, h("h2", {}, title), table(id, headers, rows), ...after);
}

export async function renderOverview(main) {
  const s = await getJson("/v1/stats");
  const card = (value, label) => h("div", { className: "card" }, h("b", {}, fmtNum(value)), label);
  const daily = h("div", { id: "chart-daily" });
  main.replaceChildren(
    h("h1", {}, "Network"),
    h(
      "div",
      { className: "cards", id: "overview-cards" },
      card(s.relays.total, "relays"),
      card(s.relays.up, "up now"),
      card(s.relays.down, "down"),
      card(s.relays.unknown, "not checked lately"),
      card(s.events?.event_count ?? null, "events archived"),
      card(s.events?.unique_pubkeys ?? null, "authors"),
    ),
    h(
      "div",
      { className: "grid" },
      tableSection(
        "Networks",
        "networks",
        ["network", "relays", "events"],
        s.networks.map((n) => [n.network, n.relays, n.events]),
      ),
      tableSection(
        "Software",
        "software",
        ["software", "version", "relays"],
        s.software.map((x) => [x.software, x.version, x.relays]),
      ),
      tableSection(
        "Supported NIPs",
        "nips",
        ["NIP", "relays"],
        s.nips.map((n) => [n.nip, n.relays]),
      ),
      tableSection(
        "Countries",
        "countries",
        ["country", "relays", "up"],
        s.countries.map((c) => [c.country, c.relays, c.up]),
        h("p", { className: "muted" }, s.attribution),
      ),
      tableSection(
        "Kinds",
        "kinds",
        ["kind", "events", "authors"],
        s.kinds.map((k) => [k.kind, k.events, k.pubkeys]),
      ),
    ),
    h("h2", {}, "Events a day"),
    daily,
    h(
      "p",
      { className: "muted" },
      s.events
        ? `Statistics as of ${new Date(s.events.refreshed_at * 1000).toISOString()}`
        : "Statistics not refreshed yet.",
    ),
  );
  const days = [...s.daily].reverse();
  if (days.length > 0) {
    lineChart(daily, {
      xs: days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
      yLabel: "events",
      points: true,
      series: [{ label: "events", values: days.map((d) => d.events), color: "#3b5bdb" }],
    });
  }
}
