/** mobilenet train / resume / eval / predict with --arch v3-small|v3-large on a tiny folder dataset. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers.js';
import { writeBandFolder } from './folder.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-cli-v3-'));
const data = await writeBandFolder(path.join(root, 'bands'));
const tiny = (arch: string) =>
  ['--arch', arch, '--alpha', '0.35', '--dataset', `folder:${data}`, '--input', '8x8x1', '--batch-size', '6', '--lr', '0.003'];

for (const [arch, extra] of [['v3-small', []], ['v3-large', ['--minimalistic']]] as const) {
  test(`train ${arch} ${extra.join(' ')} → resume to 2 epochs → eval → predict`, async () => {
    const run = path.join(root, arch);
    const t = runCli(['train', ...tiny(arch), ...extra, '--epochs', '1', '--val-split', '0.25', '--out', run]);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /^done: test accuracy [\d.]+%/m);
    const meta = JSON.parse(await fs.readFile(path.join(run, 'meta.json'), 'utf8'));
    assert.equal(meta.arch, arch);
    assert.equal(meta.buildOptions.includePreprocessing, false, 'batches come normalised: no Rescaling input layer');
    assert.equal(meta.buildOptions.minimalistic, extra.length ? true : undefined);
    const topology = JSON.parse(await fs.readFile(path.join(run, 'model.json'), 'utf8')).modelTopology;
    const names = topology.config.layers.map((l: { config: { name: string } }) => l.config.name);
    assert.ok(!names.includes('rescaling'));
    assert.equal(names.some((n: string) => /squeeze_excite/.test(n)), extra.length === 0);
    const r = runCli(['train', '--resume', run, '--epochs', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(await fs.readFile(path.join(run, 'history.json'), 'utf8')).length, 2);
    const e = runCli(['eval', run, '--json']);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(JSON.parse(e.stdout).count, 6);
    const p = runCli(['predict', run, path.join(data, 'test', 'top', '0.png'), '--json']);
    assert.equal(p.status, 0, p.stderr);
    const top = JSON.parse(p.stdout)[0].top as Array<{ probability: number }>;
    assert.ok(Math.abs(top.reduce((s, c) => s + c.probability, 0) - 1) < 1e-4);
  });
}

test('--minimalistic is refused for V1/V2 with one line and exit 2', () => {
  const r = runCli(['train', '--arch', 'v2', '--minimalistic', '--dataset', 'mnist']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'mobilenet: --minimalistic is a V3 option (v3-small, v3-large)');
  const a = runCli(['train', '--arch', 'v4', '--dataset', 'mnist']);
  assert.match(a.stderr, /^mobilenet: --arch must be one of v1, v2, v3-small, v3-large, got "v4"$/m);
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
