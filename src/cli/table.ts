/** A plain-text table: header, a rule, then rows; numbers right-aligned. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)),
  );
  const line = (cells: (string | number)[]) =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        return typeof c === "number" ? String(c).padStart(w) : String(c).padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
