// Plain text tables for the terminal.

/** Left-aligned columns, two spaces apart, under a header row. */
export function renderTable(header: string[], rows: string[][]): string {
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => (row[column] ?? "").length)));
    const line = (cells: string[]) =>
        cells
            .map((cell, column) => cell.padEnd(widths[column]))
            .join("  ")
            .trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}

/** `2026-11-23T04:00:12.000Z` → `2026-11-23 04:00` (UTC): enough to tell images apart at a glance. */
export function shortDate(isoDate: string | undefined): string {
    return isoDate ? isoDate.slice(0, 16).replace("T", " ") : "-";
}
