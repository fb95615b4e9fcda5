/**
 * Training curves as inline SVG: loss and accuracy, train, validation and test (where measured). The train series uses the points
 * within epochs (`curve`, ~20 per epoch, as report.html draws them), so a one-epoch run still shows a curve;
 * runs without them fall back to one point per epoch. Single points are drawn as dots.
 */
import type { CurvePoint, HistoryRow } from '../../src/api-types.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 360, H = 220, PAD = 40;

type Point = [number, number];
type Series = { name: string; color: string; points: Point[] };

function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const fmtEpoch = (e: number) => (Number.isInteger(e) ? String(e) : e.toFixed(2));

/** One chart: x = (fractional) epoch, y from the series' min..max, with a legend. */
function chart(title: string, series: Series[]): SVGSVGElement {
  const svg = svgEl('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }) as SVGSVGElement;
  const pts = series.flatMap((s) => s.points);
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const lo = Math.min(...ys), hi = Math.max(...ys);
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const px = (e: number) => PAD + ((e - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const py = (v: number) => H - PAD - ((v - lo) / (hi - lo || 1)) * (H - 2 * PAD);
  svg.append(svgEl('text', { x: W / 2, y: 16, 'text-anchor': 'middle', 'font-size': 13 }, title));
  svg.append(svgEl('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, stroke: '#999' }));
  svg.append(svgEl('line', { x1: PAD, y1: PAD, x2: PAD, y2: H - PAD, stroke: '#999' }));
  svg.append(svgEl('text', { x: PAD - 4, y: py(hi) + 4, 'text-anchor': 'end', 'font-size': 10 }, hi.toPrecision(3)));
  svg.append(svgEl('text', { x: PAD - 4, y: py(lo) + 4, 'text-anchor': 'end', 'font-size': 10 }, lo.toPrecision(3)));
  svg.append(svgEl('text', { x: W / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 11 }, `epoch ${fmtEpoch(x0)}–${fmtEpoch(x1)}`));
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const coords = s.points.map(([x, y]) => [px(x).toFixed(1), py(y).toFixed(1)]);
    if (coords.length > 1) {
      svg.append(svgEl('polyline', { points: coords.map((c) => c.join(',')).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2 }));
    }
    if (coords.length <= 3) for (const [cx, cy] of coords) svg.append(svgEl('circle', { cx, cy, r: 3, fill: s.color }));
    svg.append(svgEl('text', { x: W - PAD, y: PAD + 14 * i, 'text-anchor': 'end', 'font-size': 11, fill: s.color }, s.name));
  });
  return svg;
}

const finite = (p: [number, number | null]): p is Point => p[1] !== null && Number.isFinite(p[1]);

/** The loss and accuracy charts of a run: `curve` for training when it has points, else the epoch rows; validation and test per epoch where measured. */
export function curvesSvg(history: HistoryRow[], curve: CurvePoint[] = []): HTMLElement {
  const box = document.createElement('div');
  box.className = 'curves';
  const train = (i: 1 | 2, f: (h: HistoryRow) => number): Point[] =>
    (curve.length ? curve.map((p) => [p[0], p[i]] as [number, number]) : history.map((h) => [h.epoch, f(h)] as [number, number])).filter(finite);
  const val = (f: (h: HistoryRow) => number | null): Point[] => history.map((h) => [h.epoch, f(h)] as [number, number | null]).filter(finite);
  const loss = [{ name: 'train', color: '#1e88e5', points: train(1, (h) => h.trainLoss) }, { name: 'validation', color: '#e53935', points: val((h) => h.valLoss) },
    { name: 'test', color: '#fb8c00', points: val((h) => h.testLoss ?? null) }];
  const acc = [{ name: 'train', color: '#1e88e5', points: train(2, (h) => h.trainAcc) }, { name: 'validation', color: '#e53935', points: val((h) => h.valAcc) },
    { name: 'test', color: '#fb8c00', points: val((h) => h.testAcc ?? null) }];
  if (!loss.some((s) => s.points.length)) {
    box.textContent = 'No training history in this run.';
    return box;
  }
  box.append(chart('Loss', loss), chart('Accuracy', acc));
  return box;
}
