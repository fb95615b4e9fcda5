/**
 * Issue 19, items 2, 3, 4 and 13: a resume never trains from a broken checkpoint and never publishes a worse
 * model. NaN weights, NaN optimizer slots or EMA values, counters that are not integers or do not fit, a short
 * RNG state: one DataError naming the file, before any data is read, every published byte kept. A run that
 * diverges to NaN saves nothing of that epoch; a finished run resumed with nothing to do changes nothing; a
 * full disk during the checkpoint leaves no checkpoint.tmp/ and names the path.
 */
import { mock, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/errors.js';
import { loadRun } from '../../src/run/run-dir.js';
import { TrainConfig, resumeTraining, train } from '../../src/train/train.js';
import { runCli } from '../helpers.js';
import { TINY, bandDataset } from './fixture.js';

const data = bandDataset(12, 6);
const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-resume-checks-'));
const base = path.join(root, 'base'); // interrupted in epoch 2 of 2: epoch 1, step 1, global step 3 (2 steps an epoch)
const cfg = (out: string): TrainConfig => ({ ...TINY, dataset: data, out, epochs: 2, batchSize: 6, lr: 3e-3, seed: 3, warmupSteps: 1 });
const ac = new AbortController();
await train({ ...cfg(base), signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.epoch === 2 && e.step === 1) ac.abort(); } });

type Json = Record<string, any>;
let n = 0;

/** A copy of the base run with `edit` applied; returns its directory. */
async function variant(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(root, `v${++n}`);
  await fs.cp(base, dir, { recursive: true });
  await edit(dir);
  return dir;
}

const editState = (edit: (s: Json) => void) => async (dir: string) => {
  const file = path.join(dir, 'checkpoint', 'state.json');
  const s = JSON.parse(await fs.readFile(file, 'utf8')) as Json;
  edit(s);
  await fs.writeFile(file, JSON.stringify(s));
};

const nanAt = (file: string, offset = 0) => async (dir: string) => {
  const p = path.join(dir, file);
  const b = await fs.readFile(p);
  b.writeFloatLE(Number.NaN, offset);
  await fs.writeFile(p, b);
};

/** Every file under `dir` (relative path → bytes). */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out.set(path.relative(dir, p), await fs.readFile(p));
  }
  return out;
}

async function assertUnchanged(dir: string, before: Map<string, Buffer>): Promise<void> {
  const after = await snapshot(dir);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same files');
  for (const [k, v] of before) assert.ok(v.equals(after.get(k)!), `${k} changed`);
}

