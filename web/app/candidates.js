/**
 * The candidates: URLs found (seed, API, relay lists…) that have not answered as relays yet,
 * with how often and why their validation failed and when it is tried again. Network filter
 * kept in the URL; "More" by cursor.
 */
import { getJson } from "./api.js";
import { fmtNum, fmtTime, h } from "./dom.js";
import { fillForm, formValues, writeQuery } from "./url-state.js";

const NETWORKS = ["", "clearnet", "tor", "i2p", "loki"];
const COLUMNS = ["URL", "Network", "Failures", "Last failure", "Next attempt", "Found", "Source"];

/** "due now", "in 5 min", "in 3 h", "in 2 d" from `now` (unix seconds). */
function fromNow(t, now) {
  const s = t - now;
  if (s <= 0) return "due now";
  if (s < 3600) return `in ${Math.ceil(s / 60)} min`;
  if (s < 86_400) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86_400)} d`;
}

function row(c, now) {
  const cells = [
    h("code", {}, c.url),
    c.network,
    fmtNum(c.failures),
    c.reason
      ? [
          h("span", { className: "reason" }, c.reason),
          h("div", { className: "muted time" }, fmtTime(c.last_attempt)),
        ]
      : c.last_attempt === null
        ? "not tried yet"
        : "—",
    [
      fromNow(c.next_attempt, now),
      c.next_attempt > now ? h("div", { className: "muted time" }, fmtTime(c.next_attempt)) : null,
    ],
    h("span", { className: "time" }, fmtTime(c.first_seen)),
    c.source,
  ];
  return h(
    "tr",
    { "data-url": c.url },
    ...cells.map((cell, i) => h("td", { "data-label": COLUMNS[i] }, cell)),
  );
}

export function renderCandidates(main, query = new URLSearchParams()) {
  const form = h(
    "form",
    { className: "filters", onsubmit: (e) => e.preventDefault() },
    h(
      "label",
      {},
      "Network",
      h(
        "select",
        { name: "network" },
        ...NETWORKS.map((n) => h("option", { value: n }, n || "any")),
      ),
    ),
  );
  fillForm(form, query);
  const count = h("p", { className: "muted", id: "candidate-count" });
  const body = h("tbody");
  const more = h("button", { type: "button", id: "more-candidates", hidden: true }, "More");
  main.replaceChildren(
    h("h1", {}, "Candidates"),
    h(
      "p",
      { className: "muted" },
      "Relay URLs found but not validated yet: the validator tries each again after a back-off, and promotes it to ",
      h("a", { href: "#/" }, "the relays"),
      " once it answers as a Nostr relay.",
    ),
    form,
    count,
    h(
      "table",
      { id: "candidate-table", className: "cards-on-phone" },
      h("thead", {}, h("tr", {}, ...COLUMNS.map((t) => h("th", {}, t)))),
      body,
    ),
    more,
  );
  let cursor = null;
  async function load(reset) {
    const params = { limit: 100, ...formValues(form) };
    if (!reset && cursor) params.cursor = cursor;
    try {
      const page = await getJson("/v1/candidates", params);
      const now = Math.floor(Date.now() / 1000);
      if (reset) body.replaceChildren();
      body.append(...page.candidates.map((c) => row(c, now)));
      cursor = page.next;
      more.hidden = cursor === null;
      count.textContent =
        page.total === 0
          ? "No candidates: every URL found so far was validated as a relay."
          : `${fmtNum(page.total)} candidates waiting for validation`;
      count.className = "muted";
    } catch (error) {
      count.textContent = error.message;
      count.className = "error";
    }
  }
  form.addEventListener("change", () => {
    writeQuery(formValues(form));
    load(true);
  });
  more.addEventListener("click", () => load(false));
  return load(true);
}
