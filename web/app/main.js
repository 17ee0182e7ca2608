/**
 * The explorer's router: #/ relays, #/relay/<url>, #/overview, #/events, #/candidates,
 * #/monitors; a view's filters follow a "?" (see url-state.js). Back and forward re-render from
 * the URL.
 */
import { renderCandidates } from "./candidates.js";
import { closeLiveChanges } from "./changes.js";
import { h } from "./dom.js";
import { renderEvents } from "./events.js";
import { renderMonitors } from "./monitors.js";
import { renderOverview } from "./overview.js";
import { renderRelay } from "./relay.js";
import { renderRelays } from "./relays.js";
import { currentRoute, isShown, markShown } from "./url-state.js";

const main = document.getElementById("app");
const VIEWS = {
  relay: (route) => renderRelay(main, decodeURIComponent(route.arg)),
  overview: (route) => renderOverview(main, route.query),
  events: (route) => renderEvents(main, route.query),
  candidates: (route) => renderCandidates(main, route.query),
  monitors: () => renderMonitors(main),
};

async function route() {
  if (isShown(location.hash)) return;
  markShown(location.hash);
  closeLiveChanges();
  const r = currentRoute();
  const view = VIEWS[r.view] ? r.view : "relays";
  const nav = view === "relay" ? "relays" : view;
  for (const a of document.querySelectorAll("[data-nav]"))
    a.classList.toggle("active", a.dataset.nav === nav);
  document.body.dataset.ready = "";
  try {
    await (VIEWS[view] ?? ((q) => renderRelays(main, q.query)))(r);
  } catch (error) {
    main.replaceChildren(h("p", { className: "error" }, `Could not load: ${error.message}`));
  }
  // What tests and scripts wait for: the view that finished rendering.
  document.body.dataset.ready = view;
}

window.addEventListener("hashchange", route);
window.addEventListener("popstate", route);
route();
