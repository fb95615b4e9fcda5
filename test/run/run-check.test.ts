/**
 * Issue 12, defect 4: loadRun checks meta.json against the model (one validation for eval, predict and
 * serve) — wrong input shape, labels count, normalisation, output kind, non-finite weights — while a broken
 * history.json only warns.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { DataError } from '../../src/errors.js';
import { buildModel } from '../../src/models/presets.js';
import { createServer } from '../../src/serve/server.js';
import { writeModel } from '../../src/run/model-files.js';
import { lastActivation } from '../../src/run/run-check.js';
import { RUN_FORMAT, RunMeta, loadRun, writeMeta } from '../../src/run/run-dir.js';

await initBackend('cpu');

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-run-check-'));
const buildOptions = { alpha: 0.35, inputShape: [8, 8, 1] as [number, number, number], classes: 3, seed: 1 };
const model = buildModel('v2', { ...buildOptions, classifierActivation: null });
const META: RunMeta = {
  format: RUN_FORMAT, arch: 'v2', preset: null, buildOptions: { ...buildOptions, classifierActivation: 'softmax' },
  inputShape: [8, 8, 1], labels: ['top', 'middle', 'bottom'], normalization: { mean: [0.35], std: [0.25] },
  output: 'probabilities', dataset: 'bands', backend: 'cpu', command: 'test',
};

let n = 0;
/** A run directory with the softmax model and `meta` changed by `edit`. */
async function runDir(edit: (m: Record<string, unknown>) => void = () => {}, o: { softmax?: boolean } = {}): Promise<string> {
  const dir = path.join(root, `run${n++}`);
  await fs.mkdir(dir);
  await writeModel(model, dir, { softmax: o.softmax ?? true });
  const meta = JSON.parse(JSON.stringify(META));
  edit(meta);
  await writeMeta(dir, meta);
  return dir;
}

async function refused(dir: string, file: string, re: RegExp): Promise<void> {
  await assert.rejects(loadRun(dir), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.ok(e.message.startsWith(`${path.join(dir, file)}: `), e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('a consistent run loads', async () => {
  const r = await loadRun(await runDir());
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.history, []);
});

test('meta.json that does not describe the model is refused, naming the field', async () => {
  await refused(await runDir((m) => { m.inputShape = 'abc'; }), 'meta.json', /"inputShape" must be \[H, W, C\] with positive integers, got "abc"/);
  await refused(await runDir((m) => { m.inputShape = [16, 16, 1]; }), 'meta.json', /"inputShape" 16x16x1 does not match the model's input 8x8x1/);
  await refused(await runDir((m) => { m.labels = ['a', 'b']; }), 'meta.json', /2 labels for a model with 3 outputs/);
  await refused(await runDir((m) => { m.labels = ['a', 'a', 'b']; }), 'meta.json', /"labels" lists "a" twice/);
  await refused(await runDir((m) => { m.normalization = { mean: [0.35], std: [0] }; }), 'meta.json', /"normalization\.std" must be > 0/);
  await refused(await runDir((m) => { m.normalization = { mean: [null], std: [0.25] }; }), 'meta.json', /"normalization\.mean" must be 1 finite number/);
  await refused(await runDir((m) => { m.output = 'scores'; }), 'meta.json', /"output" must be "logits", "probabilities" or "features"/);
  await refused(await runDir((m) => { m.arch = 'v3'; }), 'meta.json', /"arch" must be one of "v1", "v2", "v3-small", "v3-large", got "v3"/);
  const arr = await runDir();
  await fs.writeFile(path.join(arr, 'meta.json'), '[]');
  await refused(arr, 'meta.json', /not a JSON object/);
});

test('issue 19 item 11: "output" must agree with the model\'s last activation, both ways', async () => {
  // logits on a softmax model: predict/eval/serve applied softmax twice, silently
  await refused(await runDir((m) => { m.output = 'logits'; }), 'meta.json',
    /"output" is "logits" but the model ends in a softmax \(layer "predictions" of model\.json\): predict, eval and serve would apply softmax twice; set "output": "probabilities"$/);
  await refused(await runDir(() => {}, { softmax: false }), 'meta.json',
    /"output" is "probabilities" but the model's last layer "predictions" has no softmax \(activation "linear" in model\.json\): its outputs are logits; set "output": "logits"$/);
  (await loadRun(await runDir((m) => { m.output = 'logits'; }, { softmax: false }))).model.dispose(); // logits on a linear head: fine
});

test('the last activation is found through V1\'s and V3\'s reshape/flatten → Activation heads; pooled features have none', () => {
  const o = { alpha: 0.75, inputShape: [32, 32, 3] as [number, number, number], classes: 4 };
  for (const arch of ['v1', 'v3-small'] as const) {
    for (const [act, want] of [['softmax', 'softmax'], [null, 'linear']] as const) {
      const m = buildModel(arch, { ...o, classifierActivation: act });
      const layer = act ? 'predictions' : arch === 'v1' ? 'conv_preds' : 'logits'; // a linear Activation is looked through
      assert.deepEqual(lastActivation(m), { layer, activation: want }, `${arch} ${act}`);
      m.dispose();
    }
  }
  const v2 = buildModel('v2', { ...o, includeTop: false, pooling: 'avg' });
  assert.deepEqual(lastActivation(v2), { layer: 'global_average_pooling2d', activation: null });
  v2.dispose();
});

test('non-finite weights are refused, naming the weight', async () => {
  const dir = await runDir();
  const file = path.join(dir, 'weights.bin');
  const w = await fs.readFile(file);
  w.writeFloatLE(Number.NaN, 0);
  await fs.writeFile(file, w);
  await refused(dir, 'weights.bin', /weight Conv1\/kernel holds NaN \(at index 0\)/);
});

test('issue 19 item 17: a weights.bin that is a directory is named as such (was "are 4096 bytes")', async () => {
  const dir = await runDir();
  await fs.rm(path.join(dir, 'weights.bin'));
  await fs.mkdir(path.join(dir, 'weights.bin'));
  await assert.rejects(loadRun(dir), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.message, `weights shard ${path.join(dir, 'weights.bin')} (named in ${path.join(dir, 'model.json')}) is a directory, not a file`);
    return true;
  });
});

test('a broken history.json or curve.json is a warning, not a failure', async () => {
  const dir = await runDir();
  await fs.writeFile(path.join(dir, 'history.json'), '{"epoch": ');
  await fs.writeFile(path.join(dir, 'curve.json'), '{"not": "a list"}');
  const r = await loadRun(dir);
  assert.deepEqual(r.history, []);
  assert.equal(r.warnings!.length, 2);
  assert.match(r.warnings![0], /history\.json is not valid JSON; ignored/);
  assert.match(r.warnings![1], /curve\.json is not a list of \[epoch, loss, accuracy\]; ignored/);
});

test('createServer checks a Run given in memory the same way', async () => {
  const run = await loadRun(await runDir());
  await assert.rejects(createServer({ ...run, meta: { ...run.meta, labels: ['x'] } }, { backend: 'cpu' }), /1 labels for a model with 3 outputs/);
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
