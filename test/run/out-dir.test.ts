/**
 * Issue 12, defects 2 and 6: train() never silently replaces a run (refused without `overwrite`; with it the
 * directory is cleared completely), never touches a foreign folder or a file, and leaves no empty run
 * directory behind when it fails before saving anything (a one-class dataset, a crash before the first checkpoint).
 * Issue 19, item 15: a directory left by a kill during the first checkpoint (only checkpoint.tmp/) is one thing
 * to both --out and --resume: an unfinished start, replaced with overwrite.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError, OptionError } from '../../src/errors.js';
import { loadRun } from '../../src/run/run-dir.js';
import { TrainConfig, resumeTraining, train } from '../../src/train/train.js';
import { TINY, bandDataset } from '../train/fixture.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-out-dir-'));
const data = bandDataset(12, 6);
const cfg = (out: string): TrainConfig => ({ ...TINY, dataset: data, out, epochs: 1, batchSize: 6, lr: 3e-3 });
const exists = (p: string) => fs.access(p).then(() => true, () => false);

test('an existing run is refused without overwrite and left as it was; overwrite clears it completely', async () => {
  const dir = path.join(root, 'run');
  await train(cfg(dir));
  await fs.mkdir(path.join(dir, 'eval'));
  await fs.writeFile(path.join(dir, 'eval', 'confusion.svg'), '<svg/>');
  const before = await fs.readFile(path.join(dir, 'weights.bin'));
  const meta = await fs.readFile(path.join(dir, 'meta.json'), 'utf8');

  await assert.rejects(train({ ...cfg(dir), seed: 9 }), (e: unknown) => e instanceof OptionError
    && e.message === `${dir} already holds a run: continue it with --resume ${dir}, or replace it with --overwrite`);
  assert.ok(before.equals(await fs.readFile(path.join(dir, 'weights.bin'))), 'weights untouched');
  assert.equal(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'), meta);
  assert.ok(await exists(path.join(dir, 'eval', 'confusion.svg')));

  const r = await train({ ...cfg(dir), seed: 9, overwrite: true });
  assert.equal(r.status, 'done');
  const run = await loadRun(dir);
  assert.equal(run.curve!.length, 2, 'curve.json: the within-epoch training points (one per step here)');
  assert.equal(await exists(path.join(dir, 'eval')), false, "the old run's eval/ is gone");
  assert.ok(!before.equals(await fs.readFile(path.join(dir, 'weights.bin'))), 'new weights');
});

test('a file, or a folder that is not a run, is never written to (overwrite or not)', async () => {
  const file = path.join(root, 'a-file');
  await fs.writeFile(file, 'keep me');
  await assert.rejects(train({ ...cfg(file), overwrite: true }), /cannot write the run to .*a-file: it is a file, not a directory/);
  assert.equal(await fs.readFile(file, 'utf8'), 'keep me');
  const folder = path.join(root, 'photos');
  await fs.mkdir(folder);
  await fs.writeFile(path.join(folder, 'holiday.jpg'), 'jpeg');
  await assert.rejects(train({ ...cfg(folder), overwrite: true }), /photos is not empty and is not a run directory/);
  assert.deepEqual(await fs.readdir(folder), ['holiday.jpg']);
  const empty = path.join(root, 'empty');
  await fs.mkdir(empty);
  assert.equal((await train(cfg(empty))).status, 'done', 'an empty folder is fine');
});

test('a one-class dataset is a clear DataError and creates no directory', async () => {
  const one = { ...data, labels: ['only'], train: { ...data.train, labels: new Uint8Array(12) }, test: { ...data.test, labels: new Uint8Array(6) } };
  const dir = path.join(root, 'one-class');
  await assert.rejects(train({ ...cfg(dir), dataset: one }), (e: unknown) => e instanceof DataError
    && e.message === 'dataset bands has 1 class ("only"); a classifier needs at least 2');
  assert.equal(await exists(dir), false);
});

test('a crash before the first complete checkpoint removes the directory it created', async () => {
  const dir = path.join(root, 'crash');
  await assert.rejects(train({ ...cfg(dir), checkpointFault: () => { throw new Error('killed'); } }), /killed/);
  assert.equal(await exists(dir), false);
});

test('only checkpoint.tmp/ (killed during the first checkpoint): --out and --resume both call it an unfinished start; overwrite replaces it', async () => {
  const dir = path.join(root, 'unfinished');
  await fs.mkdir(path.join(dir, 'checkpoint.tmp'), { recursive: true });
  await fs.writeFile(path.join(dir, 'checkpoint.tmp', 'weights.bin'), Buffer.alloc(64));
  const unfinished = /unfinished holds an unfinished start \(only checkpoint\.tmp\/: no checkpoint was completed, nothing to resume\); start again with/;
  await assert.rejects(train(cfg(dir)), (e: unknown) => e instanceof OptionError && unfinished.test(e.message) && /with --overwrite$/.test(e.message));
  await assert.rejects(resumeTraining(dir, { dataset: data }), (e: unknown) => e instanceof DataError && unfinished.test(e.message)
    && e.message.endsWith(`train --out ${dir} --overwrite`));
  assert.equal((await train({ ...cfg(dir), overwrite: true })).status, 'done');
  assert.equal(await exists(path.join(dir, 'checkpoint.tmp')), false);
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
