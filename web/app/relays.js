/** The relay table: the API's filters as form fields, live search, and "more" by cursor. */
import { getJson } from "./api.js";
import { fmtNum, fmtPct, h, relayLink, statusDot } from "./dom.js";

const FIELDS = [
  ["network", "Network", ["", "clearnet", "tor", "i2p", "loki"]],
  ["status", "Status", ["", "up", "down", "unknown"]],
  ["nips", "NIPs (all of)", "text", "e.g. 1,42"],
  ["software", "Software", "text", ""],
  ["country", "Country", "text", "e.g. DE"],
  ["asn", "ASN", "text", ""],
  ["max_rtt", "Max RTT (ms)", "text", ""],
  ["auth_required", "Auth required", ["", "true", "false"]],
  ["payment_required", "Paid", ["", "true", "false"]],
  ["writable", "Writable", ["", "true", "false"]],
  ["sort", "Sort by", ["url", "rtt", "uptime", "events"]],
];

function field([name, label, kind, placeholder]) {
  const input = Array.isArray(kind)
    ? h("select", { name }, ...kind.map((v) => h("option", { value: v }, v === "" ? "any" : v)))
    : h("input", { name, type: "text", placeholder, size: 8 });
  return h("label", {}, label, input);
}

function row(r) {
  return h(
    "tr",
    { "data-url": r.url },
    h("td", {}, statusDot(r.status)),
    h("td", {}, relayLink(r.url), r.name ? h("div", { className: "muted" }, r.name) : null),
    h("td", {}, r.network),
    h("td", {}, r.software ?? "—"),
    h("td", { className: "num" }, r.rtt.open === null ? "—" : `${r.rtt.open} ms`),
    h("td", { className: "num" }, fmtPct(r.uptime["7d"])),
    h("td", { className: "num" }, fmtPct(r.uptime["30d"])),
    h("td", {}, r.supported_nips.length ? r.supported_nips.join(", ") : "—"),
    h("td", {}, r.country ?? "—"),
    h("td", { className: "num" }, fmtNum(r.events_archived)),
  );
}

export function renderRelays(main) {
  const form = h("form", { className: "filters", onsubmit: (e) => e.preventDefault() });
  form.append(
    h(
      "label",
      {},
      "Search",
      h("input", { name: "q", type: "search", placeholder: "URL or name", size: 18 }),
    ),
    ...FIELDS.map(field),
  );
  const count = h("p", { className: "muted", id: "relay-count" });
  const body = h("tbody");
  const more = h("button", { type: "button", id: "more-relays", hidden: true }, "More");
  const table = h(
    "table",
    { id: "relay-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...[
          "",
          "Relay",
          "Network",
          "Software",
          "RTT",
          "Uptime 7 d",
          "Uptime 30 d",
          "NIPs",
          "Country",
          "Events",
        ].map((t, i) => h("th", { className: i >= 4 && i <= 6 ? "num" : i === 9 ? "num" : "" }, t)),
      ),
    ),
    body,
  );
  main.replaceChildren(
    h("h1", {}, "Relays"),
    form,
    count,
    table,
    more,
    h("p", { className: "muted" }, "Countries by IP geolocation from DB-IP (CC BY 4.0)."),
  );

  let cursor = null;
  let generation = 0;
  const params = () => {
    const out = { limit: 100 };
    for (const [k, v] of new FormData(form)) if (String(v).trim() !== "") out[k] = String(v).trim();
    return out;
  };
  async function load(reset) {
    const mine = reset ? ++generation : generation;
    const query = params();
    if (!reset && cursor) query.cursor = cursor;
    try {
      const page = await getJson("/v1/relays", query);
      if (mine !== generation) return;
      if (reset) body.replaceChildren();
      body.append(...page.relays.map(row));
      cursor = page.next;
      more.hidden = cursor === null;
      count.textContent = `${fmtNum(page.total)} relays match`;
      count.className = "muted";
    } catch (error) {
      if (mine !== generation) return;
      body.replaceChildren();
      count.textContent = error.message;
      count.className = "error";
    }
  }
  let timer;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), 250);
  });
  form.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));
  return load(true);
}
