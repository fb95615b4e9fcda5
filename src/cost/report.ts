/**
 * `mobilenet cost`: standard vs separable per block and for the whole network, the breakdown by layer
 * kind, and the papers' multiplier tables, as text, markdown or JSON.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { BreakdownRow, breakdownByKind } from './breakdown.js';
import { modelCost } from './model-cost.js';
import { PaperRow, decimals, paperTables } from './paper-tables.js';
import { SeparableComparison, separableComparison } from './separable.js';
import { MACS_NOTE } from './summary.js';
import { fmtInt, fmtM, fmtPct, table } from './table.js';

export interface CostReport {
  model: string;
  inputShape: number[];
  totalParams: number;
  multAdds: number;
  separable: SeparableComparison;
  breakdown: BreakdownRow[];
  paperTables: PaperRow[];
  note: string;
}

/** `arch` picks the papers' tables shown (V3's for a V3 arch, else V1's and V2's). */
export function costReport(model: tfl.LayersModel, o: { paperTables?: boolean; arch?: string } = {}): CostReport {
  const cost = modelCost(model);
  return {
    model: model.name,
    inputShape: model.inputs[0].shape.slice(1) as number[],
    totalParams: cost.totalParams,
    multAdds: cost.multAdds,
    separable: separableComparison(model, cost),
    breakdown: breakdownByKind(cost),
    paperTables: o.paperTables === false ? [] : paperTables(o.arch),
    note: MACS_NOTE,
  };
}

function separableSection(r: CostReport, f: 'text' | 'markdown'): string {
  const rows = r.separable.blocks.map((b) => [
    `${b.depthwise} + ${b.pointwise}`, `${b.inputShape.join('x')} → ${b.outputShape.join('x')}`, `${b.kernel}x${b.kernel}/${b.stride}`,
    fmtInt(b.standardMultAdds), fmtInt(b.separableMultAdds), b.ratio.toFixed(4), b.formula.toFixed(4),
    `${(1 / b.ratio).toFixed(1)}x`,
  ]);
  const n = r.separable.network;
  return [
    'Standard vs depthwise-separable convolution (per block; formula = 1/N + 1/Dk²)',
    table(f, ['Block', 'In → out', 'k/s', 'Standard MACs', 'Separable MACs', 'Ratio', 'Formula', 'Saving'],
      rows, ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r']),
    '',
    'Whole network (the papers\' "full convolution" comparison; params = kernel weights, no bias or BN)',
    table(f, ['Network', 'Mult-adds', 'Params'], [
      ['Full convolution', fmtM(n.fullConvMultAdds), fmtM(n.fullConvWeightParams)],
      ['Depthwise separable (this model)', fmtM(n.multAdds), fmtM(n.weightParams)],
      ['Saving', `${(n.fullConvMultAdds / n.multAdds).toFixed(2)}x`, `${(n.fullConvWeightParams / n.weightParams).toFixed(2)}x`],
    ], ['l', 'r', 'r']),
    ...(r.model === 'mobilenet_1.00_224' ? [V1_TABLE4_NOTE] : []),
  ].join('\n');
}

const V1_TABLE4_NOTE =
  'V1 paper, Table 4: Conv MobileNet 4866M mult-adds, 29.3M params; MobileNet 569M, 4.2M.';

const V1_TABLE2_NOTE =
  'V1 paper, Table 2: Conv 1x1 94.86% / 74.59%, Conv DW 3x3 3.06% / 1.06%, Conv 3x3 1.19% / 0.02%, ' +
  'FC 0.18% / 24.33%. Ours agree except Conv 3x3: the stem is 112·112·3·3·3·32 = 10.84M of 568.74M = 1.91% ' +
  '(the paper\'s 1.19% looks like transposed digits: its four shares sum to 99.29%, ours to 100%).';

const V3_FC_NOTE =
  'V3: "Fully connected" is the head (conv_2, logits) and every squeeze-and-excitation 1x1 conv: each acts on a ' +
  'pooled 1x1 map, i.e. on a vector.';

function breakdownSection(r: CostReport, f: 'text' | 'markdown'): string {
  const rows = r.breakdown.map((b) => [b.label, String(b.layers), fmtInt(b.multAdds), fmtPct(b.multAddsShare), fmtInt(b.params), fmtPct(b.paramsShare)]);
  const lines = ['Breakdown by layer type (params: kernel weights, no bias or BN, as the papers count)',
    table(f, ['Type', 'Layers', 'Mult-adds', 'Share', 'Params', 'Share'], rows, ['l', 'r', 'r', 'r', 'r', 'r'])];
  if (r.model === 'mobilenet_1.00_224') lines.push(V1_TABLE2_NOTE);
  if (r.model.startsWith('MobileNetV3')) lines.push(V3_FC_NOTE);
  return lines.join('\n');
}

function paperSection(r: CostReport, f: 'text' | 'markdown'): string {
  const rows = r.paperTables.map((p) => [
    p.table, `${p.arch} ${p.alpha.toFixed(2)}-${p.resolution}${p.minimalistic ? ' minimalistic' : ''}`,
    `${p.paperMultAddsM}M`, fmtM(p.multAdds), p.multAddsMatch ? 'yes' : 'no',
    `${p.paperParamsM.toFixed(p.paramsDecimals ?? decimals(p.paperParamsM))}M`, fmtM(p.weightParams, 3), p.paramsMatch ? 'yes' : 'no',
  ]);
  const notes = r.paperTables.filter((p) => p.note).map((p) => `note (${p.table}, ${p.arch}): ${p.note}`);
  return ['The papers\' multiplier tables, from our counts (224×224×3, 1000 classes; "match" = within one unit of the paper\'s last digit)',
    table(f, ['Table', 'Model', 'Paper MACs', 'Our MACs', 'Match', 'Paper params', 'Our params', 'Match'], rows,
      ['l', 'l', 'r', 'r', 'l', 'r', 'r', 'l']),
    ...[...new Set(notes)]].join('\n');
}

export function renderCost(r: CostReport, f: 'text' | 'markdown' = 'text'): string {
  const parts = [
    `${r.model} — input ${r.inputShape.join('x')}: ${fmtInt(r.totalParams)} params, ${fmtInt(r.multAdds)} mult-adds`,
    separableSection(r, f), breakdownSection(r, f),
  ];
  if (r.paperTables.length) parts.push(paperSection(r, f));
  parts.push(r.note);
  return parts.join('\n\n');
}
