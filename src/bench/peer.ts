/**
 * The PyTorch peer (`../shared/peers/pytorch_mobilenet.py`): the same MobileNet, batch and thread
 * count measured in PyTorch, in channels_last or NCHW memory format; and its ONNX export of the same
 * network for the onnxruntime peer.
 *
 * Which python: `MOBILENET_PEER_PYTHON` when set, else the first of /usr/bin/python3 and `python3`
 * (PATH) that imports torch and torchvision. Which script: `MOBILENET_PEER_SCRIPT` when set, else
 * `shared/peers/pytorch_mobilenet.py` beside the repository or above it (peerScriptCandidates).
 */
import { spawnSync } from 'node:child_process';
import { childEnv } from '../backend/native.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../errors.js';
import { Arch, PresetName } from '../models/presets.js';
import { presetShape } from './cases.js';

/** Pythons tried in order when MOBILENET_PEER_PYTHON is not set. */
export const DEFAULT_PYTHONS: readonly string[] = ['/usr/bin/python3', 'python3'];

export type MemoryFormat = 'channels_last' | 'contiguous';

export interface Peer {
  python: string;
  script: string;
  /** e.g. "1.13.0a0"; the peer's own report. */
  torch: string;
}

/** The repository root (this file is dist/src/bench/peer.js). */
export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/**
 * Where the peer script may live, in the order tried: `MOBILENET_PEER_SCRIPT` alone when set; else
 * `shared/peers/` beside the repository, inside it, then beside each folder above it (a git worktree
 * under /work/wt/NAME finds /work/shared).
 */
export function peerScriptCandidates(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.MOBILENET_PEER_SCRIPT) return [path.resolve(env.MOBILENET_PEER_SCRIPT)];
  const at = (dir: string) => path.join(dir, 'shared', 'peers', 'pytorch_mobilenet.py');
  const out = [at(path.dirname(path.resolve(root))), at(path.resolve(root))];
  for (let d = path.dirname(path.dirname(path.resolve(root))); ; d = path.dirname(d)) {
    out.push(at(d));
    if (path.dirname(d) === d) break;
  }
  return out;
}

/** The peer when a python imports torch and torchvision and the script exists; else a reason. */
export function findPeer(root: string, env: NodeJS.ProcessEnv = process.env): Peer | { missing: string } {
  const scripts = peerScriptCandidates(root, env);
  const script = scripts.find((s) => fs.existsSync(s));
  if (!script) return { missing: `peer script not found (${scripts[0]} and the shared/peers/ of the folders above; MOBILENET_PEER_SCRIPT names it)` };
  const pythons = env.MOBILENET_PEER_PYTHON ? [env.MOBILENET_PEER_PYTHON] : DEFAULT_PYTHONS;
  for (const python of pythons) {
    const r = spawnSync(python, ['-c', 'import torch, torchvision; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000, env });
    if (r.status === 0) return { python, script, torch: r.stdout.trim().split('\n').pop() ?? '?' };
  }
  return {
    missing: `no python that imports torch and torchvision among ${pythons.join(', ')} ` +
      '(MOBILENET_PEER_PYTHON names one; bash scripts/setup.sh --bench installs them)',
  };
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

export interface PeerTiming {
  imagesPerSecond: number;
  msPerStep: number;
}

function shapeArgs(preset: PresetName): string[] {
  const s = presetShape(preset);
  return ['--input', String(s.size), '--channels', String(s.channels), '--classes', String(s.classes)];
}

/** The peer's command line for one measurement. */
export function peerArgs(p: Peer, q: PeerRequest, format: MemoryFormat = 'channels_last'): string[] {
  return [
    p.script, '--mode', q.mode === 'train' ? 'train-bench' : 'infer-bench', '--arch', q.arch,
    '--batch', String(q.batch), '--threads', String(q.threads), '--steps', String(q.steps),
    '--warmup', String(q.warmup), ...shapeArgs(q.preset), '--memory-format', format, '--json',
  ];
}

/** Runs the peer script; returns its last stdout line as JSON or throws a one-line DataError. */
function runJson(p: Peer, args: string[], what: string, timeoutMs: number): Record<string, unknown> {
  const r = spawnSync(p.python, args, { encoding: 'utf8', timeout: timeoutMs, env: childEnv() }); // not our OMP_WAIT_POLICY
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    const why = (r.stderr ?? '').trim().split('\n').pop() || (r.error?.message ?? `exit ${r.status ?? r.signal}`);
    throw new DataError(`PyTorch peer failed (${what}): ${why}`);
  }
  return JSON.parse(line) as Record<string, unknown>;
}

/** Runs one PyTorch measurement; throws DataError when it fails or prints no JSON. */
export function runPeer(p: Peer, q: PeerRequest, format: MemoryFormat = 'channels_last', timeoutMs = 600_000): PeerTiming {
  const j = runJson(p, peerArgs(p, q, format), `${q.arch} ${q.mode} batch ${q.batch}, ${format}`, timeoutMs);
  if (typeof j.images_per_s !== 'number' || typeof j.ms_per_step !== 'number') {
    throw new DataError(`PyTorch peer printed no images_per_s / ms_per_step (${q.arch} ${q.mode} batch ${q.batch})`);
  }
  return { imagesPerSecond: j.images_per_s, msPerStep: j.ms_per_step };
}

/** The file name an export of `arch` on `preset` gets inside an ONNX folder. */
export function onnxFileName(arch: Arch, preset: PresetName): string {
  const s = presetShape(preset);
  return `${arch}-${s.size}x${s.size}x${s.channels}-${s.classes}.onnx`;
}

/**
 * The peer's network of `arch` on `preset` as ONNX (eval mode, random weights, dynamic batch, input
 * NCHW), in `dir`: exported once (through a temporary name, so a killed export leaves no half file),
 * reused when already there. Returns the file's path.
 */
export function exportOnnx(p: Peer, arch: Arch, preset: PresetName, dir: string, timeoutMs = 300_000): string {
  const file = path.join(dir, onnxFileName(arch, preset));
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    runJson(p, [p.script, '--mode', 'onnx-export', '--arch', arch, ...shapeArgs(preset), '--out', tmp, '--json'], `${arch} ONNX export`, timeoutMs);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return file;
}
