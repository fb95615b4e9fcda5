/**
 * The model summary: a torchinfo-like table (layer, type, output shape, params, mult-adds) and totals,
 * as text, markdown or the JSON object `mobilenet summary --json` prints.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SummaryJson } from '../api-types.js';
import { ModelCost, modelCost } from './model-cost.js';
import { fmtInt, fmtM, table } from './table.js';

export type { SummaryJson };

export interface SummaryInfo {
  arch: string;
  alpha: number | null;
  /** Number of classes of the head, or null without one. */
  classes: number | null;
}

export const MACS_NOTE = 'Mult-adds count convolution and dense multiply-adds only (no BN, bias, activation, pooling); FLOPs = 2 × mult-adds.';

export function summaryJson(model: tfl.LayersModel, info: SummaryInfo, cost: ModelCost = modelCost(model)): SummaryJson {
  const input = model.inputs[0].shape.slice(1) as number[];
  return {
    arch: info.arch, alpha: info.alpha, inputShape: input, classes: info.classes,
    totalParams: cost.totalParams, trainableParams: cost.trainableParams,
    nonTrainableParams: cost.nonTrainableParams, multAdds: cost.multAdds,
    layers: cost.layers.map((l) => ({
      name: l.name, type: l.type, outputShape: l.outputShape, params: l.params, multAdds: l.multAdds,
    })),
  };
}

/** The summary table and totals, as text or markdown. */
export function renderSummary(s: SummaryJson, format: 'text' | 'markdown' = 'text', modelName = ''): string {
  const rows = s.layers.map((l) => [
    l.name, l.type, `[${l.outputShape.join(', ')}]`, fmtInt(l.params), l.multAdds ? fmtInt(l.multAdds) : '0',
  ]);
  const head = `${modelName || s.arch} — input ${s.inputShape.join('x')}${s.alpha === null ? '' : `, alpha ${s.alpha}`}` +
    (s.classes === null ? ', no top' : `, ${s.classes} classes`);
  const totals = [
    `Total params:         ${fmtInt(s.totalParams)}`,
    `Trainable params:     ${fmtInt(s.trainableParams)}`,
    `Non-trainable params: ${fmtInt(s.nonTrainableParams)}`,
    `Mult-adds:            ${fmtInt(s.multAdds)} (${fmtM(s.multAdds)})`,
  ];
  const body = table(format, ['Layer', 'Type', 'Output shape', 'Params', 'Mult-adds'], rows, ['l', 'l', 'l', 'r', 'r']);
  if (format === 'markdown') {
    return [`**${head}**`, '', body, '', ...totals.map((t) => `- ${t.replace(/\s+/g, ' ')}`), '', `_${MACS_NOTE}_`].join('\n');
  }
  return [head, body, '-'.repeat(40), ...totals, MACS_NOTE].join('\n');
}
