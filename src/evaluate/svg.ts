/** Small dependency-free SVG charts: line curves (loss/accuracy per epoch) and a confusion-matrix heat map. */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

/**
 * A line chart of several series over a shared x axis (epochs), with min/max tick labels and a legend of the
 * series that have points (a series without any finite point is left out, legend included); `hline` draws a
 * dashed horizontal reference line (e.g. a target accuracy) with its label.
 */
export function lineChart(
  title: string, all: Series[], o: { width?: number; height?: number; hline?: { y: number; label: string } } = {},
): string {
  const W = o.width ?? 420, H = o.height ?? 260, L = 50, R = 10, T = 24, B = 30;
  const series = all.filter((s) => s.points.some(([, y]) => Number.isFinite(y)));
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (o.hline) pts.push([pts[0]?.[0] ?? 0, o.hline.y]);
  const xs = pts.map(([x]) => x), ys = pts.map(([, y]) => y);
  const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
  let y0 = Math.min(...ys, Infinity), y1 = Math.max(...ys, -Infinity);
  if (!Number.isFinite(y0)) { y0 = 0; y1 = 1; }
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const lines = series.map((s) => {
    const p = s.points.filter(([, y]) => Number.isFinite(y));
    if (!p.length) return '';
    const d = p.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const dots = p.length > 30 ? "" : p.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`).join('');
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}`;
  }).join('');
  const hl = o.hline
    ? `<line x1="${L}" x2="${W - R}" y1="${sy(o.hline.y).toFixed(1)}" y2="${sy(o.hline.y).toFixed(1)}" stroke="#2ca02c" stroke-dasharray="4 3"/>` +
      `<text x="${W - R - 4}" y="${(sy(o.hline.y) - 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#2ca02c">${esc(o.hline.label)}</text>`
    : '';
  const legend = series.map((s, i) =>
    `<text x="${L + 8 + i * 110}" y="${T + 12}" fill="${s.color}" font-size="11">— ${esc(s.name)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">` +
    `<text x="${W / 2}" y="15" text-anchor="middle" font-size="13">${esc(title)}</text>` +
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>` +
    `<text x="${L - 4}" y="${sy(y1) + 4}" text-anchor="end" font-size="10">${fmt(y1)}</text>` +
    `<text x="${L - 4}" y="${sy(y0)}" text-anchor="end" font-size="10">${fmt(y0)}</text>` +
    `<text x="${sx(x0)}" y="${H - B + 14}" font-size="10">${x0}</text>` +
    `<text x="${sx(x1)}" y="${H - B + 14}" text-anchor="end" font-size="10">${x1}</text>` +
    `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">epoch</text>` +
    `${hl}${lines}${legend}</svg>`;
}

/** Confusion matrix as a heat map: rows = true class, columns = predicted, cell shade by row share. */
export function confusionSvg(confusion: number[][], labels: string[]): string {
  const k = labels.length, cell = Math.max(18, Math.min(40, Math.floor(480 / Math.max(1, k))));
  const lab = Math.min(110, 8 + 7 * Math.max(...labels.map((l) => l.length), 1));
  const W = lab + k * cell + 10, H = lab + k * cell + 24;
  const cells: string[] = [];
  for (let i = 0; i < k; i++) {
    const total = confusion[i].reduce((a, b) => a + b, 0) || 1;
    for (let j = 0; j < k; j++) {
      const v = confusion[i][j], share = v / total;
      const hue = i === j ? '40,120,200' : '210,60,40';
      const x = lab + j * cell, y = lab + i * cell;
      cells.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgba(${hue},${(0.08 + 0.92 * share).toFixed(3)})" stroke="#fff"/>`);
      if (v) cells.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="${cell > 28 ? 10 : 8}">${v}</text>`);
    }
  }
  const names = labels.map((l, i) =>
    `<text x="${lab - 4}" y="${lab + i * cell + cell / 2 + 4}" text-anchor="end" font-size="10">${esc(l)}</text>` +
    `<text transform="translate(${lab + i * cell + cell / 2},${lab - 4}) rotate(-60)" font-size="10">${esc(l)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">` +
    `<text x="4" y="${H - 6}" font-size="10">rows: true class, columns: predicted</text>${names}${cells.join('')}</svg>`;
}
