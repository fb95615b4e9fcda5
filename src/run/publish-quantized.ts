/**
 * `train --quantize`: the run's published model (DIR/model.json) replaced by one with quantized weights
 * once training ends. Order keeps DIR loadable at every moment: the shards are written first (the float
 * model.json does not reference them), then model.json is swapped atomically, then the float
 * weights.bin it no longer needs is removed. checkpoint/ (what --resume reads) stays float32.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { setHeadActivation } from './model-files.js';
import { WEIGHTS_BIN } from '../format/layers-format.js';
import type { QuantizeDtype } from '../format/quantize.js';
import { modelArtifacts, writeTfjsFiles } from '../format/tfjs-writer.js';

/** Writes `model` (logits; published with a softmax head) into dir with `dtype` weights. Returns its files. */
export async function publishQuantized(dir: string, model: tfl.LayersModel, dtype: QuantizeDtype): Promise<string[]> {
  const a = await modelArtifacts(model);
  setHeadActivation(a.topology, 'softmax');
  const files = await writeTfjsFiles(dir, a, { quantize: dtype, convertedBy: `mobilenet train --quantize ${dtype}` });
  await fs.rm(path.join(dir, WEIGHTS_BIN), { force: true });
  return files;
}
