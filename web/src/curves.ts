/** Training curves (loss and accuracy per epoch, train and validation) as inline SVG. */
import type { HistoryRow } from './types.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 360, H = 220, PAD = 40;

type Series = { name: string; color: string; values: Array<number | null> };

function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** One chart: x = epoch, y from the series' min..max, with a legend. */
function chart(title: string, epochs: number[], series: Series[]): SVGSVGElement {
  const svg = svgEl('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }) as SVGSVGElement;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const lo = Math.min(...all), hi = Math.max(...all);
  const span = hi - lo || 1;
  const x0 = epochs[0], x1 = epochs[epochs.length - 1];
  const px = (e: number) => PAD + ((e - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const py = (v: number) => H - PAD - ((v - lo) / span) * (H - 2 * PAD);
  svg.append(svgEl('text', { x: W / 2, y: 16, 'text-anchor': 'middle', 'font-size': 13 }, title));
  svg.append(svgEl('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, stroke: '#999' }));
  svg.append(svgEl('line', { x1: PAD, y1: PAD, x2: PAD, y2: H - PAD, stroke: '#999' }));
  svg.append(svgEl('text', { x: PAD - 4, y: py(hi) + 4, 'text-anchor': 'end', 'font-size': 10 }, hi.toPrecision(3)));
  svg.append(svgEl('text', { x: PAD - 4, y: py(lo) + 4, 'text-anchor': 'end', 'font-size': 10 }, lo.toPrecision(3)));
  svg.append(svgEl('text', { x: W / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 11 }, `epoch ${x0}–${x1}`));
  series.forEach((s, i) => {
    const pts = s.values.map((v, j) => (v === null ? null : `${px(epochs[j]).toFixed(1)},${py(v).toFixed(1)}`)).filter(Boolean);
    if (!pts.length) return;
    svg.append(svgEl('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2 }));
    svg.append(svgEl('text', { x: W - PAD, y: PAD + 14 * i, 'text-anchor': 'end', 'font-size': 11, fill: s.color }, s.name));
  });
  return svg;
}

export function curvesSvg(history: HistoryRow[]): HTMLElement {
  const box = document.createElement('div');
  box.className = 'curves';
  if (!history.length) {
    box.textContent = 'No training history in this run.';
    return box;
  }
  const epochs = history.map((h) => h.epoch);
  box.append(
    chart('Loss', epochs, [
      { name: 'train', color: '#1e88e5', values: history.map((h) => h.trainLoss) },
      { name: 'validation', color: '#e53935', values: history.map((h) => h.valLoss) },
    ]),
    chart('Accuracy', epochs, [
      { name: 'train', color: '#1e88e5', values: history.map((h) => h.trainAcc) },
      { name: 'validation', color: '#e53935', values: history.map((h) => h.valAcc) },
    ]),
  );
  return box;
}
