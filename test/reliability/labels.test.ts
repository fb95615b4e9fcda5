/**
 * Issue 19, item 10: eval compares the dataset's labels with the run's. Other names (Fashion-MNIST for an MNIST
 * run, a folder of a..c for top/middle/bottom) or the same names in another order are refused in one line naming
 * both lists, unless --ignore-labels; a resume refuses a dataset whose classes are no longer the run's.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/errors.js';
import { evaluate } from '../../src/evaluate/evaluate.js';
import { labelMismatch } from '../../src/run/run-check.js';
import { loadRun } from '../../src/run/run-dir.js';
import { resumeTraining, train } from '../../src/train/train.js';
import { writeBandFolder } from '../cli-train/folder.js';
import { runCli } from '../helpers.js';
import { TINY, bandDataset } from '../train/fixture.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-labels-'));
const data = bandDataset(12, 6); // labels top, middle, bottom
const dir = path.join(root, 'run');
await train({ ...TINY, dataset: data, out: dir, epochs: 1, batchSize: 6, lr: 3e-3, seed: 3 });
const folder = await writeBandFolder(path.join(root, 'bands')); // the same images; a folder's classes sort: bottom, middle, top

const isData = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DataError, String(e));
  assert.match(e.message, re);
  return true;
};

test('labels of other names or another order are refused, naming both lists; --ignore-labels evaluates anyway', async () => {
  const run = await loadRun(dir);
  await assert.rejects(evaluate(run, { ...data, name: 'letters', labels: ['a', 'b', 'c'] }),
    isData(/^dataset letters has labels \["a", "b", "c"\], the run \["top", "middle", "bottom"\]: class ids would be scored against other classes; --ignore-labels evaluates anyway$/));
  await assert.rejects(evaluate(run, `folder:${folder}`),
    isData(/has the run's labels in another order \(class 0 is "bottom" there, "top" in the run\): dataset \["bottom", "middle", "top"\], run \["top", "middle", "bottom"\]/));
  const forced = await evaluate(run, { ...data, labels: ['a', 'b', 'c'] }, { ignoreLabels: true });
  assert.equal(forced.count, 6);
  assert.equal((await evaluate(run, data)).count, 6); // its own labels: evaluated
});

test('long label lists are shortened in the message', () => {
  const digits = Array.from({ length: 10 }, (_, i) => String(i));
  const fashion = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  assert.equal(labelMismatch('fashion-mnist', fashion, digits),
    'dataset fashion-mnist has labels ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", … 10 in all], the run ["0", "1", "2", "3", "4", … 10 in all]');
  assert.equal(labelMismatch('mnist', digits, digits), null);
});

test('eval CLI: one line, exit 1; with --ignore-labels exit 0', () => {
  const bad = runCli(['eval', dir, '--dataset', `folder:${folder}`, '--json']);
  assert.equal(bad.status, 1, bad.stderr);
  const lines = bad.stderr.trim().split('\n').filter((l) => l.startsWith('mobilenet:'));
  assert.equal(lines.length, 1, bad.stderr);
  assert.match(lines[0], /in another order .*--ignore-labels evaluates anyway$/);
  const ok = runCli(['eval', dir, '--dataset', `folder:${folder}`, '--json', '--ignore-labels']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).count, 6);
});

test('a resume on a dataset whose classes are not the run\'s is refused before any step, nothing changed', async () => {
  const before = await fs.readFile(path.join(dir, 'checkpoint', 'state.json'));
  await assert.rejects(resumeTraining(dir, { dataset: { ...data, labels: ['a', 'b', 'c'] }, epochs: 2 }),
    isData(/^dataset bands has labels \["a", "b", "c"\], the run \["top", "middle", "bottom"\]: .* cannot continue on other classes/));
  assert.ok(before.equals(await fs.readFile(path.join(dir, 'checkpoint', 'state.json'))));
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
