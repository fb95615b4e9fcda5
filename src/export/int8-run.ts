/** Whether an export source is a quantized run (meta.json says int8): then the exporters read its int8 IR. */
import { promises as fs } from 'node:fs';
import type { Int8Model } from '../engine/int8-ir.js';
import { DataError } from '../errors.js';
import { readInt8Model } from '../run/int8-files.js';
import { RunMeta, readMeta } from '../run/run-dir.js';

export interface Int8Run { meta: RunMeta; model: Int8Model }

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
