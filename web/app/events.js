/** The events browser: a NIP-01 filter form, newest first, paged by cursor. */
import { getJson } from "./api.js";
import { fmtTime, h, relayLink } from "./dom.js";

const FIELDS = [
  ["authors", "Authors (hex)"],
  ["kinds", "Kinds"],
  ["#t", "#t"],
  ["#p", "#p"],
  ["#e", "#e"],
  ["since", "Since (unix)"],
  ["until", "Until (unix)"],
];

function eventRow(e) {
  return h(
    "div",
    { className: "event", "data-id": e.id },
    h(
      "div",
      {},
      h("code", {}, e.id.slice(0, 16)),
      ` · kind ${e.kind} · ${fmtTime(e.created_at)} · by `,
      h("code", {}, `${e.pubkey.slice(0, 12)}…`),
    ),
    e.content !== undefined ? h("div", { className: "content" }, e.content.slice(0, 500)) : null,
    h(
      "div",
      { className: "muted" },
      "seen on ",
      ...e.relays.flatMap((u, i) => (i ? [", ", relayLink(u)] : [relayLink(u)])),
    ),
  );
}

export function renderEvents(main) {
  const form = h(
    "form",
    { className: "filters", id: "event-filter" },
    ...FIELDS.map(([name, label]) =>
      h("label", {}, label, h("input", { name, type: "text", size: 12 })),
    ),
    h("button", { type: "submit" }, "Search"),
  );
  const list = h("div", { id: "event-list" });
  const status = h("p", { className: "muted", id: "event-status" });
  const next = h("button", { type: "button", id: "next-events", hidden: true }, "Next page");
  main.replaceChildren(h("h1", {}, "Events"), form, status, list, next);
  let cursor = null;
  let page = 0;
  async function load(reset) {
    const query = { limit: 20 };
    for (const [k, v] of new FormData(form)) if (String(v).trim()) query[k] = String(v).trim();
    if (!reset && cursor) query.cursor = cursor;
    try {
      const result = await getJson("/v1/events", query);
      page = reset ? 1 : page + 1;
      list.replaceChildren(...result.events.map(eventRow));
      cursor = result.next;
      next.hidden = cursor === null;
      status.textContent = `Page ${page}: ${result.events.length} events, newest first`;
      status.className = "muted";
      status.dataset.page = String(page);
    } catch (error) {
      status.textContent = error.message;
      status.className = "error";
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load(true);
  });
  next.addEventListener("click", () => load(false));
  return load(true);
}
