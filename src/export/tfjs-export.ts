/**
 * exportTfjs(): a run directory (or a LayersModel) → a TF.js layers model in the converter's layout,
 * optionally with quantized weights (float16 / uint8 / uint16). From a run directory the result is a run
 * directory too (meta.json and history.json copied), so predict / eval / serve read it as they read the
 * original. The output directory is written complete under DIR.tmp and renamed into place; where it may go
 * (never into a run, never over anything without overwrite) is run/out-path.ts's rule.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { replaceDir } from '../run/atomic-dir.js';
import { writeFailure } from '../fs-errors.js';
import { checkOutPath } from '../run/out-path.js';
import { loadRun } from '../run/run-dir.js';
import { writeFileAtomic } from '../format/layers-format.js';
import { QUANTIZE_DTYPES, QuantizeDtype } from '../format/quantize.js';
import { SHARD_BYTES, modelArtifacts, writeTfjsFiles } from '../format/tfjs-writer.js';

export interface ExportTfjsOptions {
  /** Output directory (default DIR-<dtype>, or DIR-tfjs without quantization). */
  out?: string;
  quantize?: QuantizeDtype | null;
  best?: boolean;
  shardBytes?: number;
  /** Replace an earlier exported model directory at `out` (never a training run or a folder of something else). */
  overwrite?: boolean;
}

export interface TfjsExport {
  dir: string;
  files: string[];
  /** Bytes of model.json + shards. */
  bytes: number;
  quantize: QuantizeDtype | null;
}

async function sizeOf(dir: string, files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await fs.stat(path.join(dir, f))).size;
  return n;
}

/** Exports `source` in the TF.js layers format (quantized when asked); returns the directory and its files. */
export async function exportTfjs(source: string | tfl.LayersModel, o: ExportTfjsOptions = {}): Promise<TfjsExport> {
  const quantize = o.quantize ?? null;
  if (quantize !== null && !(QUANTIZE_DTYPES as readonly string[]).includes(quantize)) {
    throw new OptionError(`quantize must be one of ${QUANTIZE_DTYPES.join(', ')}, got ${JSON.stringify(quantize)}`);
  }
  const isRun = typeof source === 'string';
  const out = o.out ?? (isRun ? `${source.replace(/[\\/]+$/, '')}-${quantize ?? 'tfjs'}` : undefined);
  if (!out) throw new OptionError('out (the directory to write) is required when exporting a model object');
  await checkOutPath(out, { kind: 'dir', overwrite: o.overwrite, source: isRun ? source : undefined });
  const run = isRun ? await loadRun(source, { best: o.best }) : null;
  const model = run?.model ?? (source as tfl.LayersModel);
  let files: string[] = [];
  try {
    const artifacts = await modelArtifacts(model);
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true }).catch((e) => { throw writeFailure(e, out); });
    await replaceDir(out, async (tmp) => {
      files = await writeTfjsFiles(tmp, artifacts, { quantize, shardBytes: o.shardBytes ?? SHARD_BYTES });
      if (run) {
        await writeFileAtomic(path.join(tmp, 'meta.json'), JSON.stringify(run.meta, null, 2));
        await writeFileAtomic(path.join(tmp, 'history.json'), JSON.stringify(run.history, null, 1));
      }
    });
  } catch (e) {
    await fs.rm(`${out}.tmp`, { recursive: true, force: true });
    throw e;
  } finally {
    if (run) run.model.dispose();
  }
  return { dir: out, files, bytes: await sizeOf(out, files), quantize };
}
