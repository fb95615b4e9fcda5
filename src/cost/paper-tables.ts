/**
 * The papers' multiplier tables, reproduced from our own counts.
 * Paper figures: MobileNet V1 (Howard et al. 2017) Tables 6 and 7; MobileNet V2 (Sandler et al. 2018) Table 4;
 * MobileNet V3 (Howard et al. 2019) Table 3 and the released checkpoints' table (tensorflow/models, slim
 * mobilenet README, repeated in Keras' MobileNetV3 docstring).
 * "Params" in the papers are kernel weights (no bias, no BN); ours are compared the same way.
 */
import { Arch, buildModel, isV3 } from '../models/presets.js';
import { modelCost } from './model-cost.js';

export interface PaperRow {
  table: string;
  arch: Arch;
  alpha: number;
  /** V3's minimalistic variant (3×3, ReLU, no SE). */
  minimalistic?: boolean;
  resolution: number;
  /** The paper's figures, in millions, as printed. */
  paperMultAddsM: number;
  paperParamsM: number;
  /** Decimals the paper printed the params with, where the number alone loses them (4.0). */
  paramsDecimals?: number;
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

const V3_LARGE_219 =
  "the paper prints 219M for V3-Large 1.0; the released checkpoint's table (slim mobilenet README, Keras' " +
  'docstring) lists 217M for v3-large_224_1.0 — the model Keras reproduces, and ours matches that (216.6M)';
const V3_SMALL_README =
  "the released checkpoints' table lists 66M/2.9M (Small 1.0), 2.4M (Small 0.75) and 65M (Small minimalistic); " +
  'Keras loads those very checkpoints into models of 2,554,968 / 2,051,552 / 2,056,848 parameters, so these ' +
  'figures cannot be of the released architecture; the paper\'s Table 3 (56M/2.5M, 44M/2.0M) agrees with our counts';

type PaperFigures = Omit<PaperRow, 'multAdds' | 'weightParams' | 'totalParams' | 'multAddsMatch' | 'paramsMatch'>;

/** A V3 row at 224×224: params are printed with one decimal (4.0M). */
function v3(table: string, arch: Arch, alpha: number, paperMultAddsM: number, paperParamsM: number,
  extra: Partial<PaperFigures> = {}): PaperFigures {
  return { table, arch, alpha, resolution: 224, paperMultAddsM, paperParamsM, paramsDecimals: 1, ...extra };
}

const V3: ReadonlyArray<PaperFigures> = [
  v3('V3 Table 3', 'v3-large', 1, 219, 5.4, { note: V3_LARGE_219 }),
  v3('V3 Table 3', 'v3-large', 0.75, 155, 4.0),
  v3('V3 Table 3', 'v3-small', 1, 56, 2.5),
  v3('V3 Table 3', 'v3-small', 0.75, 44, 2.0),
  v3('V3 released', 'v3-large', 1, 217, 5.4),
  v3('V3 released', 'v3-large', 0.75, 155, 4.0),
  v3('V3 released', 'v3-large', 1, 209, 3.9, { minimalistic: true }),
  v3('V3 released', 'v3-small', 1, 66, 2.9, { note: V3_SMALL_README }),
  v3('V3 released', 'v3-small', 0.75, 44, 2.4, { note: V3_SMALL_README }),
  v3('V3 released', 'v3-small', 1, 65, 2.0, { minimalistic: true, note: V3_SMALL_README }),
];

/** Decimal places the paper printed a figure with (569 → 0, 4.2 → 1). */
export function decimals(x: number): number {
  const s = String(x);
  return s.includes('.') ? s.split('.')[1].length : 0;
}

function matches(ours: number, paperM: number, digits = decimals(paperM)): boolean {
  return Math.abs(ours / 1e6 - paperM) < 10 ** -digits;
}

/**
 * Builds each configuration (1000 classes, 3 channels) and compares our counts with the paper's: the V1
 * and V2 tables, or with a V3 `arch` the V3 ones.
 */
export function paperTables(arch?: string): PaperRow[] {
  return (arch && isV3(arch) ? V3 : PAPER).map((p) => {
    const model = buildModel(p.arch, {
      alpha: p.alpha, inputShape: [p.resolution, p.resolution, 3], classes: 1000,
      ...(p.minimalistic !== undefined ? { minimalistic: p.minimalistic } : {}),
    });
    const cost = modelCost(model);
    model.dispose();
    const weightParams = cost.layers.reduce((s, l) => s + l.weightParams, 0);
    return {
      ...p, multAdds: cost.multAdds, weightParams, totalParams: cost.totalParams,
      multAddsMatch: matches(cost.multAdds, p.paperMultAddsM),
      paramsMatch: matches(weightParams, p.paperParamsM, p.paramsDecimals),
    };
  });
}
