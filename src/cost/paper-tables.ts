/**
 * The papers' multiplier tables, reproduced from our own counts.
 * Paper figures: MobileNet V1 (Howard et al. 2017) Tables 6 and 7; MobileNet V2 (Sandler et al. 2018) Table 4.
 * "Params" in the papers are kernel weights (no bias, no BN); ours are compared the same way.
 */
import { buildModel } from '../models/presets.js';
import { modelCost } from './model-cost.js';

export interface PaperRow {
  table: string;
  arch: 'v1' | 'v2';
  alpha: number;
  resolution: number;
  /** The paper's figures, in millions, as printed. */
  paperMultAddsM: number;
  paperParamsM: number;
  /** Our counts. */
  multAdds: number;
  weightParams: number;
  totalParams: number;
  /** True when our count is within one unit of the paper's last printed digit (it rounds or truncates). */
  multAddsMatch: boolean;
  paramsMatch: boolean;
  /** Why a row cannot match, where it cannot. */
  note?: string;
}

const RELEASED_V2_14 =
  "the paper prints 585M/6.9M for V2 1.4; the released checkpoints' table (tensorflow/models, slim " +
  'mobilenet README: mobilenet_v2_1.4_224 582M MACs, 6.06M params) lists the model Keras reproduces, and ours matches that';

const PAPER: ReadonlyArray<Omit<PaperRow, 'multAdds' | 'weightParams' | 'totalParams' | 'multAddsMatch' | 'paramsMatch'>> = [
  { table: 'V1 Table 6 (width)', arch: 'v1', alpha: 1, resolution: 224, paperMultAddsM: 569, paperParamsM: 4.2 },
  { table: 'V1 Table 6 (width)', arch: 'v1', alpha: 0.75, resolution: 224, paperMultAddsM: 325, paperParamsM: 2.6 },
  { table: 'V1 Table 6 (width)', arch: 'v1', alpha: 0.5, resolution: 224, paperMultAddsM: 149, paperParamsM: 1.3 },
  { table: 'V1 Table 6 (width)', arch: 'v1', alpha: 0.25, resolution: 224, paperMultAddsM: 41, paperParamsM: 0.5 },
  { table: 'V1 Table 7 (resolution)', arch: 'v1', alpha: 1, resolution: 192, paperMultAddsM: 418, paperParamsM: 4.2 },
  { table: 'V1 Table 7 (resolution)', arch: 'v1', alpha: 1, resolution: 160, paperMultAddsM: 290, paperParamsM: 4.2 },
  { table: 'V1 Table 7 (resolution)', arch: 'v1', alpha: 1, resolution: 128, paperMultAddsM: 186, paperParamsM: 4.2 },
  { table: 'V2 Table 4', arch: 'v2', alpha: 1, resolution: 224, paperMultAddsM: 300, paperParamsM: 3.4 },
  { table: 'V2 Table 4', arch: 'v2', alpha: 1.4, resolution: 224, paperMultAddsM: 585, paperParamsM: 6.9, note: RELEASED_V2_14 },
];

/** Decimal places the paper printed a figure with (569 → 0, 4.2 → 1). */
function decimals(x: number): number {
  const s = String(x);
  return s.includes('.') ? s.split('.')[1].length : 0;
}

function matches(ours: number, paperM: number): boolean {
  return Math.abs(ours / 1e6 - paperM) < 10 ** -decimals(paperM);
}

/** Builds each configuration (1000 classes, 3 channels) and compares our counts with the paper's. */
export function paperTables(): PaperRow[] {
  return PAPER.map((p) => {
    const model = buildModel(p.arch, { alpha: p.alpha, inputShape: [p.resolution, p.resolution, 3], classes: 1000 });
    const cost = modelCost(model);
    model.dispose();
    const weightParams = cost.layers.reduce((s, l) => s + l.weightParams, 0);
    return {
      ...p, multAdds: cost.multAdds, weightParams, totalParams: cost.totalParams,
      multAddsMatch: matches(cost.multAdds, p.paperMultAddsM), paramsMatch: matches(weightParams, p.paperParamsM),
    };
  });
}
