/**
 * Share of mult-adds and of weight parameters by layer kind, as the V1 paper's Table 2
 * (Conv 1×1 94.86% / 74.59%, Conv DW 3×3 3.06% / 1.06%, Conv 3×3 1.19% / 0.02%, FC 0.18% / 24.33%).
 * Parameters here are kernel and bias weights only (BN excluded), as the paper counts them.
 */
import type { BreakdownRow } from '../api-types.js';
import { LayerCost, LayerKind, ModelCost } from './model-cost.js';

export type { BreakdownRow };

export const KIND_LABELS: Record<BreakdownRow['kind'], string> = {
  conv1x1: 'Conv 1x1',
  depthwise: 'Conv DW 3x3',
  conv: 'Conv 3x3 (full)',
  fc: 'Fully connected',
};

/** The kind's label, naming the kernel sizes present where they are not just 3×3 (V3's 5×5 depthwise). */
function labelFor(kind: BreakdownRow['kind'], of: LayerCost[]): string {
  const sizes = [...new Set(of.map((l) => l.kernelSize))].sort((a, b) => a - b);
  if ((kind !== 'depthwise' && kind !== 'conv') || sizes.length === 0 || sizes.join() === '3') return KIND_LABELS[kind];
  const k = sizes.map((n) => `${n}x${n}`).join(', ');
  return kind === 'depthwise' ? `Conv DW ${k}` : `Conv ${k} (full)`;
}

export function breakdownByKind(cost: ModelCost): BreakdownRow[] {
  const layers = cost.layers.filter((l) => l.kind !== 'other');
  const totalMacs = layers.reduce((s, l) => s + l.multAdds, 0);
  const totalParams = layers.reduce((s, l) => s + l.weightParams, 0);
  return (Object.keys(KIND_LABELS) as BreakdownRow['kind'][]).map((kind) => {
    const of = layers.filter((l) => l.kind === kind);
    const multAdds = of.reduce((s, l) => s + l.multAdds, 0);
    const params = of.reduce((s, l) => s + l.weightParams, 0);
    return {
      kind, label: labelFor(kind, of), layers: of.length,
      multAdds, multAddsShare: totalMacs ? multAdds / totalMacs : 0,
      params, paramsShare: totalParams ? params / totalParams : 0,
    };
  });
}
