/**
 * Relay changes (down, up, NIP-11, certificate...) as a table, newest first: the latest from
 * /v1/changes, then each new one from the live feed (/v1/stream, an EventSource) added on top.
 * One live feed at a time: the router closes it when the view changes (closeLiveChanges).
 */
import { getJson } from "./api.js";
import { fmtTime, h } from "./dom.js";

let live;

/** Closes the current view's live feed, if any. */
export function closeLiveChanges() {
  live?.close();
  live = undefined;
}

const LABELS = {
  relay_added: "new relay",
  down: "down",
  up: "up again",
  nip11_changed: "NIP-11 changed",
  nips_changed: "NIPs changed",
  cert_renewed: "certificate renewed",
  cert_expiring: "certificate expiring",
  cert_invalid: "certificate invalid",
  rtt_high: "slow",
  rtt_normal: "fast again",
  write_failing: "writes failing",
  write_restored: "writes work again",
};

/** A short reading of a change's evidence. */
function detail(c) {
  const e = c.evidence ?? {};
  if (c.kind === "nip11_changed") return (e.fields ?? []).join(", ");
  if (c.kind === "nips_changed") {
    const add = (e.added ?? []).map((n) => `+${n}`);
    return [...add, ...(e.removed ?? []).map((n) => `−${n}`)].join(" ");
  }
  if (c.kind === "down")
    return `${e.failures ?? "?"} failed checks${e.reason ? `: ${e.reason}` : ""}`;
  if (c.kind === "cert_expiring") return `${e.days_left} days left`;
  if (e.rtt_open !== undefined) return `open ${e.rtt_open} ms`;
  return e.reason ? String(e.reason) : "";
}

function row(c, withRelay) {
  const relayCell = h(
    "td",
    {},
    h("a", { href: `#/relay/${encodeURIComponent(c.relay)}` }, c.relay),
  );
  return h(
    "tr",
    { "data-change": c.id, className: `change-${c.kind}` },
    h("td", {}, fmtTime(c.checked_at)),
    withRelay ? relayCell : null,
    h("td", {}, LABELS[c.kind] ?? c.kind),
    h("td", { className: "muted" }, detail(c)),
  );
}

/**
 * A "Changes" section (`id` on its table): the newest `limit` of them (of `relay` only when
 * given), kept live until the view changes.
 */
export async function changesSection({ id, relay, limit = 20 }) {
  const { changes } = await getJson("/v1/changes", { relay, limit });
  const headers = ["checked", ...(relay ? [] : ["relay"]), "change", "details"];
  const body = h("tbody", {}, ...changes.map((c) => row(c, !relay)));
  const empty = h("p", { className: "muted empty", id: `${id}-empty` }, "No change recorded yet.");
  const table = h(
    "table",
    { id },
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", {}, t)))),
    body,
  );
  const section = h(
    "section",
    {},
    h("h2", {}, relay ? "Changes" : "Latest changes (live)"),
    changes.length === 0 ? empty : table,
  );
  closeLiveChanges();
  if (typeof EventSource === "function") {
    const params = new URLSearchParams(relay ? { relay } : {});
    live = new EventSource(`/v1/stream${relay ? `?${params}` : ""}`);
    live.addEventListener("change", (ev) => {
      const c = JSON.parse(ev.data);
      if (body.querySelector(`tr[data-change="${c.id}"]`)) return;
      body.prepend(row(c, !relay));
      while (body.children.length > limit) body.lastElementChild.remove();
      if (empty.isConnected) empty.replaceWith(table);
    });
  }
  return section;
}
