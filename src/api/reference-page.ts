/**
 * A readable reference of the API rendered from its own OpenAPI document: one section per
 * route with its parameters and responses. Plain HTML with inline styles, so it works offline.
 */
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: {
    type?: string;
    minimum?: number;
    maximum?: number;
    enum?: unknown[];
    description?: string;
  };
}
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  responses?: Record<string, { description?: string }>;
}
interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);

function typeOf(p: Parameter): string {
  const s = p.schema ?? {};
  let t = s.type ?? "string";
  if (s.enum) t = s.enum.map(String).join(" | ");
  if (s.minimum !== undefined || s.maximum !== undefined) {
    t += ` (${s.minimum ?? "…"}–${s.maximum ?? "…"})`;
  }
  return t;
}

function parameterRows(params: readonly Parameter[]): string {
  if (params.length === 0) return "<p>No parameters.</p>";
  const rows = params.map(
    (p) =>
      `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? "yes" : ""}</td>` +
      `<td>${escapeHtml(typeOf(p))}</td><td>${escapeHtml(p.description ?? p.schema?.description ?? "")}</td></tr>`,
  );
  return `<table><thead><tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function operation(method: string, path: string, op: Operation): string {
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => `<li><code>${status}</code> ${escapeHtml(r.description ?? "")}</li>`)
    .join("");
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-");
  return `<section id="${id}"><h2><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? "")}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}
${parameterRows(op.parameters ?? [])}<h3>Responses</h3><ul>${responses}</ul></section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d232a}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde;padding:.25rem .5rem;text-align:left;vertical-align:top}
section{border-top:2px solid #445;margin-top:2rem}.m{background:#2b5;color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}
code{font-size:.95em}nav a{margin-right:.8rem}`;

/** The whole page for `doc` (an OpenAPI 3.1 document). */
export function renderReferencePage(doc: Document): string {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const nav = ops
    .map(({ path, method }) => {
      const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-");
      return `<a href="#${id}">${escapeHtml(path)}</a>`;
    })
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.info.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head><body>
<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description ?? "")}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Explorer: <a href="/">/</a>.</p>
<nav>${nav}</nav>${ops.map(({ path, method, op }) => operation(method, path, op)).join("\n")}</body></html>`;
}
