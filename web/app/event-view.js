/**
 * One archived event as a person reads it: what its kind means (a follow list as its count, a
 * repost or reaction as a link to its target, an article by its title), with the raw JSON one
 * click away. Nothing is loaded from elsewhere (no pictures): the explorer stays offline.
 */
import { fmtNum, fmtTime, h, relayLink } from "./dom.js";
import { kindLabel } from "./kinds.js";

/** How many follows a follow list's link asks the API for at most (its filter limit). */
const MAX_AUTHORS = 100;

const tagValues = (e, name) => (e.tags ?? []).filter((t) => t[0] === name && t[1]).map((t) => t[1]);

const eventLink = (id, text) =>
  h("a", { href: `#/events?ids=${id}`, className: "event-ref" }, text ?? `${id.slice(0, 12)}…`);

const authorLink = (pubkey) =>
  h("a", { href: `#/events?authors=${pubkey}` }, h("code", {}, `${pubkey.slice(0, 12)}…`));

function text(content, max = 500) {
  if (!content) return null;
  const cut = content.length > max ? `${content.slice(0, max)}…` : content;
  return h("div", { className: "content" }, cut);
}

function parsed(json) {
  try {
    const value = JSON.parse(json);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

function profile(e) {
  const p = parsed(e.content) ?? {};
  const name = [p.display_name, p.name].find((n) => typeof n === "string" && n) ?? "(no name)";
  return [
    h(
      "div",
      { className: "lead" },
      "Profile of ",
      h("b", {}, name),
      p.nip05 ? ` · ${p.nip05}` : "",
    ),
    typeof p.about === "string" ? text(p.about) : null,
  ];
}

function follows(e) {
  const keys = [...new Set(tagValues(e, "p").filter((k) => /^[0-9a-f]{64}$/.test(k)))];
  const shown = keys.slice(0, MAX_AUTHORS);
  return h(
    "div",
    { className: "lead" },
    `Follows ${fmtNum(keys.length)} ${keys.length === 1 ? "account" : "accounts"}`,
    keys.length
      ? [
          " · ",
          h(
            "a",
            { href: `#/events?authors=${shown.join(",")}` },
            keys.length > shown.length ? `events of the first ${shown.length}` : "their events",
          ),
        ]
      : "",
  );
}

function repost(e) {
  const target = tagValues(e, "e")[0];
  const author = tagValues(e, "p")[0];
  const inner = parsed(e.content);
  return [
    h(
      "div",
      { className: "lead" },
      "Repost of ",
      target ? eventLink(target) : "an event it does not name",
      author ? [" by ", authorLink(author)] : "",
    ),
    inner && typeof inner.content === "string" ? text(inner.content, 280) : null,
  ];
}

/** A reaction: a like ("+" or empty), a dislike ("-"), or an emoji or word, and its target. */
function reaction(e) {
  const target = tagValues(e, "e").at(-1);
  const what =
    e.content === "+" || e.content === ""
      ? "Like of "
      : e.content === "-"
        ? "Dislike of "
        : `Reaction “${e.content.slice(0, 40)}” to `;
  return h(
    "div",
    { className: "lead" },
    what,
    target ? eventLink(target) : "an event it does not name",
  );
}

function deletion(e) {
  const ids = tagValues(e, "e");
  return [
    h(
      "div",
      { className: "lead" },
      `Asks to delete ${ids.length} ${ids.length === 1 ? "event" : "events"}`,
      ids.length ? ": " : "",
      ...ids.slice(0, 10).flatMap((id, i) => (i ? [", ", eventLink(id)] : [eventLink(id)])),
    ),
    text(e.content),
  ];
}

function zap(e) {
  const request = parsed(tagValues(e, "description")[0] ?? "");
  const msats = Number((request?.tags ?? []).find((t) => t[0] === "amount")?.[1]);
  const target = tagValues(e, "e")[0];
  const to = tagValues(e, "p")[0];
  return h(
    "div",
    { className: "lead" },
    Number.isFinite(msats) ? `Zap of ${fmtNum(Math.floor(msats / 1000))} sats` : "Zap",
    target ? [" for ", eventLink(target)] : to ? [" to ", authorLink(to)] : "",
  );
}

function relayList(e) {
  const relays = (e.tags ?? []).filter((t) => t[0] === "r" && t[1]);
  return [
    h("div", { className: "lead" }, `Relay list: ${relays.length} relays`),
    h(
      "ul",
      { className: "relay-list" },
      ...relays
        .slice(0, 20)
        .map((t) => h("li", {}, relayLink(t[1]), t[2] ? ` (${t[2]} only)` : "")),
    ),
  ];
}

function article(e) {
  const title = tagValues(e, "title")[0] ?? "(untitled)";
  const summary = tagValues(e, "summary")[0];
  return [
    h("div", { className: "lead" }, e.kind === 30024 ? "Draft: " : "", h("b", {}, title)),
    summary ? h("div", { className: "muted" }, summary) : null,
    text(e.content, 300),
  ];
}

const BODIES = {
  0: profile,
  3: follows,
  5: deletion,
  6: repost,
  7: reaction,
  16: repost,
  9735: zap,
  10002: relayList,
  30023: article,
  30024: article,
};

function body(e) {
  if (e.content === undefined && e.tags === undefined) {
    return h("div", { className: "muted" }, "Content and tags are not kept in this archive.");
  }
  return (BODIES[e.kind] ?? ((x) => text(x.content)))(e);
}

function raw(e) {
  const { relays: _relays, ...event } = e;
  return h(
    "details",
    { className: "raw" },
    h("summary", {}, "raw JSON"),
    h("pre", {}, JSON.stringify(event, null, 2)),
  );
}

/** The event as a block: who, when, what kind, its body by kind, its relays, the raw JSON. */
export function eventView(e) {
  return h(
    "article",
    { className: "event", "data-id": e.id, "data-kind": e.kind },
    h(
      "div",
      { className: "event-head" },
      eventLink(e.id, h("code", {}, e.id.slice(0, 16))),
      " · ",
      h("span", { className: "kind" }, `kind ${kindLabel(e.kind)}`),
      ` · ${fmtTime(e.created_at)} · by `,
      authorLink(e.pubkey),
    ),
    body(e),
    h(
      "div",
      { className: "muted" },
      "seen on ",
      ...e.relays.flatMap((u, i) => (i ? [", ", relayLink(u)] : [relayLink(u)])),
    ),
    raw(e),
  );
}
