/**
 * One relay: its state, uptime and RTT charts from /history, NIP-11, checks, and a map; a relay
 * the archive does not know gets a 404 message and the ways back; its changes, live.
 */
import { ApiFailure, getJson } from "./api.js";
import { changesSection } from "./changes.js";
import { lineChart, upDownChart } from "./charts.js";
import { fmtNum, fmtPct, fmtTime, h, statusDot } from "./dom.js";
import { worldMap } from "./map.js";
import { coverageCell, coverageSection } from "./relay-coverage.js";
import { monitorsSection } from "./relay-monitors.js";

const DAY = 86_400;

/** Every point of the 30 days up to the newest check (the history route pages by cursor). */
async function history(url, newest) {
  const path = `/v1/relays/${encodeURIComponent(url)}/history`;
  const until = newest ?? Math.floor(Date.now() / 1000);
  const points = [];
  let cursor;
  let page;
  do {
    page = await getJson(path, { since: until - 30 * DAY, until, limit: 500, cursor });
    points.push(...page.points);
    cursor = page.next;
  } while (cursor && points.length < 20_000);
  return { uptime: page.uptime, points };
}

function facts(relay) {
  const rows = [
    ["Status", h("span", {}, statusDot(relay.status), ` ${relay.status}`)],
    ["Network", relay.network],
    ["Last check", fmtTime(relay.checked_at)],
    ["First seen", fmtTime(relay.discovered_at)],
    [
      "RTT open / read / write",
      ["open", "read", "write"]
        .map((k) => (relay.rtt[k] === null ? "—" : `${relay.rtt[k]} ms`))
        .join(" / "),
    ],
    ["Software", [relay.software, relay.version].filter(Boolean).join(" ") || "—"],
    ["Supported NIPs", relay.supported_nips.join(", ") || "—"],
    ["Auth / payment required", `${relay.auth_required ?? "—"} / ${relay.payment_required ?? "—"}`],
    ["Writable (measured)", String(relay.writable ?? "—")],
    ["ASN", relay.asn === null ? "—" : `AS${relay.asn} ${relay.asn_org ?? ""}`],
    ["Events archived", fmtNum(relay.events_archived)],
    ["Coverage", coverageCell(relay.coverage)],
  ];
  return h(
    "table",
    { id: "relay-facts" },
    h("tbody", {}, ...rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))),
  );
}

function checksTable(checks) {
  const types = Object.keys(checks).sort();
  return h(
    "div",
    { id: "relay-checks" },
    ...types.map((t) =>
      h(
        "details",
        {},
        h("summary", {}, `${t} · ${fmtTime(checks[t].generated_at)}`),
        h("pre", {}, JSON.stringify({ data: checks[t].data, logs: checks[t].logs }, null, 2)),
      ),
    ),
  );
}

/** The charts' heading: what span they really show. */
function historyHeading(xs) {
  const first = xs[0];
  const newest = xs.at(-1);
  if (xs.length === 0) return "Up / down, the 30 days to the newest check";
  if (xs.length === 1) return `Up / down: one check, ${fmtTime(first)}`;
  if (newest - first >= 29 * DAY) {
    return `Up / down, the 30 days to the newest check (${fmtTime(newest)})`;
  }
  return `Up / down, ${fmtNum(xs.length)} checks from ${fmtTime(first)} to ${fmtTime(newest)}`;
}

function notFound(main, url) {
  main.replaceChildren(
    h("h1", {}, "Relay not found"),
    h(
      "p",
      { id: "relay-not-found" },
      "This archive knows no relay ",
      h("code", {}, url),
      ". It may be waiting for validation among the ",
      h("a", { href: "#/candidates" }, "candidates"),
      ", or be spelled differently.",
    ),
    h("p", {}, h("a", { href: "#/" }, "← all relays")),
  );
}

export async function renderRelay(main, url) {
  main.replaceChildren(h("p", { className: "muted" }, "Loading…"));
  let relay;
  try {
    relay = await getJson(`/v1/relays/${encodeURIComponent(url)}`);
  } catch (error) {
    if (error instanceof ApiFailure && (error.status === 404 || error.status === 400)) {
      return notFound(main, url);
    }
    throw error;
  }
  const series = await history(url, relay.checked_at);
  const xs = series.points.map((p) => p.t);
  const uptime = h(
    "div",
    { className: "cards", id: "uptime-cards" },
    ...["24h", "7d", "30d"].map((w) =>
      h("div", { className: "card" }, h("b", {}, fmtPct(series.uptime[w])), `uptime ${w}`),
    ),
  );
  const upChart = h("div", { id: "chart-updown" });
  const rttChart = h("div", { id: "chart-rtt" });
  const mapBox = h("div", { className: "map", id: "relay-map" });
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/" }, "← all relays")),
    h("h1", {}, relay.name ? `${relay.name} — ${relay.url}` : relay.url),
    uptime,
    h(
      "div",
      { className: "grid" },
      h("section", {}, h("h2", {}, "Facts"), facts(relay)),
      h("section", {}, h("h2", {}, "Location"), mapBox),
    ),
    h("h2", { id: "history-heading" }, historyHeading(xs)),
    upChart,
    h("h2", {}, "Round-trip times (ms)"),
    rttChart,
    h("h2", {}, "NIP-11 document"),
    h(
      "pre",
      { id: "relay-nip11" },
      relay.nip11 ? JSON.stringify(relay.nip11, null, 2) : "No NIP-11 document.",
    ),
    h("h2", {}, "Newest result of every check"),
    checksTable(relay.checks),
    coverageSection(relay),
    await changesSection({ id: "relay-changes", relay: relay.url }),
  );
  main.append(await monitorsSection(relay.url));
  if (xs.length > 0) {
    upDownChart(
      upChart,
      xs,
      series.points.map((p) => p.up),
    );
    lineChart(rttChart, {
      xs,
      yLabel: "ms",
      minSpan: 2 * 3600,
      points: xs.length <= 100,
      series: [
        { label: "open", values: series.points.map((p) => p.rtt_open), color: "#3b5bdb" },
        { label: "read", values: series.points.map((p) => p.rtt_read), color: "#1f9d55" },
        { label: "write", values: series.points.map((p) => p.rtt_write), color: "#e8590c" },
      ],
    });
  } else {
    upChart.append(h("p", { className: "muted" }, "No checks in those 30 days."));
  }
  const geo = relay.geo;
  const located = geo && typeof geo.geo_lat === "number" && typeof geo.geo_lon === "number";
  mapBox.append(await worldMap(located ? [[geo.geo_lon, geo.geo_lat]] : []));
  mapBox.append(
    h(
      "p",
      { className: "muted" },
      located
        ? `${[geo.geo_city, geo.geo_country_name ?? geo.geo_country].filter(Boolean).join(", ")} · `
        : "No location known. ",
      relay.attribution ?? "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0",
    ),
  );
}
