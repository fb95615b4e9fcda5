/** mobilenet train / eval / predict end to end on a tiny folder dataset, Ctrl-C + --resume, and every error path. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, CliResult, runCli } from '../helpers.js';
import { writeBandFolder } from './folder.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-cli-train-'));
const data = await writeBandFolder(path.join(root, 'bands'));
const run = path.join(root, 'run');
const TINY = ['--arch', 'v2', '--alpha', '0.35', '--dataset', `folder:${data}`, '--input', '8x8x1', '--batch-size', '6', '--lr', '0.003'];

function oneLineError(r: CliResult, re: RegExp, status?: number): void {
  assert.notEqual(r.status, 0, `expected failure, got: ${r.stdout}`);
  if (status !== undefined) assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

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

test('every bad input: one line on stderr, non-zero exit', async () => {
  const bad = path.join(root, 'bad');
  await fs.cp(run, bad, { recursive: true });
  const corrupt = path.join(root, 'corrupt-model');
  await fs.cp(run, corrupt, { recursive: true });
  await fs.writeFile(path.join(bad, 'meta.json'), '{"format": ');
  await fs.writeFile(path.join(corrupt, 'model.json'), '{"modelTopology": null}');
  const notImage = path.join(root, 'not-an-image.png');
  await fs.writeFile(notImage, 'hello');
  const cases: Array<[string[], RegExp, number?]> = [
    [['train'], /--arch is required/, 2],
    [['train', '--arch', 'v3', '--dataset', 'mnist'], /--arch must be one of v1, v2/, 2],
    [['train', '--arch', 'v2'], /--dataset is required/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--epochs', 'abc'], /--epochs must be a positive integer/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--lr', '0'], /--lr must be a positive number, got "0"/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--batch-size', '0'], /--batch-size/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--val-split', '1.5'], /--val-split must be a number in \[0, 1\)/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--optimizer', 'adagrad'], /--optimizer must be one of/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--patience', '2'], /patience needs a validation split/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--bogus'], /Unknown option '--bogus'/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--precise-bn=-1'], /--precise-bn must be an integer ≥ 0/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--precise-bn', '5', '--no-precise-bn'], /contradict/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--augment', '--no-augment'], /contradict/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--target', '99.5'], /--target must be a fraction in \(0, 1\]/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--ema', '1'], /--ema must be a number in \[0, 1\)/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--weight-decay=-1'], /--weight-decay must be a number ≥ 0/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--erase', '2'], /--erase must be a probability/, 2],
    [['train', '--arch', 'v2', '--dataset', 'mnist', '--init', 'xavier'], /--init must be one of keras, torchvision/, 2],
    [['train', '--arch', 'v2', '--dataset', 'imagenet'], /unknown dataset/, 2],
    [['train', '--arch', 'v2', '--dataset', `folder:${path.join(root, 'nowhere')}`, '--out', path.join(root, 'x')], /nowhere/, 1],
    [['train', '--resume', path.join(root, 'nowhere')], /no checkpoint to resume from/, 1],
    [['train', '--resume', run, '--lr', '0.1'], /--lr cannot be combined with --resume/, 2],
    [['eval'], /eval takes one run directory/, 2],
    [['eval', path.join(root, 'nowhere')], /does not exist/, 1],
    [['eval', bad], /meta\.json is not valid JSON/, 1],
    [['eval', corrupt], /model\.json/, 1],
    [['eval', run, '--limit', '0'], /--limit must be a positive integer/, 2],
    [['predict', run], /at least one image/, 2],
    [['predict', run, path.join(root, 'missing.png')], /missing\.png/, 1],
    [['predict', run, notImage], /not-an-image\.png/, 1],
    [['predict', run, notImage, '--top', '0'], /--top must be a positive integer/, 2],
  ];
  for (const [args, re, status] of cases) {
    const r = runCli(args);
    // stderr may also hold the "backend X" line of a command that got that far: keep only errors
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('mobilenet:')).join('\n');
    assert.doesNotMatch(r.stderr, /\n\s+at /, args.join(' '));
    oneLineError({ ...r, stderr: errLines }, re, status);
  }
});

test.after(async () => { await fs.rm(root, { recursive: true, force: true }); });
