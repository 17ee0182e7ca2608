/** A world map drawn from the world-atlas countries (d3-geo, topojson-client): no tiles. */
import { svg } from "./dom.js";

let countries;

async function land() {
  countries ??= fetch("/assets/vendor/countries-110m.json")
    .then((r) => r.json())
    .then((topo) => window.topojson.feature(topo, topo.objects.countries));
  return countries;
}

/** An SVG world map with a marker at each [lon, lat] of `points`. */
export async function worldMap(points, width = 720) {
  const height = Math.round(width / 2);
  const shapes = await land();
  const projection = window.d3.geoNaturalEarth1().fitSize([width, height], shapes);
  const path = window.d3.geoPath(projection);
  const map = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": "world map",
  });
  for (const f of shapes.features) map.append(svg("path", { d: path(f), class: "land" }));
  for (const [lon, lat] of points) {
    const xy = projection([lon, lat]);
    if (xy) map.append(svg("circle", { cx: xy[0], cy: xy[1], r: 6, class: "marker" }));
  }
  return map;
}
