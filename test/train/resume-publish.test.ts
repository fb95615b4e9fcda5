/**
 * A run killed (SIGKILL) after its final checkpoint was written but before its model was published: endEpoch writes
 * checkpoint/ first, then the published model.json/weights.bin/meta/history, and the run writes report.html last.
 * The on-disk state of such a kill is rebuilt exactly here: the published files and report of epoch 1 beside the
 * final checkpoint of epoch 2 (or the checkpoint alone, for a kill during the first publish). `train --resume` used
 * to say "nothing to do" and keep the epoch-1 model; it now publishes the final checkpoint (and the report),
 * the same bytes an unbroken run publishes, and only then says "nothing to do".
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resumeTraining, train } from '../../src/train/train.js';
import { reportEpochs } from '../../src/train/report.js';
import { writeBandFolder } from '../cli-train/folder.js';
import { runCli } from '../helpers.js';
import { TINY } from './fixture.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-resume-publish-'));
const data = `folder:${await writeBandFolder(path.join(root, 'bands'))}`; // a folder: the CLI can resume it too
const whole = path.join(root, 'whole'); // epoch 1, then resumed to epoch 2: published and reported without a break
await train({ ...TINY, dataset: data, out: whole, epochs: 1, batchSize: 6, lr: 3e-3, seed: 3, warmupSteps: 1 });
const epoch1 = path.join(root, 'epoch1');
await fs.cp(whole, epoch1, { recursive: true }); // what was published after epoch 1
const done = await resumeTraining(whole, { epochs: 2 });
assert.equal(done.status, 'done');

const read = (dir: string, f: string) => fs.readFile(path.join(dir, f));
const PUBLISHED = ['model.json', 'weights.bin', 'meta.json', 'history.json', 'history.csv', 'curve.json'];

/** epoch 1's published files and report with the final (epoch 2) checkpoint: killed right after writing it. */
async function killedAfterFinalCheckpoint(name: string, o: { published: boolean }): Promise<string> {
  const dir = path.join(root, name);
  if (o.published) await fs.cp(epoch1, dir, { recursive: true });
  else await fs.mkdir(dir);
  await fs.rm(path.join(dir, 'checkpoint'), { recursive: true, force: true });
  await fs.cp(path.join(whole, 'checkpoint'), path.join(dir, 'checkpoint'), { recursive: true });
  return dir;
}

test('killed after the final checkpoint, before publishing: resume publishes the final checkpoint and its report', async () => {
  const dir = await killedAfterFinalCheckpoint('killed', { published: true });
  assert.ok(!(await read(dir, 'weights.bin')).equals(await read(whole, 'weights.bin')), 'the published weights are epoch 1\'s');
  assert.equal(await reportEpochs(dir), 1);
  const logs: string[] = [];
  const r = await resumeTraining(dir, { onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
  assert.equal(r.status, 'done', 'not "unchanged": the published model was not the final checkpoint\'s');
  assert.ok(logs.some((l) => /final checkpoint \(epoch 2\) was saved but never published .*; publishing them now/.test(l)), logs.join('\n'));
  for (const f of PUBLISHED) assert.ok((await read(dir, f)).equals(await read(whole, f)), `${f} is what the unbroken run published`);
  assert.equal(await reportEpochs(dir), 2);
  assert.deepEqual(r.test, done.test, 'the same final test result');
  const again = await resumeTraining(dir); // now there is nothing to do
  assert.equal(again.status, 'unchanged');
});

test('killed during the first publish (checkpoint only, no model yet): train --resume publishes it, then has nothing to do', async () => {
  const dir = await killedAfterFinalCheckpoint('no-model', { published: false });
  const cli = runCli(['train', '--resume', dir]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /final checkpoint \(epoch 2\) was saved but never published/);
  assert.match(cli.stdout, /^done: test accuracy /m);
  for (const f of PUBLISHED) assert.ok((await read(dir, f)).equals(await read(whole, f)), `${f} published`);
  assert.equal(await reportEpochs(dir), 2);
  const again = runCli(['train', '--resume', dir]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^nothing to do: /);
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
