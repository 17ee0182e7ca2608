/** World maps drawn from the world-atlas countries (d3-geo, topojson-client): no tiles. */
import { ALPHA2_OF_FEATURE, countryName } from "./countries.js";
import { svg } from "./dom.js";

let countries;

async function land() {
  countries ??= fetch("/assets/vendor/countries-110m.json")
    .then((r) => r.json())
    .then((topo) => window.topojson.feature(topo, topo.objects.countries));
  return countries;
}

async function projected(width) {
  const height = Math.round(width / 2);
  const shapes = await land();
  const projection = window.d3.geoNaturalEarth1().fitSize([width, height], shapes);
  const map = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  return { shapes, projection, path: window.d3.geoPath(projection), map };
}

/** An SVG world map with a marker at each [lon, lat] of `points`. */
export async function worldMap(points, width = 720) {
  const { shapes, projection, path, map } = await projected(width);
  map.setAttribute("aria-label", "world map");
  for (const f of shapes.features) map.append(svg("path", { d: path(f), class: "land" }));
  for (const [lon, lat] of points) {
    const xy = projection([lon, lat]);
    if (xy) map.append(svg("circle", { cx: xy[0], cy: xy[1], r: 6, class: "marker" }));
  }
  return map;
}

/** One of five shades for `n` of at most `max` relays (a square-root scale: a few big hosts). */
const shade = (n, max) => Math.min(4, Math.floor(Math.sqrt(n / max) * 5));

/**
 * Countries shaded by how many relays they host, each a link to `href(code)` titled with its
 * name and counts. `rows` are /v1/stats countries ({country, relays, up}); returns the map and
 * the rows of countries the map is too coarse to draw.
 */
export async function countryMap(rows, href, width = 960) {
  const { shapes, path, map } = await projected(width);
  map.setAttribute("aria-label", "relays by country");
  const byCode = new Map(rows.map((r) => [r.country, r]));
  const max = Math.max(1, ...rows.map((r) => r.relays));
  const drawn = new Set();
  for (const f of shapes.features) {
    const code = ALPHA2_OF_FEATURE.get(f.id ?? f.properties.name);
    const row = code === undefined ? undefined : byCode.get(code);
    if (row === undefined) {
      map.append(svg("path", { d: path(f), class: "land" }));
      continue;
    }
    drawn.add(code);
    const title = svg("title");
    title.textContent = `${countryName(code)}: ${row.relays} relays, ${row.up} up`;
    const shape = svg("path", { d: path(f), class: `land hosted shade-${shade(row.relays, max)}` });
    shape.append(title);
    map.append(svg("a", { href: href(code), "data-country": code }, shape));
  }
  return { map, undrawn: rows.filter((r) => !drawn.has(r.country)) };
}
