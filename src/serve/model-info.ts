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
import { MACS_NOTE, SummaryJson, summaryJson } from '../cost/summary.js';
import { isQuantized, readModelJson } from '../export/manifest.js';
import type { HistoryRow, Run, RunMeta } from '../train/run-dir.js';
import { Preprocessing, preprocessingFor } from './input.js';

export interface ModelInfo {
  arch: string;
  preset: string | null;
  dataset: string;
  inputShape: [number, number, number];
  labels: string[];
  output: RunMeta['output'];
  normalization: RunMeta['normalization'];
  /** How uploads (and the page's drawing) are turned into the model's input. */
  preprocessing: Preprocessing;
  options: RunMeta['buildOptions'];
  /** Backend the server computes on, and the one that trained the model. */
  backend: string;
  trainedOn: string;
  command: string;
  summary: SummaryJson;
  cost: {
    totalParams: number; trainableParams: number; nonTrainableParams: number; multAdds: number;
    /** Mult-adds of the same network with standard convolutions instead of depthwise-separable ones. */
    fullConvMultAdds: number;
    breakdown: ReturnType<typeof breakdownByKind>;
    note: string;
  };
  history: HistoryRow[];
}

/** The GET /v1/model document of a run. */
export function modelInfo(run: Run, backend: string): ModelInfo {
  const { meta, model } = run;
  const cost = modelCost(model);
  const classes = model.outputs[0].shape[1] ?? null;
  const sep = separableComparison(model, cost);
  return {
    arch: meta.arch, preset: meta.preset, dataset: meta.dataset, inputShape: meta.inputShape,
    labels: meta.labels, output: meta.output, normalization: meta.normalization,
    preprocessing: preprocessingFor(meta), options: meta.buildOptions,
    backend, trainedOn: meta.backend, command: meta.command,
    summary: summaryJson(model, { arch: meta.arch, alpha: meta.buildOptions.alpha ?? 1, classes }, cost),
    cost: {
      totalParams: cost.totalParams, trainableParams: cost.trainableParams,
      nonTrainableParams: cost.nonTrainableParams, multAdds: cost.multAdds,
      fullConvMultAdds: sep.network.fullConvMultAdds, breakdown: breakdownByKind(cost), note: MACS_NOTE,
    },
    history: run.history,
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
