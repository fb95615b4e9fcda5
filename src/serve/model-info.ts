/**
 * What the server says about its model: GET /v1/model (arch, options, summary, cost totals, training
 * history) and the model files the page loads (GET /model/model.json, /model/weights.bin).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { breakdownByKind } from '../cost/breakdown.js';
import { modelCost } from '../cost/model-cost.js';
import { separableComparison } from '../cost/separable.js';
import type { ModelInfo } from '../api-types.js';
import { MACS_NOTE, summaryJson } from '../cost/summary.js';
import { isQuantized, readModelJson } from '../format/manifest.js';
import type { Run } from '../run/run-dir.js';
import { preprocessingFor } from './input.js';

export type { ModelInfo };

/** One argument with an absolute path (`/a/b/c`, `~/a/c`, also after `folder:` or `--opt=`) cut to its last part. */
function redactArg(arg: string): string {
  return arg.replace(/(^|[=:])(~?\/.*)$/, (_m, before: string, p: string) => {
    const parts = p.split('/').filter((x) => x !== '' && x !== '~');
    return `${before}${parts.length ? parts[parts.length - 1] : '.'}`;
  });
}

/**
 * A command line (arguments JSON-quoted where needed, as `mobilenet train` records it) or a dataset spec with
 * absolute paths cut to their last part: GET /v1/model tells what a run was trained on without exposing the
 * server's file system.
 */
export function redactPaths(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|[^\s"]+/g, (tok) => {
    if (!tok.startsWith('"')) return redactArg(tok);
    let inner: string;
    try {
      inner = JSON.parse(tok) as string;
    } catch {
      return tok.includes('/') ? '"…"' : tok;
    }
    const r = redactArg(inner);
    return r === inner ? tok : JSON.stringify(r);
  });
}

/** The GET /v1/model document of a run (no absolute paths: see redactPaths). */
export function modelInfo(run: Run, backend: string): ModelInfo {
  const { meta, model } = run;
  const cost = modelCost(model);
  const classes = model.outputs[0].shape[1] ?? null;
  const sep = separableComparison(model, cost);
  return {
    arch: meta.arch, preset: meta.preset, dataset: redactPaths(meta.dataset), inputShape: meta.inputShape,
    labels: meta.labels, output: meta.output, normalization: meta.normalization,
    preprocessing: preprocessingFor(meta), options: { ...meta.buildOptions },
    backend, trainedOn: meta.backend, command: redactPaths(meta.command ?? ''),
    summary: summaryJson(model, { arch: meta.arch, alpha: meta.buildOptions.alpha ?? 1, classes }, cost),
    int8: run.int8 ? {
      ops: run.int8.ops.length, calibration: { ...run.int8.calibration, data: redactPaths(run.int8.calibration.data) },
      note: 'quantized run: the API runs the int8 model; classifying in the browser runs the float model.json it was quantized from',
    } : null,
    cost: {
      totalParams: cost.totalParams, trainableParams: cost.trainableParams,
      nonTrainableParams: cost.nonTrainableParams, multAdds: cost.multAdds,
      fullConvMultAdds: sep.network.fullConvMultAdds, breakdown: breakdownByKind(cost), note: MACS_NOTE,
    },
    history: run.history,
    curve: run.curve ?? [],
  };
}

export interface ModelFiles {
  /** model.json, whose manifest points at ./weights.bin (or at the shards below). */
  modelJson: string;
  weights: Buffer;
  /** Weight shards by file name, when the run's own (quantized) files are served as stored. */
  shards?: Map<string, Buffer>;
}

/**
 * A run whose weights are stored quantized (mobilenet export --quantize, train --quantize) is served as
 * stored, so the page downloads the small shards and dequantizes exactly as the server did on load;
 * null for float32 runs (served by modelFiles below).
 */
export async function storedModelFiles(dir: string): Promise<ModelFiles | null> {
  const file = path.join(dir, 'model.json');
  const json = await readModelJson(file);
  if (!isQuantized(json)) return null;
  const shards = new Map<string, Buffer>();
  for (const p of json.weightsManifest.flatMap((g) => g.paths)) shards.set(p, await fs.readFile(path.join(dir, p)));
  return { modelJson: JSON.stringify(json), weights: Buffer.alloc(0), shards };
}

/**
 * Serialises the served model in the TF.js layers format, in memory: the page gets exactly the
 * weights the API computes with, whether the run came from a directory or was built in memory.
 */
export async function modelFiles(run: Run): Promise<ModelFiles> {
  let files: ModelFiles | undefined;
  await run.model.save(tf.io.withSaveHandler(async (a) => {
    files = {
      modelJson: JSON.stringify({
        modelTopology: a.modelTopology, format: 'layers-model', generatedBy: `mobilenet (TensorFlow.js ${tf.version_core})`,
        convertedBy: null, weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs }],
      }),
      weights: Buffer.from(a.weightData as ArrayBuffer),
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return files!;
}
