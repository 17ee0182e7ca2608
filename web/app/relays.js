/**
 * The relay table: the API's filters as form fields kept in the URL, live search, and "more" by
 * cursor. On a phone each relay is a card (style.css; each cell is labelled by data-label).
 */
import { getJson } from "./api.js";
import { fmtNum, fmtPct, h, relayLink, statusDot } from "./dom.js";
import { coverageCell } from "./relay-coverage.js";
import { fillForm, formValues, writeQuery } from "./url-state.js";

const FIELDS = [
  ["network", "Network", ["", "clearnet", "tor", "i2p", "loki"]],
  ["status", "Status", ["", "up", "down", "unknown"]],
  ["nips", "NIPs (all of)", "text", "e.g. 1,42"],
  ["software", "Software", "text", ""],
  ["country", "Country", "text", "e.g. DE,FR"],
  ["asn", "ASN", "text", ""],
  ["max_rtt", "Max RTT (ms)", "text", ""],
  ["auth_required", "Auth required", ["", "true", "false"]],
  ["payment_required", "Paid", ["", "true", "false"]],
  ["writable", "Writable", ["", "true", "false"]],
  ["max_coverage", "Max coverage (0–1)", "text", "e.g. 0.9"],
  ["sort", "Sort by", ["url", "rtt", "uptime", "events", "coverage"]],
];

function field([name, label, kind, placeholder]) {
  const input = Array.isArray(kind)
    ? h("select", { name }, ...kind.map((v) => h("option", { value: v }, v === "" ? "any" : v)))
    : h("input", { name, type: "text", placeholder, size: 8 });
  return h("label", { className: "optional" }, label, input);
}

/** On a phone the filters past the search fold behind this button (style.css). */
function filterToggle(form) {
  const button = h("button", { type: "button", className: "filter-toggle" });
  const label = () => {
    const active = FIELDS.filter(([name]) => form.elements[name]?.value && name !== "sort").length;
    const open = form.classList.contains("open");
    button.textContent = open ? "Hide filters" : active ? `Filters (${active} set)` : "Filters";
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => {
    form.classList.toggle("open");
    label();
  });
  form.addEventListener("change", label);
  return { button, label };
}

const COLUMNS = [
  ["", ""],
  ["Relay", ""],
  ["Network", ""],
  ["Software", ""],
  ["RTT", "num"],
  ["Uptime 7 d", "num"],
  ["Uptime 30 d", "num"],
  ["NIPs", ""],
  ["Country", ""],
  ["Events", "num"],
  ["Coverage", "num"],
];

function row(r) {
  const cells = [
    statusDot(r.status),
    [relayLink(r.url), r.name ? h("div", { className: "muted" }, r.name) : null],
    r.network,
    r.software ?? "—",
    r.rtt.open === null ? "—" : `${r.rtt.open} ms`,
    fmtPct(r.uptime["7d"]),
    fmtPct(r.uptime["30d"]),
    r.supported_nips.length ? r.supported_nips.join(", ") : "—",
    r.country ?? "—",
    fmtNum(r.events_archived),
    coverageCell(r.coverage),
  ];
  return h(
    "tr",
    { "data-url": r.url },
    ...cells.map((c, i) => {
      const [label, className] = COLUMNS[i];
      return h("td", { className: className || undefined, "data-label": label || undefined }, c);
    }),
  );
}

export function renderRelays(main, query = new URLSearchParams()) {
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
  const toggle = filterToggle(form);
  form.prepend(toggle.button);
  const count = h("p", { className: "muted", id: "relay-count" });
  const body = h("tbody");
  const more = h("button", { type: "button", id: "more-relays", hidden: true }, "More");
  const table = h(
    "table",
    { id: "relay-table", className: "cards-on-phone" },
    h("thead", {}, h("tr", {}, ...COLUMNS.map(([t, className]) => h("th", { className }, t)))),
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

  fillForm(form, query);
  toggle.label();
  let cursor = null;
  let generation = 0;
  /** The filters as the URL keeps them (the default sort left out). */
  const filters = () => {
    const values = formValues(form);
    if (values.sort === "url") delete values.sort;
    return values;
  };
  const params = () => ({ limit: 100, ...filters() });
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
  const apply = (typing) => {
    writeQuery(filters(), { typing });
    load(true);
  };
  let timer;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => apply(true), 250);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    apply(false);
  });
  more.addEventListener("click", () => load(false));
  return load(true);
}
