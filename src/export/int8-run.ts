/**
 * The int8 IR an export reads: a quantized run's own (meta.json says int8), or — with `quantize` (`export
 * --quantize int8`) — a float run calibrated and quantized in memory, as `mobilenet quantize` would write it.
 */
import { promises as fs } from 'node:fs';
import type { Int8Model } from '../engine/int8-ir.js';
import { DataError, OptionError } from '../errors.js';
import { CalibrateOptions, quantizeInMemory } from '../quantize/quantize-run.js';
import { readInt8Model } from '../run/int8-files.js';
import { RunMeta, readMeta } from '../run/run-dir.js';

export interface Int8Run { meta: RunMeta; model: Int8Model }

/** Calibration settings of an export that quantizes on the way (`--quantize int8`). */
export type ExportQuantize = Omit<CalibrateOptions, 'best'>;

/** The run's meta and int8 IR when `dir` is a quantized run (and not its best/ checkpoint), else null. */
export async function readInt8Run(dir: string, best = false): Promise<Int8Run | null> {
  if (best) return null;
  const st = await fs.stat(dir).catch(() => null);
  if (!st) throw new DataError(`run directory ${dir} does not exist`);
  if (!st.isDirectory()) throw new DataError(`${dir} is a file, not a run directory`);
  const meta = await readMeta(dir);
  if (meta.quantization?.kind !== 'int8') return null;
  return { meta, model: await readInt8Model(dir) };
}

/** The refusal of `--quantize int8` on a run that is int8 already (quantizing its float model again would silently replace its calibration). */
export const alreadyInt8 = (dir: string) => new OptionError(`${dir} is an int8 run already (mobilenet quantize); export it without --quantize int8`);

/** The float run in `dir` calibrated and quantized in memory, for an export (`--quantize int8`). */
export async function quantizeForExport(dir: string, best: boolean | undefined, quantize: ExportQuantize): Promise<Int8Run> {
  if (await readInt8Run(dir, best)) throw alreadyInt8(dir);
  const q = await quantizeInMemory(dir, { ...quantize, best });
  q.run.model.dispose();
  return { meta: q.run.meta, model: q.model };
}
