/**
 * Issue 19, item 1: an export never destroys a run or anything else. ONNX onto the run's own model.json,
 * weights.bin or meta.json, TF.js onto its checkpoint/, either onto an unrelated file or folder: refused
 * before any work, every byte left as it was; an existing path is replaced only with overwrite, a file by a
 * file and an exported model by a model. (The one-line CLI messages are in test/reliability/cases.ts.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError } from '../../src/errors.js';
import { exportOnnx } from '../../src/export/onnx/index.js';
import { exportTfjs } from '../../src/export/tfjs-export.js';
import { exportTflite } from '../../src/export/tflite/index.js';
import { loadRun } from '../../src/run/run-dir.js';
import { train } from '../../src/train/train.js';
import { TINY, bandDataset } from '../train/fixture.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-out-path-'));
const run = path.join(root, 'run');
await train({ ...TINY, dataset: bandDataset(12, 6), out: run, epochs: 1, batchSize: 6, lr: 3e-3 });

/** Every file under `dir` (relative path → bytes). */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const p = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
      out.set(path.relative(dir, p), await fs.readFile(p));
    }
  }
  return out;
}

async function assertSame(dir: string, before: Map<string, Buffer>): Promise<void> {
  const after = await snapshot(dir);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [k, v] of before) assert.ok(v.equals(after.get(k)!), `${k} changed`);
}

const refused = (re: RegExp) => (e: unknown) => e instanceof OptionError && re.test(e.message);

test('ONNX onto the run\'s own files, TF.js onto its checkpoint or the run itself: refused, the run unchanged and loadable', async () => {
  const before = await snapshot(run);
  for (const f of ['model.json', 'weights.bin', 'meta.json', 'checkpoint/state.json', 'new-name.onnx']) {
    await assert.rejects(exportOnnx(run, { out: path.join(run, f), overwrite: true }), refused(/is inside the run directory .*run; an export never writes into a run/));
  }
  for (const d of ['checkpoint', 'best', 'eval']) {
    await assert.rejects(exportTfjs(run, { out: path.join(run, d), overwrite: true }), refused(/inside the run directory/));
  }
  await assert.rejects(exportTfjs(run, { out: run, overwrite: true }), refused(/is the run directory itself/));
  await assertSame(run, before);
  (await loadRun(run)).model.dispose();
});

test('an unrelated file or folder is never overwritten or turned into a directory; onnx onto a folder names it', async () => {
  const file = path.join(root, 'notes.txt');
  await fs.writeFile(file, 'keep me');
  await assert.rejects(exportOnnx(run, { out: file }), refused(/notes\.txt already exists; choose another path, or replace it with --overwrite/));
  await assert.rejects(exportTfjs(run, { out: file, overwrite: true }), refused(/notes\.txt is a file, not a directory/));
  assert.equal(await fs.readFile(file, 'utf8'), 'keep me');
  const folder = path.join(root, 'photos');
  await fs.mkdir(folder);
  await fs.writeFile(path.join(folder, 'a.jpg'), 'jpeg');
  await assert.rejects(exportOnnx(run, { out: folder, overwrite: true }), refused(/photos is a directory; give the name of the file to write/));
  await assert.rejects(exportTfjs(run, { out: folder, overwrite: true }), refused(/photos exists and holds no model\.json; refusing to replace it/));
  assert.deepEqual(await fs.readdir(folder), ['a.jpg']);
  // another training run is not an export target either, even with overwrite
  const other = path.join(root, 'other-run');
  await fs.cp(run, other, { recursive: true });
  await assert.rejects(exportTfjs(run, { out: other, overwrite: true }), refused(/other-run is a training run directory; an export never replaces a run/));
});

test('an existing export is replaced only with overwrite; the default RUN/model.onnx is allowed', async () => {
  const onnx = await exportOnnx(run, {});
  assert.equal(onnx.file, path.join(run, 'model.onnx'));
  const first = await fs.readFile(onnx.file);
  await assert.rejects(exportOnnx(run, {}), refused(/model\.onnx already exists/));
  assert.ok(first.equals(await fs.readFile(onnx.file)));
  await exportOnnx(run, { overwrite: true, logits: true });
  assert.ok(!first.equals(await fs.readFile(onnx.file)), 'replaced with overwrite');

  const out = path.join(root, 'run-uint8');
  await exportTfjs(run, { out, quantize: 'uint8' });
  await assert.rejects(exportTfjs(run, { out, quantize: 'uint16' }), refused(/run-uint8 already holds a model; choose another path, or replace it with --overwrite/));
  const r = await exportTfjs(run, { out, quantize: 'uint16', overwrite: true });
  assert.equal(r.quantize, 'uint16');
  // an exported model directory is a run directory too: nothing is written inside it
  await assert.rejects(exportOnnx(out, { out: path.join(out, 'model.json'), overwrite: true }), refused(/inside the run directory/));
});

test.after(() => fs.rm(root, { recursive: true, force: true }));

test('TFLite goes through the same check: never onto the run\'s own files or an existing file without overwrite', async () => {
  const before = await snapshot(run);
  for (const f of ['model.json', 'weights.bin', 'meta.json', 'checkpoint/state.json']) {
    await assert.rejects(exportTflite(run, { out: path.join(run, f), overwrite: true }), refused(/is inside the run directory .*run; an export never writes into a run/));
  }
  await assertSame(run, before);
  const file = path.join(root, 'notes-tflite.txt');
  await fs.writeFile(file, 'keep me');
  await assert.rejects(exportTflite(run, { out: file }), refused(/notes-tflite\.txt already exists; choose another path, or replace it with --overwrite/));
  assert.equal(await fs.readFile(file, 'utf8'), 'keep me');
  const first = await exportTflite(run, {});
  assert.equal(first.file, path.join(run, 'model.tflite'));
  await assert.rejects(exportTflite(run, {}), refused(/model\.tflite already exists/));
  await exportTflite(run, { overwrite: true });
  await fs.rm(first.file);
});
