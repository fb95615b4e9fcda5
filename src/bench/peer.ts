/**
 * The PyTorch peer (../shared/peers/pytorch_mobilenet.py, run with /usr/bin/python3): the same
 * MobileNet, batch and thread count measured in PyTorch, for our/PyTorch ratios.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors.js';
import { Arch, PresetName } from '../models/presets.js';

export const PYTHON = '/usr/bin/python3';

export interface Peer {
  python: string;
  script: string;
  /** e.g. "1.13.0a0"; the peer's own report. */
  torch: string;
}

/** Where the peer script lives: `../shared/peers` next to the repository root. */
export function peerScriptPath(repoRoot: string): string {
  return path.resolve(repoRoot, '..', 'shared', 'peers', 'pytorch_mobilenet.py');
}

/** The peer when python3 can import torch and torchvision and the script exists; else a reason. */
export function findPeer(repoRoot: string, python = PYTHON): Peer | { missing: string } {
  const script = peerScriptPath(repoRoot);
  if (!fs.existsSync(script)) return { missing: `${script} not found` };
  if (!fs.existsSync(python)) return { missing: `${python} not found` };
  const r = spawnSync(python, ['-c', 'import torch, torchvision; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) return { missing: `${python} cannot import torch and torchvision (bash scripts/setup.sh --bench installs them)` };
  return { python, script, torch: r.stdout.trim() };
}

export interface PeerRequest {
  arch: Arch;
  mode: 'train' | 'infer';
  preset: PresetName;
  batch: number;
  threads: number;
  steps: number;
  warmup: number;
}

export interface PeerResult {
  imagesPerSecond: number;
  msPerStep: number;
  threads: number;
}

/** The peer's command line for one measurement. */
export function peerArgs(p: Peer, q: PeerRequest): string[] {
  const shape = q.preset === 'imagenet'
    ? ['--input', '224', '--channels', '3', '--classes', '1000']
    : ['--input', '28', '--channels', '1', '--classes', '10'];
  return [
    p.script, '--mode', q.mode === 'train' ? 'train-bench' : 'infer-bench', '--arch', q.arch,
    '--batch', String(q.batch), '--threads', String(q.threads), '--steps', String(q.steps),
    '--warmup', String(q.warmup), ...shape, '--json',
  ];
}

/** Runs one peer measurement; throws DataError when it fails or prints no JSON. */
export function runPeer(p: Peer, q: PeerRequest, timeoutMs = 600_000): PeerResult {
  const r = spawnSync(p.python, peerArgs(p, q), { encoding: 'utf8', timeout: timeoutMs });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    const why = (r.stderr ?? '').trim().split('\n').pop() || (r.error?.message ?? `exit ${r.status}`);
    throw new DataError(`PyTorch peer failed (${q.arch} ${q.mode} batch ${q.batch}): ${why}`);
  }
  const j = JSON.parse(line) as { images_per_s: number; ms_per_step: number; threads: number };
  return { imagesPerSecond: j.images_per_s, msPerStep: j.ms_per_step, threads: j.threads };
}
