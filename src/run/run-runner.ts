/**
 * The runner of a run directory's model: its int8 model when the run is quantized (native int8 plan, else the JS
 * reference), else the float model on the engine or TF.js (engine/runner.ts).
 */
import * as path from 'node:path';
import { int8Runner } from '../engine/int8-engine.js';
import { ModelRunner, modelRunner } from '../engine/runner.js';
import { logitsModel } from './model-files.js';
import type { Run } from './run-dir.js';

/** Logits (`logits: true`) or what the run's model.json outputs (meta.output) for normalised images. */
export function runRunner(run: Pick<Run, 'model' | 'meta' | 'int8' | 'dir'>, o: { logits?: boolean } = {}): ModelRunner {
  if (run.int8) return int8Runner(run.int8, { probabilities: !o.logits && run.meta.output === 'probabilities' });
  return modelRunner(o.logits ? logitsModel(run.model, run.meta, path.join(run.dir, 'meta.json')) : run.model);
}
