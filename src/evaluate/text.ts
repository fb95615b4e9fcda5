/** Plain-text renderings of an evaluation: confusion table and per-class metrics. */
import type { EvalResult } from './metrics.js';

const pad = (s: string, n: number, right = true) => (right ? s.padStart(n) : s.padEnd(n));

/** The confusion matrix as a text table (rows true, columns predicted). */
export function confusionText(confusion: number[][], labels: string[]): string {
  const short = labels.map((l) => (l.length > 8 ? l.slice(0, 8) : l));
  const w = Math.max(5, ...short.map((l) => l.length), ...confusion.flat().map((v) => String(v).length)) + 1;
  const first = Math.max(10, ...labels.map((l) => l.length)) + 1;
  const head = pad('true\\pred', first, false) + short.map((l) => pad(l, w)).join('');
  const rows = confusion.map((row, i) => pad(labels[i], first, false) + row.map((v) => pad(String(v), w)).join(''));
  return [head, ...rows].join('\n');
}

/** Accuracy, loss, per-class table and confusion table. */
export function evalText(r: EvalResult, labels: string[]): string {
  const first = Math.max(10, ...labels.map((l) => l.length)) + 1;
  const pc = r.perClass.map((c) => pad(c.label, first, false) +
    [c.precision, c.recall, c.f1].map((v) => pad(`${(100 * v).toFixed(2)}%`, 11)).join('') + pad(String(c.support), 9));
  return [
    `accuracy ${(100 * r.accuracy).toFixed(2)}%  loss ${r.loss.toFixed(4)}  (${r.count} test images)`, '',
    pad('class', first, false) + pad('precision', 11) + pad('recall', 11) + pad('F1', 11) + pad('support', 9), ...pc, '',
    confusionText(r.confusion, labels),
  ].join('\n');
}
