/** The "Model" view: what the run is, its cost, its layer table and its training curves. */
import { curvesSvg } from './curves.js';
import type { ModelInfo } from '../../src/api-types.js';

const int = (n: number) => n.toLocaleString('en-US');
const mega = (n: number) => `${(n / 1e6).toFixed(2)} M`;
const pct = (f: number) => `${(f * 100).toFixed(2)}%`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** A table; columns whose header ends in '#' are right-aligned numbers (the '#' is dropped). */
function table(headers: string[], rows: string[][]): HTMLTableElement {
  const t = el('table');
  const num = headers.map((h) => h.endsWith('#'));
  const head = el('tr');
  headers.forEach((h, i) => head.append(el('th', h.replace(/#$/, ''), num[i] ? 'num' : undefined)));
  t.append(head);
  for (const r of rows) {
    const tr = el('tr');
    r.forEach((v, i) => tr.append(el('td', v, num[i] ? 'num' : undefined)));
    t.append(tr);
  }
  return t;
}

export function renderModelView(root: HTMLElement, info: ModelInfo): void {
  const alpha = (info.options.alpha as number | undefined) ?? 1;
  const s = info.summary;
  root.replaceChildren(
    el('h2', `MobileNet ${info.arch.toUpperCase()} — alpha ${alpha}, input ${info.inputShape.join('×')}, ${info.labels.length} classes`),
    el('p', `Trained on ${info.dataset} with backend ${info.trainedOn}; served on ${info.backend}. Output: ${info.output}.` +
      ` Uploads and drawings are preprocessed as ${info.preprocessing === 'mnist' ? 'MNIST (crop, 20×20, centre of mass)' : 'a plain resize'}.`),
    ...(info.int8 ? [el('p', `int8: ${info.int8.ops} ops, calibrated on ${info.int8.calibration.images} images (${info.int8.calibration.method}). ${info.int8.note}.`, 'int8')] : []),
    table(['Total params#', 'Trainable#', 'Non-trainable#', 'Mult-adds#', 'Same net, standard convs#'], [[
      int(s.totalParams), int(s.trainableParams), int(s.nonTrainableParams), mega(info.cost.multAdds), mega(info.cost.fullConvMultAdds),
    ]]),
    el('p', info.cost.note, 'muted'),
    el('h3', 'Cost by layer kind'),
    table(['Kind', 'Layers#', 'Mult-adds#', 'Share#', 'Params#', 'Share#'], info.cost.breakdown.map((b) => [
      b.label, String(b.layers), int(b.multAdds), pct(b.multAddsShare), int(b.params), pct(b.paramsShare),
    ])),
    el('h3', 'Training curves'),
    curvesSvg(info.history, info.curve),
    el('h3', 'Layers'),
    table(['Layer', 'Type', 'Output shape', 'Params#', 'Mult-adds#'], s.layers.map((l) => [
      l.name, l.type, `[${l.outputShape.join(', ')}]`, int(l.params), int(l.multAdds),
    ])),
  );
}
