/**
 * The events browser: a NIP-01 filter form kept in the URL, newest first, paged by cursor. Keys
 * and ids may be hex or NIP-19 (the API decodes them); Since and Until are dates (UTC) on the
 * page and unix seconds in the URL and the API.
 */
import { getJson } from "./api.js";
import { fmtNum, h } from "./dom.js";
import { eventView } from "./event-view.js";
import { fillForm, formValues, writeQuery } from "./url-state.js";

const FIELDS = [
  ["authors", "Authors", "hex, npub or nprofile"],
  ["kinds", "Kinds", "e.g. 1,7"],
  ["ids", "Event ids", "hex, note or nevent"],
  ["#t", "Hashtags (#t)", "e.g. nostr"],
  ["#p", "Mentions (#p)", "hex, npub or nprofile"],
  ["#e", "Replies to (#e)", "hex, note or nevent"],
  ["#a", "Refers to (#a)", "naddr or kind:pubkey:d"],
];
const DATES = [
  ["since", "Since (UTC)"],
  ["until", "Until (UTC)"],
];

/** A datetime-local value (read as UTC) in unix seconds, and back. */
const toUnix = (value) => String(Math.floor(Date.parse(`${value}Z`) / 1000));
const toLocalInput = (unix) =>
  /^\d+$/.test(unix) ? new Date(Number(unix) * 1000).toISOString().slice(0, 16) : "";
const TO_URL = { since: toUnix, until: toUnix };
const FROM_URL = { since: toLocalInput, until: toLocalInput };

function filterForm() {
  return h(
    "form",
    { className: "filters", id: "event-filter" },
    ...FIELDS.map(([name, label, placeholder]) =>
      h("label", {}, label, h("input", { name, type: "text", size: 20, placeholder })),
    ),
    ...DATES.map(([name, label]) =>
      h("label", {}, label, h("input", { name, type: "datetime-local" })),
    ),
    h("button", { type: "submit" }, "Search"),
    h("a", { href: "#/events", className: "clear" }, "clear"),
  );
}

export function renderEvents(main, query = new URLSearchParams()) {
  const form = filterForm();
  fillForm(form, query, FROM_URL);
  const list = h("div", { id: "event-list" });
  const status = h("p", { className: "muted", id: "event-status" });
  const next = h("button", { type: "button", id: "next-events", hidden: true }, "Next page");
  main.replaceChildren(h("h1", {}, "Events"), form, status, list, next);
  let cursor = null;
  let page = 0;
  async function load(reset) {
    const params = { limit: 20, ...formValues(form, TO_URL) };
    if (!reset && cursor) params.cursor = cursor;
    try {
      const result = await getJson("/v1/events", params);
      page = reset ? 1 : page + 1;
      list.replaceChildren(...result.events.map(eventView));
      cursor = result.next;
      next.hidden = cursor === null;
      status.textContent = result.events.length
        ? `Page ${page}: ${fmtNum(result.events.length)} events, newest first`
        : "No archived event matches this filter.";
      status.className = "muted";
      status.dataset.page = String(page);
    } catch (error) {
      status.textContent = error.message;
      status.className = "error";
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    writeQuery(formValues(form, TO_URL));
    load(true);
  });
  next.addEventListener("click", () => load(false));
  return load(true);
}
