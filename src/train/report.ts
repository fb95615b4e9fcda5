/** report.html: curves and confusion matrix as inline SVG, metrics, model summary/cost, command and backend. */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type * as tfl from '@tensorflow/tfjs-layers';
import { breakdownByKind } from '../cost/breakdown.js';
import { modelCost } from '../cost/model-cost.js';
import { separableComparison } from '../cost/separable.js';
import { MACS_NOTE, summaryJson } from '../cost/summary.js';
import { EvalResult } from '../evaluate/metrics.js';
import { confusionSvg, esc, lineChart } from '../evaluate/svg.js';
import { writeFileAtomic } from '../format/layers-format.js';
import type { HistoryRow, RunMeta } from '../run/run-dir.js';

export interface ReportInput {
  model: tfl.LayersModel;
  meta: RunMeta;
  history: HistoryRow[];
  /** [fractional epoch, loss, accuracy] points within epochs (else the per-epoch training values are drawn). */
  curve?: Array<[number, number, number]>;
  /** The test-split evaluation; null when the dataset has no test images. */
  test: EvalResult | null;
  backend: string;
  status: string;
  /** Test-accuracy threshold and when it was first reached (per-epoch test evaluation). */
  target?: number | null;
  reached?: { epoch: number; elapsed: number; testAcc: number } | null;
  /** The training options (recipe), shown in the report. */
  options?: object;
}

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(2)}%`);
const num = (x: number | null, d = 4) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const int = (n: number) => n.toLocaleString('en-US');

function htmlTable(head: string[], rows: Array<Array<string | number>>): string {
  const tr = (cells: Array<string | number>, tag: string) => `<tr>${cells.map((c) => `<${tag}>${esc(String(c))}</${tag}>`).join('')}</tr>`;
  return `<table>${tr(head, 'th')}${rows.map((r) => tr(r, 'td')).join('')}</table>`;
}

/** Loss and accuracy charts: train (within epochs), validation and test per epoch when measured; the target line. */
function curves(h: HistoryRow[], curve: Array<[number, number, number]> = [], target?: number | null): string {
  const s = (f: (r: HistoryRow) => number | null | undefined) => h.map((r) => [r.epoch, f(r) ?? NaN] as [number, number]);
  const c = (i: 1 | 2) => curve.map((p) => [p[0], p[i]] as [number, number]);
  const train = (i: 1 | 2, f: (r: HistoryRow) => number) => (curve.length ? c(i) : s(f));
  const tested = h.some((r) => r.testAcc != null);
  return lineChart('loss', [
    { name: 'train', color: '#1f77b4', points: train(1, (r) => r.trainLoss) },
    { name: 'validation', color: '#d62728', points: s((r) => r.valLoss) },
    { name: 'test', color: '#ff7f0e', points: s((r) => r.testLoss) },
  ]) + lineChart('accuracy', [
    { name: 'train', color: '#1f77b4', points: train(2, (r) => r.trainAcc) },
    { name: 'validation', color: '#d62728', points: s((r) => r.valAcc) },
    { name: 'test', color: '#ff7f0e', points: s((r) => r.testAcc) },
  ], tested && target != null ? { hline: { y: target, label: `target ${pct(target)}` } } : {});
}

/** One sentence on the target: when test accuracy first reached it, or that it was not (or not measured). */
export function targetLine(h: HistoryRow[], target: number | null | undefined, reached: ReportInput['reached']): string {
  if (target == null) return '';
  if (!h.some((r) => r.testAcc != null)) {
    return `Target ${pct(target)}: per-epoch test accuracy not measured (off with --no-eval-test, or by default when the test split is over a quarter of the training split; --eval-test turns it on).`;
  }
  if (reached) return `Test accuracy first reached the target ${pct(target)} at epoch ${reached.epoch} (${pct(reached.testAcc)}), ${(reached.elapsed / 60).toFixed(1)} minutes into the run.`;
  return `Test accuracy did not reach the target ${pct(target)} in ${h.length} epochs.`;
}

/**
 * What the per-epoch test figures are for: reported only, never used to choose a model (best/ follows validation
 * accuracy; the published model is the last epoch's); and what measuring them cost.
 */
export function testNote(h: HistoryRow[]): string {
  const rows = h.filter((r) => r.testAcc != null);
  if (!rows.length) return '';
  const secs = rows.map((r) => r.testSeconds).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const cost = secs.length
    ? ` Measuring it took ${(secs.reduce((a, b) => a + b, 0) / secs.length).toFixed(1)} s per epoch on average ` +
      `(training ${(rows.reduce((a, r) => a + r.seconds, 0) / rows.length).toFixed(1)} s per epoch).`
    : '';
  const val = h.some((r) => r.valAcc != null);
  return `Test accuracy is measured after every epoch to report it; it never chooses a model: ${val
    ? 'best/ is the epoch with the best validation accuracy (the held-out part of the training split)'
    : 'without a validation split (--val-split) there is no best/'}, and the published model is the last epoch's.${cost}`;
}

