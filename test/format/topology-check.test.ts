/**
 * checkTopology: a model.json whose graph cannot be connected fails at once with one line naming the
 * file and the layer (issue 12, defect 1: tfjs-layers looped forever on these), and loadLayersModel
 * applies it before TF.js sees the file. checkModelTopology (issue 19, items 5 and 12) runs inside
 * parseModelJson, so every reader of a model.json gets it, with the sizes in the layers' configs;
 * checkLayerShapes refuses a built model whose shapes shrink to nothing.
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { initBackend } from '../../src/backend/index.js';
import { DataError } from '../../src/errors.js';
import { saveLayersModel } from '../../src/format/layers-format.js';
import { parseModelJson } from '../../src/format/manifest.js';
import { checkLayerShapes, checkModelTopology, checkTopology } from '../../src/format/topology-check.js';
import { buildModel } from '../../src/models/presets.js';
import { ROOT } from '../helpers.js';

await initBackend('cpu');

interface Layer { name: string; class_name: string; inbound_nodes: unknown[][]; config: Record<string, unknown> }
type Topology = { class_name: string; config: { layers: Layer[]; input_layers: unknown[]; output_layers: unknown[] } };

const model = buildModel('v2', { alpha: 0.35, inputShape: [8, 8, 1], classes: 3, seed: 1 });
const fresh = (): Topology => JSON.parse(JSON.stringify(model.toJSON(null, false)));
const layer = (t: Topology, name: string) => t.config.layers.find((l) => l.name === name)!;
const F = 'run/model.json';

function rejects(t: unknown, re: RegExp): void {
  assert.throws(() => checkTopology(t, F), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, /^run\/model\.json: /);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

test('a topology saved by TF.js passes', () => {
  checkTopology(fresh(), F);
  checkTopology({ model_config: fresh() }, F);
});

test('an input from a mistyped layer name is named', () => {
  const t = fresh();
  (layer(t, 'predictions').inbound_nodes[0][0] as unknown[])[0] = 'gap_TYPO';
  rejects(t, /layer "predictions" takes its input from "gap_TYPO", which is not a layer of the model/);
});

test('a removed layer leaves its consumer dangling', () => {
  const t = fresh();
  const i = t.config.layers.findIndex((l) => l.name === 'block_1_project');
  t.config.layers.splice(i, 1);
  rejects(t, /layer "block_1_project_BN" takes its input from "block_1_project"/);
});

test('a cycle is named instead of looping', () => {
  const t = fresh();
  (layer(t, 'Conv1').inbound_nodes[0][0] as unknown[])[0] = 'bn_Conv1';
  rejects(t, /can never be connected .*"Conv1" waits on "bn_Conv1" node 0/);
});

test('missing or unknown input/output layers, duplicates and malformed nodes', () => {
  let t = fresh();
  t.config.output_layers = [];
  rejects(t, /lists no output layers/);
  t = fresh();
  t.config.output_layers = [['nope', 0, 0]];
  rejects(t, /output layer "nope" is not a layer of the model/);
  t = fresh();
  t.config.output_layers = [['predictions', 3, 0]];
  rejects(t, /output layer "predictions" has no node 3/);
  t = fresh();
  t.config.input_layers = [['Conv1', 'x', 0]];
  rejects(t, /an entry of input_layers is not \[layerName, nodeIndex, tensorIndex\]/);
  t = fresh();
  t.config.layers[2].name = t.config.layers[1].name;
  rejects(t, /two layers are named/);
  t = fresh();
  layer(t, 'Conv1').inbound_nodes = [[{ args: [] }]];
  rejects(t, /layer "Conv1": an input of inbound node 0 is not \[layerName/);
  rejects({ class_name: 'Model', config: {} }, /no config\.layers/);
});

test('loadLayersModel refuses a dangling input instead of hanging (child process, killed after 60 s if it hangs)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-topology-'));
  await saveLayersModel(model, dir);
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  const pred = json.modelTopology.config.layers.find((l: Layer) => l.name === 'predictions');
  pred.inbound_nodes[0][0][0] = 'gap_TYPO';
  await fs.writeFile(file, JSON.stringify(json));
  const lib = pathToFileURL(path.join(ROOT, 'dist', 'src', 'format', 'layers-format.js')).href;
  const script = `const { loadLayersModel } = await import(${JSON.stringify(lib)});
    await loadLayersModel(${JSON.stringify(dir)}).then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'loading hung and was killed');
  assert.equal(r.stdout.trim(), `DataError: ${file}: layer "predictions" takes its input from "gap_TYPO", which is not a layer of the model`);
  await fs.rm(dir, { recursive: true });
});

/** A whole model.json text around topology `t`, with an empty manifest. */
const modelJson = (t: unknown) => JSON.stringify({ modelTopology: t, weightsManifest: [] });

test('parseModelJson checks the graph, so no reader of a model.json can forget it (summary, cost, export, importers)', () => {
  const t = fresh();
  (layer(t, 'predictions').inbound_nodes[0][0] as unknown[])[0] = 'gap_TYPO';
  assert.throws(() => parseModelJson(modelJson(t), F), /^DataError: run\/model\.json: layer "predictions" takes its input from "gap_TYPO"/);
  const dup = fresh();
  dup.config.layers[3].name = dup.config.layers[2].name;
  assert.throws(() => parseModelJson(modelJson(dup), F), /two layers are named/);
  assert.doesNotThrow(() => parseModelJson(modelJson(fresh()), F));
});

test('sizes in layer configs: a zero or negative input shape, a zero stride, kernel or unit count names the layer', () => {
  const reject = (edit: (t: Topology) => void, re: RegExp) => {
    const t = fresh();
    edit(t);
    assert.throws(() => checkModelTopology(t as unknown as Record<string, unknown>, F), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, re);
      return true;
    });
  };
  const input = (t: Topology) => t.config.layers[0].config;
  reject((t) => { input(t).batch_input_shape = [null, 0, -3, 1]; }, /layer "input_1": input shape \[null,0,-3,1\] must list positive integers/);
  reject((t) => { layer(t, 'Conv1').config.strides = [0, 0]; }, /layer "Conv1": strides \[0,0\] must be positive integers/);
  reject((t) => { layer(t, 'Conv1').config.kernel_size = [3, -1]; }, /layer "Conv1": kernel_size \[3,-1\]/);
  reject((t) => { layer(t, 'predictions').config.units = 0; }, /layer "predictions": units 0/);
  reject((t) => { layer(t, 'Conv1').config.strides = [1.5, 1]; }, /strides \[1\.5,1\]/);
  assert.doesNotThrow(() => checkModelTopology(fresh() as unknown as Record<string, unknown>, F));
});

test('checkLayerShapes names the first layer whose output shape is not positive', () => {
  assert.doesNotThrow(() => checkLayerShapes(model, F));
  const fake = { layers: [{ name: 'conv', outputShape: [null, -1, 4, 8] }] } as unknown as Parameters<typeof checkLayerShapes>[0];
  assert.throws(() => checkLayerShapes(fake, F), /^DataError: run\/model\.json: layer "conv" has output shape \[-1, 4, 8\]/);
  const inf = { layers: [{ name: 'conv', outputShape: [null, Infinity, 4, 8] }] } as unknown as Parameters<typeof checkLayerShapes>[0];
  assert.throws(() => checkLayerShapes(inf, F), /layer "conv" has output shape \[Infinity, 4, 8\]/);
});
