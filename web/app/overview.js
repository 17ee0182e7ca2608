/**
 * The network overview from /v1/stats: counts, a world map of relays by country (a country
 * links to the relays there), networks, software, NIPs, kinds (with their names) and events a
 * day. Every table and the chart say so when there is nothing to show yet.
 */
import { getJson } from "./api.js";
import { changesSection } from "./changes.js";
import { lineChart } from "./charts.js";
import { countryName } from "./countries.js";
import { dailySeries } from "./daily.js";
import { fmtNum, fmtTime, h } from "./dom.js";
import { kindName } from "./kinds.js";
import { countryMap } from "./map.js";

const relaysWhere = (param, value) => `#/?${param}=${encodeURIComponent(value)}`;
const cell = (c) => (c === null || c === undefined ? "—" : typeof c === "object" ? c : String(c));

function table(id, headers, rows) {
  return h(
    "table",
    { id },
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, cell(c)))))),
  );
}

/** A titled table, or when it has no rows the note `empty` in its place. */
function tableSection(title, id, headers, rows, empty, ...after) {
  const content = rows.length
    ? table(id, headers, rows)
    : h("p", { className: "muted empty", id: `${id}-empty` }, empty);
  return h("section", {}, h("h2", {}, title), content, ...after);
}

function cards(s) {
  const card = (value, label) => h("div", { className: "card" }, h("b", {}, fmtNum(value)), label);
  return h(
    "div",
    { className: "cards", id: "overview-cards" },
    card(s.relays.total, "relays"),
    card(s.relays.up, "up now"),
    card(s.relays.down, "down"),
    card(s.relays.unknown, "not checked lately"),
    card(s.events?.event_count ?? null, "events archived"),
    card(s.events?.unique_pubkeys ?? null, "authors"),
  );
}

const relayLink = (param, value, text = value) =>
  h("a", { href: relaysWhere(param, value) }, String(text));

function countryTable(s) {
  return tableSection(
    "Countries",
    "countries",
    ["country", "relays", "up"],
    s.countries.map((c) => [
      relayLink("country", c.country, `${countryName(c.country)} (${c.country})`),
      c.relays,
      c.up,
    ]),
    "No data yet: no relay located. The monitor's geo check places relays by IP address.",
  );
}

/** The map of relays by country beside the countries table; a country links to its relays. */
async function countrySection(s) {
  const box = h("div", { className: "map", id: "country-map" });
  const section = h(
    "section",
    {},
    h("h2", {}, "Relays by country"),
    h("div", { className: "country-grid" }, box, countryTable(s)),
  );
  const { map, undrawn } = await countryMap(s.countries, (code) => relaysWhere("country", code));
  box.append(map);
  if (undrawn.length > 0) {
    box.append(
      h(
        "p",
        { className: "muted", id: "undrawn-countries" },
        "Too small for this map: ",
        ...undrawn.flatMap((c, i) => [
          i ? ", " : "",
          relayLink("country", c.country, `${countryName(c.country)} (${c.relays})`),
        ]),
      ),
    );
  }
  box.append(
    h(
      "p",
      { className: "muted" },
      s.countries.length ? "Click a country for its relays. " : "",
      s.attribution,
    ),
  );
  return section;
}

function tables(s) {
  const empty = (reason) =>
    s.events === null
      ? "No data yet: the statistics are not computed yet."
      : `No data yet: ${reason}.`;
  return h(
    "div",
    { className: "grid" },
    tableSection(
      "Networks",
      "networks",
      ["network", "relays", "events"],
      s.networks.map((n) => [relayLink("network", n.network), n.relays, fmtNum(n.events)]),
      empty("no relay known"),
    ),
    tableSection(
      "Software",
      "software",
      ["software", "version", "relays"],
      s.software.map((x) => [relayLink("software", x.software), x.version, x.relays]),
      empty("no relay's NIP-11 document names its software"),
    ),
    tableSection(
      "Supported NIPs",
      "nips",
      ["NIP", "relays"],
      s.nips.map((n) => [relayLink("nips", n.nip), n.relays]),
      empty("no relay's NIP-11 document lists NIPs"),
    ),
    tableSection(
      "Kinds",
      "kinds",
      ["kind", "name", "events", "authors"],
      s.kinds.map((k) => [
        h("a", { href: `#/events?kinds=${k.kind}` }, String(k.kind)),
        kindName(k.kind) ?? "—",
        fmtNum(k.events),
        fmtNum(k.pubkeys),
      ]),
      empty("no event archived"),
    ),
  );
}

function dailySection(s, today) {
  const box = h("div", { id: "chart-daily" });
  const { xs, values, notes } = dailySeries(s.daily, today);
  const section = h(
    "section",
    {},
    h("h2", {}, "Events a day"),
    ...notes.map((n) => h("p", { className: "muted daily-note" }, n)),
    box,
  );
  if (xs.length === 0) {
    const why = s.events === null ? "the statistics are not computed yet" : "no event archived";
    box.append(h("p", { className: "muted empty", id: "daily-empty" }, `No data yet: ${why}.`));
    return { section, draw: () => {} };
  }
  const draw = () =>
    lineChart(box, {
      xs,
      yLabel: "events",
      bars: true,
      minSpan: 7 * 86_400,
      series: [{ label: "events", values, color: "#3b5bdb" }],
    });
  return { section, draw };
}

export async function renderOverview(main) {
  const s = await getJson("/v1/stats");
  const asOf = s.events?.refreshed_at ?? null;
  const daily = dailySection(s, asOf ?? Math.floor(Date.now() / 1000));
  main.replaceChildren(
    h("h1", {}, "Network"),
    cards(s),
    h(
      "p",
      { className: "muted", id: "stats-as-of" },
      asOf === null
        ? "Event statistics: not computed yet (the refresher computes them)."
        : `Event statistics as of ${fmtTime(asOf)}; relay counts live.`,
    ),
    await changesSection({ id: "latest-changes" }),
    await countrySection(s),
    tables(s),
    daily.section,
  );
  daily.draw();
}
