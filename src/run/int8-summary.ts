/** What `summary` says about a quantized run: its int8 model (int8.json + int8.bin), in one line and as JSON. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { INT8_BIN, INT8_JSON, readInt8Model } from './int8-files.js';

export interface Int8Summary {
  file: string;
  ops: number;
  kinds: Record<string, number>;
  int8Bytes: number;
  calibration: { method: string; images: number; data: string };
  /** The one text line. */
  line: string;
}

/** Reads (and validates) the int8 model in dir. */
export async function int8Summary(dir: string): Promise<Int8Summary> {
  const m = await readInt8Model(dir);
  const kinds: Record<string, number> = {};
  for (const op of m.ops) kinds[op.kind] = (kinds[op.kind] ?? 0) + 1;
  const int8Bytes = (await fs.stat(path.join(dir, INT8_BIN))).size;
  const c = m.calibration;
  const list = Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ');
  const line = `int8: ${path.join(dir, INT8_JSON)} — ${m.ops.length} ops (${list}); int8.bin ${int8Bytes.toLocaleString('en-US')} bytes; ` +
    `calibrated on ${c.images} images of ${c.data} (${c.method}); eval, predict, serve and bench run the int8 model`;
  return { file: path.join(dir, INT8_JSON), ops: m.ops.length, kinds, int8Bytes, calibration: c, line };
}