function summarySection(model: tfl.LayersModel, meta: RunMeta): string {
  const cost = modelCost(model);
  const s = summaryJson(model, { arch: meta.arch, alpha: meta.buildOptions.alpha ?? 1, classes: meta.labels.length }, cost);
  const sep = separableComparison(model, cost).network;
  const kinds = htmlTable(['layer kind', 'layers', 'mult-adds', 'share', 'weights', 'share'], breakdownByKind(cost)
    .map((k) => [k.label, k.layers, int(k.multAdds), pct(k.multAddsShare), int(k.params), pct(k.paramsShare)]));
  return `<p>${esc(model.name)} — input ${s.inputShape.join('×')}, alpha ${s.alpha}, ${s.classes} classes.
Total params ${int(s.totalParams)} (trainable ${int(s.trainableParams)}), mult-adds ${int(s.multAdds)}
(with standard instead of depthwise-separable convolutions: ${int(sep.fullConvMultAdds)}). <small>${esc(MACS_NOTE)}</small></p>
${kinds}
<details><summary>layers (${s.layers.length})</summary>${htmlTable(['layer', 'type', 'output shape', 'params', 'mult-adds'],
    s.layers.map((l) => [l.name, l.type, `[${l.outputShape.join(', ')}]`, int(l.params), int(l.multAdds)]))}</details>`;
}

/** The report as an HTML string (self-contained: no scripts, no external files). */
export function renderReport(r: ReportInput): string {
  const { meta, test } = r;
  const hasVal = r.history.some((h) => h.valAcc != null);
  const hasTest = r.history.some((h) => h.testAcc != null);
  const hist = htmlTable(['epoch', 'train loss', 'train acc', ...(hasVal ? ['val loss', 'val acc'] : []),
    ...(hasTest ? ['test loss', 'test acc', 'test s'] : []), 'lr', 'seconds', 'elapsed min'],
  r.history.map((h) => [h.epoch, num(h.trainLoss), pct(h.trainAcc), ...(hasVal ? [num(h.valLoss), pct(h.valAcc)] : []),
    ...(hasTest ? [num(h.testLoss ?? null), pct(h.testAcc ?? null), num(h.testSeconds ?? null, 1)] : []), h.lr.toExponential(2), h.seconds.toFixed(1),
    h.elapsed == null ? '–' : (h.elapsed / 60).toFixed(1)]));
  const tl = targetLine(r.history, r.target, r.reached);
  const tn = testNote(r.history);
  const classes = test && htmlTable(['class', 'precision', 'recall', 'F1', 'support'],
    test.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), pct(c.f1), c.support]));
  const headline = test ? `Test accuracy <b>${pct(test.accuracy)}</b>, loss ${num(test.loss)} (${int(test.count)} images)` : 'No test split (the dataset has no test images)';
  const testSections = test ? `<h2>Confusion matrix (test)</h2>${confusionSvg(test.confusion, meta.labels)}
<h2>Per class (test)</h2>${classes}
` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="${EPOCHS_META}" content="${r.history.length}"><title>mobilenet run: ${esc(meta.arch)} on ${esc(meta.dataset)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:1em auto}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}code{background:#f4f4f4;padding:2px}</style></head><body>
<h1>MobileNet ${esc(meta.arch.toUpperCase())} on ${esc(meta.dataset)}</h1>
<p>${headline}; ${r.history.length} epochs (${esc(r.status)}).</p>
<p>Command: <code>${esc(meta.command || '(library call)')}</code><br>Backend: <code>${esc(r.backend)}</code>; saved model output: ${esc(meta.output)}.</p>
${tl ? `<p>${esc(tl)}</p>` : ''}${tn ? `<p>${esc(tn)}</p>` : ''}
<h2>Curves</h2>${curves(r.history, r.curve, r.target)}
<h2>History</h2>${hist}
${testSections}<h2>Model</h2>${summarySection(r.model, meta)}
<h2>Options</h2><pre>${esc(JSON.stringify(meta.buildOptions, null, 1))}</pre>
${r.options ? `<h2>Training recipe</h2><pre>${esc(JSON.stringify(r.options, null, 1))}</pre>` : ''}
</body></html>
`;
}

/** Writes DIR/report.html atomically: the last file a finished run writes (after its model, see reportEpochs). */
export async function writeReport(dir: string, r: ReportInput): Promise<void> {
  await writeFileAtomic(path.join(dir, 'report.html'), renderReport(r));
}

/** The <meta> of report.html that records how many epochs it reports. */
const EPOCHS_META = 'mobilenet-epochs';

/**
 * How many epochs DIR/report.html reports (its <meta>, or the headline of a report written before it had one);
 * null without a readable report. The report is written after the final model is published, so a report of
 * a finished run's epochs means its model, meta and history are those of its final checkpoint.
 */
export async function reportEpochs(dir: string): Promise<number | null> {
  const html = await fs.readFile(path.join(dir, 'report.html'), 'utf8').catch(() => null);
  const m = html && (new RegExp(`<meta name="${EPOCHS_META}" content="(\\d+)">`).exec(html) ?? /; (\d+) epochs \((?:done|early-stop)\)\.<\/p>/.exec(html));
  return m ? Number(m[1]) : null;
}