/** Resuming `dir` fails with a DataError matching `re` and leaves every file as it was. */
async function refused(dir: string, re: RegExp): Promise<void> {
  const before = await snapshot(dir);
  await assert.rejects(resumeTraining(dir, { dataset: data }), (e: unknown) => {
    assert.ok(e instanceof DataError, `a DataError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
  await assertUnchanged(dir, before);
}

test('NaN in the checkpoint\'s weights, optimizer slots or EMA, a non-integer step: refused, the published model kept', async () => {
  await refused(await variant(nanAt('checkpoint/weights.bin')), /checkpoint\/weights\.bin: weight Conv1\/kernel holds NaN \(at index 0\)/);
  await refused(await variant(nanAt('checkpoint/optimizer.bin', 8)), /checkpoint\/optimizer\.bin: optimizer slot \S+ holds NaN/);
  await refused(await variant(editState((s) => { s.globalStep = 'abc'; })), /state\.json: "globalStep" must be an integer ≥ 0, got "abc"/);
  const ema = await variant(async (dir) => {
    await fs.writeFile(path.join(dir, 'checkpoint', 'ema.bin'), Buffer.from(new Float32Array([1, Number.NaN]).buffer));
  });
  await refused(ema, /checkpoint\/ema\.bin: the weights' moving average holds NaN \(at index 1\)/);
});

test('state.json is checked whole before the data is read: epoch, step, RNG state, history, options', async () => {
  // the dataset a state names is only read after the checks: a missing folder would be the error otherwise
  const elsewhere = (edit: (s: Json) => void) => editState((s) => { s.meta.dataset = 'folder:/nonexistent'; edit(s); });
  await refused(await variant(elsewhere((s) => { s.epoch = -3; })), /"epoch" must be an integer in 0\.\.2 \(epochs done\), got -3/);
  await refused(await variant(elsewhere((s) => { s.stepInEpoch = 99; })), /"globalStep" 3 does not fit 1 epochs done and step 99 of the next/);
  await refused(await variant(elsewhere((s) => { s.epochRng = [1, 2]; })), /"epochRng" must be four 32-bit integers/);
  await refused(await variant(elsewhere((s) => { s.history = []; })), /"history" must list the 1 epochs done, got 0 rows/);
  await refused(await variant(elsewhere((s) => { s.options.batchSize = 0; })), /"options" are not valid: batchSize must be/);
  // consistent counters but a step beyond this dataset's epoch: caught once the data is known, before any step
  await refused(await variant(editState((s) => { s.epoch = 0; s.history = []; s.stepInEpoch = 7; s.globalStep = 7; })),
    /state\.json: the checkpoint is at step 7 of an epoch, but the dataset gives 2 steps an epoch/);
});

test('a run that diverges to NaN saves nothing of that epoch: checkpoint and published model stay the last good ones', async () => {
  const dir = await variant(editState((s) => { s.options.optimizer = 'sgd'; s.options.lr = 1e30; }));
  await fs.rm(path.join(dir, 'checkpoint', 'optimizer.bin'));
  await fs.writeFile(path.join(dir, 'checkpoint', 'optimizer.bin'), '');
  await fs.writeFile(path.join(dir, 'checkpoint', 'optimizer.json'), JSON.stringify({ optimizer: 'sgd', specs: [], scalars: {} }));
  await refused(dir, /training diverged in epoch 2: weight \S+ holds (NaN|Infinity|-Infinity) .*; nothing of this epoch was saved \(.* keeps the checkpoint and model of epoch 1\)/);
  (await loadRun(dir)).model.dispose(); // the published model still loads (finite)
});

test('a finished run resumed with nothing to do: status unchanged, every file byte-identical', async () => {
  const dir = await variant(async () => undefined);
  const r0 = await resumeTraining(dir, { dataset: data });
  assert.equal(r0.status, 'done');
  const before = await snapshot(dir);
  for (const epochs of [undefined, 2]) {
    const r = await resumeTraining(dir, { dataset: data, epochs });
    assert.equal(r.status, 'unchanged');
    assert.equal(r.finished, 'done');
    assert.equal(r.test, null);
    assert.equal(r.history.length, 2);
    await assertUnchanged(dir, before);
  }
  const cli = runCli(['train', '--resume', dir]); // used to print a wrong test accuracy and rewrite report.html
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(cli.stdout.trim(), `nothing to do: ${dir} already finished its 2 epochs; nothing was changed; --epochs N (N > 2) trains it further`);
  await assertUnchanged(dir, before);
});

test('disk full while writing the checkpoint: one DataError naming the path, no checkpoint.tmp/ left, the old checkpoint kept', async () => {
  const dir = await variant(async () => undefined);
  const before = await snapshot(dir);
  const open = fs.open;
  const m = mock.method(fs, 'open', async (...args: Parameters<typeof fs.open>) => {
    if (String(args[0]).includes(`${path.sep}checkpoint.tmp${path.sep}weights.bin`)) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
    }
    return open(...args);
  });
  try {
    await assert.rejects(resumeTraining(dir, { dataset: data }), (e: unknown) => e instanceof DataError
      && /^cannot write .*checkpoint\.tmp\/weights\.bin: no space left on device$/.test(e.message));
  } finally {
    m.mock.restore();
  }
  await assert.rejects(fs.access(path.join(dir, 'checkpoint.tmp')), 'checkpoint.tmp/ removed');
  for (const f of ['checkpoint/state.json', 'checkpoint/weights.bin', 'checkpoint/optimizer.bin', 'weights.bin', 'model.json']) {
    assert.ok(before.get(f)!.equals(await fs.readFile(path.join(dir, f))), `${f} kept`);
  }
  const r = await resumeTraining(dir, { dataset: data }); // and the run resumes once there is space
  assert.equal(r.status, 'done');
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
