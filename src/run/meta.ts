/** meta.json of a run directory: how to feed the model and read its output (RunMeta), read and written whole. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors.js';
import { writeFileAtomic } from '../format/layers-format.js';
import type { Arch, BuildOptions } from '../models/presets.js';

export const RUN_FORMAT = 'mobilenet-run/1';

export interface RunMeta {
  format: typeof RUN_FORMAT;
  arch: Arch;
  /** Preset the model was built from, if any. */
  preset: string | null;
  /** The options the builder got (after the preset was applied). */
  buildOptions: BuildOptions;
  /** [H, W, C] the model takes. */
  inputShape: [number, number, number];
  /** Class names, index = class id. */
  labels: string[];
  /** Per-channel mean and std on the 0..1 pixel scale: x = (pixel/255 - mean) / std. */
  normalization: { mean: number[]; std: number[] };
  /** What the model's output is: softmax probabilities or logits (apply softmax). */
  output: 'logits' | 'probabilities';
  /** Dataset spec it was trained on ('mnist', 'fashion-mnist', 'folder:PATH'). */
  dataset: string;
  /** Backend that trained it, and the command line. */
  backend: string;
  command: string;
  /**
   * Set on a quantized run (`mobilenet quantize`): its int8 model (int8.json + int8.bin, docs/int8.md) beside the
   * float model.json it was quantized from, and the run it came from.
   */
  quantization?: { kind: 'int8'; file: 'int8.json'; from: string };
}

/** Reads and parses a JSON file; a missing or malformed file is one DataError naming it. */
export async function readJson<T = unknown>(file: string): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DataError(`${file} is not valid JSON`);
  }
}

export async function writeMeta(dir: string, meta: RunMeta): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
}

export async function readMeta(dir: string): Promise<RunMeta> {
  const file = path.join(dir, 'meta.json');
  const meta = (await readJson(file)) as Partial<RunMeta>;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new DataError(`${file}: not a JSON object`);
  if (meta.format !== RUN_FORMAT) throw new DataError(`${file}: not a mobilenet run (format is not ${RUN_FORMAT})`);
  for (const k of ['arch', 'inputShape', 'labels', 'normalization', 'output'] as const) {
    if (meta[k] === undefined) throw new DataError(`${file}: missing "${k}"`);
  }
  return meta as RunMeta;
}

