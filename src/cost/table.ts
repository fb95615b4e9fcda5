/** Plain-text and markdown tables, and number formatting, for the cost reports. */

export type Align = 'l' | 'r';

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtM = (n: number, d = 2) => `${(n / 1e6).toFixed(d)}M`;
export const fmtPct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`;

/** A fixed-width text table: header, rule, rows. */
export function textTable(header: string[], rows: string[][], align: Align[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function markdownTable(header: string[], rows: string[][], align: Align[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function table(format: 'text' | 'markdown', header: string[], rows: string[][], align: Align[]): string {
  return format === 'markdown' ? markdownTable(header, rows, align) : textTable(header, rows, align);
}
