/** Tiny DOM helpers: elements are built with textContent only, so no data is ever parsed as HTML. */

/** An element with attributes (on* = listeners) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "className") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
  }
  return el;
}

/** An SVG element (for the map). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** A date and time in UTC, to the minute ("2026-09-20 14:05 UTC"). */
export function fmtTime(unix) {
  return unix === null || unix === undefined
    ? "—"
    : `${new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

export function fmtPct(fraction) {
  return fraction === null || fraction === undefined ? "—" : `${(fraction * 100).toFixed(1)}%`;
}

export function fmtNum(n) {
  return n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US");
}

export function statusDot(status) {
  return h("span", { className: `dot ${status}`, title: status, "data-status": status });
}

/** Link to a relay's page. */
export function relayLink(url) {
  return h("a", { href: `#/relay/${encodeURIComponent(url)}` }, url);
}
