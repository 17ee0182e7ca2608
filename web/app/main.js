/** The explorer's router: #/ relays, #/relay/<url>, #/overview, #/events. */
import { h } from "./dom.js";
import { renderEvents } from "./events.js";
import { renderOverview } from "./overview.js";
import { renderRelay } from "./relay.js";
import { renderRelays } from "./relays.js";

const main = document.getElementById("app");

async function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [, view, arg] = hash.match(/^\/([a-z]*)\/?(.*)$/) ?? [];
  const nav = view === "relay" || !view ? "relays" : view;
  for (const a of document.querySelectorAll("[data-nav]"))
    a.classList.toggle("active", a.dataset.nav === nav);
  document.body.dataset.ready = "";
  try {
    if (view === "relay") await renderRelay(main, decodeURIComponent(arg));
    else if (view === "overview") await renderOverview(main);
    else if (view === "events") await renderEvents(main);
    else await renderRelays(main);
  } catch (error) {
    main.replaceChildren(h("p", { className: "error" }, `Could not load: ${error.message}`));
  }
  // What tests and scripts wait for: the view that finished rendering.
  document.body.dataset.ready = view || "relays";
}

window.addEventListener("hashchange", route);
route();
