/**
 * A view's filters live in the URL (`#/events?kinds=1&since=1700000000`), so a view can be
 * shared and bookmarked and the browser's back and forward buttons move between filters.
 */

/** The location's hash split into the view, its argument and its query. */
export function currentRoute() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const q = hash.indexOf("?");
  const path = q < 0 ? hash : hash.slice(0, q);
  const [, view = "", arg = ""] = path.match(/^\/([a-z]*)\/?(.*)$/) ?? [];
  return { view, arg, query: new URLSearchParams(q < 0 ? "" : hash.slice(q + 1)) };
}

/** The hash the router last rendered or a view last wrote: a change to it needs no render. */
let shown = null;
/** When the last write made while typing was (0: the last write was not typing). */
let lastTyping = 0;

export function isShown(hash) {
  return hash === shown;
}

export function markShown(hash) {
  shown = hash;
}

/** `#/path?query` of the current view with `params` (empty values left out). */
function hashWith(params) {
  const path = location.hash.replace(/\?.*$/, "") || "#/";
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && String(v) !== "") query.set(k, String(v));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Puts the view's filters in the URL as a new history entry; with `typing`, the same entry while
 * the person is still typing (within a second of the previous keystroke's write), so one edit is
 * one step back.
 */
export function writeQuery(params, { typing = false } = {}) {
  const hash = hashWith(params);
  if (hash === (location.hash || "#/")) return;
  const now = Date.now();
  if (typing && now - lastTyping < 1000) history.replaceState(null, "", hash);
  else history.pushState(null, "", hash);
  lastTyping = typing ? now : 0;
  shown = hash;
}

/** Sets each named field of `form` from `query` (a select gains an option it lacks). */
export function fillForm(form, query, convert = {}) {
  for (const el of form.elements) {
    if (!el.name || !query.has(el.name)) continue;
    const value = convert[el.name] ? convert[el.name](query.get(el.name)) : query.get(el.name);
    if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === value)) {
      el.append(new Option(value, value));
    }
    el.value = value;
  }
}

/** The non-empty fields of `form`, trimmed, each through `convert[name]` if given. */
export function formValues(form, convert = {}) {
  const out = {};
  for (const [k, v] of new FormData(form)) {
    const value = String(v).trim();
    if (value === "") continue;
    out[k] = convert[k] ? convert[k](value) : value;
  }
  return out;
}
