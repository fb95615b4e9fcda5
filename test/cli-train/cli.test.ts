/** mobilenet train / eval / predict end to end on a tiny folder dataset, and Ctrl-C + --resume. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers.js';
import { writeBandFolder } from './folder.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-cli-train-'));
const data = await writeBandFolder(path.join(root, 'bands'));
const run = path.join(root, 'run');
const TINY = ['--arch', 'v2', '--alpha', '0.35', '--dataset', `folder:${data}`, '--input', '8x8x1', '--batch-size', '6', '--lr', '0.003'];

test('train → eval → predict on a folder dataset', () => {
  const t = runCli(['train', ...TINY, '--epochs', '1', '--val-split', '0.25', '--out', run]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /^backend \w+( \(native engine\))?; 9 training, 3 validation, 6 test images; 2 steps per epoch$/m);
  assert.match(t.stdout, /^epoch 1\/1 +train loss [\d.]+ acc [\d.]+% +val loss [\d.]+ acc [\d.]+% +lr \S+ +[\d.]+s/m);
  assert.match(t.stdout, /^done: test accuracy [\d.]+%/m);
  const e = runCli(['eval', run, '--json']);
  assert.equal(e.status, 0, e.stderr);
  const j = JSON.parse(e.stdout);
  assert.deepEqual(Object.keys(j).slice(0, 5), ['accuracy', 'loss', 'count', 'perClass', 'confusion']);
  assert.equal(j.count, 6);
  assert.deepEqual(j.perClass.map((c: { label: string }) => c.label), ['bottom', 'middle', 'top']);
  const text = runCli(['eval', run, '--best']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^accuracy [\d.]+%/);
  assert.match(text.stdout, /true\\pred/);
  const png = path.join(data, 'test', 'top', '0.png');
  const p = runCli(['predict', run, png, png, '--top', '2', '--json']);
  assert.equal(p.status, 0, p.stderr);
  const preds = JSON.parse(p.stdout);
  assert.equal(preds.length, 2);
  assert.equal(preds[0].top.length, 2);
  const pt = runCli(['predict', run, png, '--invert']);
  assert.match(pt.stdout, /0\.png: \w+ [\d.]+%, \w+ [\d.]+%, \w+ [\d.]+%/);
});

test('eval wrote confusion.svg and mistakes.png; train wrote the run directory', async () => {
  for (const f of ['eval/confusion.svg', 'eval/mistakes.png', 'best/eval/confusion.svg', 'model.json', 'weights.bin', 'meta.json',
    'history.json', 'history.csv', 'report.html', 'best/model.json', 'checkpoint/state.json', 'checkpoint/optimizer.bin']) {
    await fs.access(path.join(run, f));
  }
  const meta = JSON.parse(await fs.readFile(path.join(run, 'meta.json'), 'utf8'));
  assert.equal(meta.output, 'probabilities');
  assert.match(meta.command, /^mobilenet train --arch v2/);
});

test('Ctrl-C saves a checkpoint and exits 130; --resume finishes the run', async () => {
  const dir = path.join(root, 'sigint');
  const child = spawn(process.execPath, [CLI, 'train', ...TINY, '--epochs', '2', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    if (/step 1\/2/.test(err) && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, err);
  assert.match(err, /interrupted: finishing this step/);
  const state = JSON.parse(await fs.readFile(path.join(dir, 'checkpoint', 'state.json'), 'utf8'));
  assert.ok(state.globalStep >= 1 && state.globalStep < 4, `globalStep ${state.globalStep}`);
  const r = runCli(['train', '--resume', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /resuming at epoch/);
  assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'history.json'), 'utf8')).length, 2);
});

// Bad options and files (one line, exit code, no stack) are in test/reliability/bad-inputs.test.ts, which also
// writes docs/bad-inputs.md from them.

test.after(async () => { await fs.rm(root, { recursive: true, force: true }); });
