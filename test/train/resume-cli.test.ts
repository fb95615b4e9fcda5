/**
 * Issue 12, defect 3: Ctrl-C (a real SIGINT) in the middle of epoch 2, then `train --resume`, reaches
 * byte-for-byte the weights of an uninterrupted run — the case on a smaller model (V2 alpha 0.35,
 * 1,024 MNIST images in 16 steps of 64). Issue 19, item 4: a real SIGTERM (kill, docker stop) mid-epoch saves
 * a checkpoint as SIGINT does (exit 143), and the run resumes from it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers.js';

const ARGS = ['--arch', 'v2', '--alpha', '0.35', '--dataset', 'mnist', '--limit-train', '1024', '--limit-test', '64',
  '--batch-size', '64', '--epochs', '2'];

/** Starts `train`, sends `signal` once stderr shows `at` (default epoch 2 step 6), resolves with the exit code and stderr. */
function trainUntilSigint(out: string, signal: NodeJS.Signals = 'SIGINT', at = /epoch 2\/2 step 6\//, args = ARGS): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'train', ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    if (!sent && at.test(stderr)) {
      sent = true;
      child.kill(signal);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('SIGINT mid-epoch 2 + --resume = the uninterrupted run, byte for byte', { timeout: 300_000 }, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-resume-cli-'));
  const a = runCli(['train', ...ARGS, '--out', path.join(root, 'a')], { timeout: 240_000 });
  assert.equal(a.status, 0, a.stderr);

  const dirB = path.join(root, 'b');
  const b1 = await trainUntilSigint(dirB);
  assert.equal(b1.code, 130, b1.stderr);
  const state = JSON.parse(await fs.readFile(path.join(dirB, 'checkpoint', 'state.json'), 'utf8'));
  assert.equal(state.epoch, 1, 'interrupted in epoch 2');
  assert.ok(state.stepInEpoch >= 6 && state.stepInEpoch < 16, `mid-epoch: step ${state.stepInEpoch}`);

  const b2 = runCli(['train', '--resume', dirB], { timeout: 240_000 });
  assert.equal(b2.status, 0, b2.stderr);
  for (const f of ['weights.bin', 'checkpoint/weights.bin', 'checkpoint/optimizer.bin']) {
    const [wa, wb] = await Promise.all([fs.readFile(path.join(root, 'a', f)), fs.readFile(path.join(dirB, f))]);
    assert.ok(wa.equals(wb), `${f} differs from the uninterrupted run's`);
  }
  const [ha, hb] = await Promise.all(['a', 'b'].map(async (d) => JSON.parse(await fs.readFile(path.join(root, d, 'history.json'), 'utf8'))));
  assert.deepEqual(hb.map((r: { trainLoss: number }) => r.trainLoss), ha.map((r: { trainLoss: number }) => r.trainLoss));
  await fs.rm(root, { recursive: true, force: true });
});

test('SIGTERM mid-epoch saves a checkpoint as SIGINT does (exit 143); --resume finishes the run', { timeout: 300_000 }, async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-sigterm-'));
  const dir = path.join(root, 'run');
  const args = [...ARGS.slice(0, -1), '1'];
  const r1 = await trainUntilSigint(dir, 'SIGTERM', /epoch 1\/1 step 6\//, args);
  assert.equal(r1.code, 143, r1.stderr);
  assert.match(r1.stderr, /interrupted \(SIGTERM\): finishing this step and saving a checkpoint/);
  const state = JSON.parse(await fs.readFile(path.join(dir, 'checkpoint', 'state.json'), 'utf8'));
  assert.equal(state.epoch, 0);
  assert.ok(state.stepInEpoch >= 6 && state.stepInEpoch < 16, `mid-epoch: step ${state.stepInEpoch}`);
  const r2 = runCli(['train', '--resume', dir], { timeout: 240_000 });
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, new RegExp(`resuming at epoch 1, step ${state.stepInEpoch}`));
  assert.match(r2.stdout, /^done: test accuracy/m);
  await fs.rm(root, { recursive: true, force: true });
});
