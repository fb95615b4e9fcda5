/**
 * The peers a benchmark row is compared with: PyTorch in channels_last (its recommended CNN layout
 * on CPU), PyTorch in NCHW, and onnxruntime-node on the PyTorch network exported to ONNX
 * (inference only). Each is optional: a missing one is reported, not fatal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { presetShape } from './cases.js';
import { convertToOnnx } from '../export/onnx/index.js';
import { buildModel } from '../models/presets.js';
import { Ort, loadOrt, timeOnnx } from './ort.js';
import { exportOnnx, findPeer, MemoryFormat, Peer, PeerRequest, PeerTiming, runPeer } from './peer.js';

export const PEER_NAMES = ['pytorch-cl', 'pytorch-nchw', 'onnxruntime', 'onnxruntime-ours'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** Column headings. */
export const PEER_LABELS: Readonly<Record<PeerName, string>> = {
  'pytorch-cl': 'PyTorch CL', 'pytorch-nchw': 'PyTorch NCHW', onnxruntime: 'onnxruntime',
  'onnxruntime-ours': 'onnxruntime (our ONNX)',
};

/** One peer that can time a case. */
export interface PeerRunner {
  name: PeerName;
  /** What it measures: onnxruntime infers only. */
  modes: ReadonlyArray<'train' | 'infer'>;
  measure(q: PeerRequest): Promise<PeerTiming>;
}

export interface PeerStatus {
  name: PeerName;
  label: string;
  available: boolean;
  /** e.g. "torch 1.13.0a0, channels_last" or "onnxruntime-node 1.30.0 (ONNX from torch 1.13.0a0)". */
  version?: string;
  /** Why it is unavailable. */
  reason?: string;
}

export interface PeerSetup {
  runners: PeerRunner[];
  status: PeerStatus[];
  /** Removes the temporary ONNX folder (not a folder the caller named). */
  dispose(): void;
}

export interface PeerSetupOptions {
  /** Repository root, for the peer script's default location. */
  root: string;
  env?: NodeJS.ProcessEnv;
  /** Where ONNX exports are written and reused; default a temporary folder removed by dispose(). */
  onnxDir?: string;
}

function pytorchRunner(peer: Peer, name: PeerName, format: MemoryFormat): PeerRunner {
  return { name, modes: ['train', 'infer'], measure: async (q) => runPeer(peer, q, format) };
}

/** Prepares the peers in `names` that can run here; the others get a status with the reason. */
export async function setUpPeers(names: readonly PeerName[], o: PeerSetupOptions): Promise<PeerSetup> {
  const runners: PeerRunner[] = [];
  const status: PeerStatus[] = [];
  let tmpDir: string | undefined;
  const found = names.some((n) => n !== 'onnxruntime-ours') ? findPeer(o.root, o.env ?? process.env) : { missing: 'not asked for' };
  const torch = 'missing' in found ? undefined : found;
  for (const name of names) {
    const st: PeerStatus = { name, label: PEER_LABELS[name], available: false };
    status.push(st);
    if (name === 'onnxruntime-ours') { // our own export (mobilenet export --format onnx) of the same network
      const ort = await loadOrt();
      if ('missing' in ort) st.reason = ort.missing;
      else {
        runners.push({ name, modes: ['infer'], measure: (q) => ourOnnx(ort.ort, q) });
        Object.assign(st, { available: true, version: `onnxruntime-node ${ort.version} (ONNX from mobilenet export)` });
      }
      continue;
    }
    if (!torch) {
      st.reason = (found as { missing: string }).missing; // onnxruntime too: its ONNX comes from the PyTorch peer
      continue;
    }
    if (name !== 'onnxruntime') {
      const format: MemoryFormat = name === 'pytorch-cl' ? 'channels_last' : 'contiguous';
      runners.push(pytorchRunner(torch, name, format));
      Object.assign(st, { available: true, version: `torch ${torch.torch}, ${format}` });
      continue;
    }
    const ort = await loadOrt();
    if ('missing' in ort) {
      st.reason = ort.missing;
      continue;
    }
    const dir = o.onnxDir ?? (tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobilenet-bench-onnx-')));
    runners.push({
      name, modes: ['infer'],
      measure: async (q) => {
        const file = exportOnnx(torch, q.arch, q.preset, dir);
        const { size, channels, classes } = presetShape(q.preset);
        return timeOnnx(ort.ort, { file, dims: [channels, size, size], classes, batch: q.batch, threads: q.threads, steps: q.steps, warmup: q.warmup });
      },
    });
    Object.assign(st, { available: true, version: `onnxruntime-node ${ort.version} (ONNX from torch ${torch.torch})` });
  }
  return { runners, status, dispose: () => { if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true }); } };
}

/** onnxruntime on our ONNX export of the case's network (random weights, logits; NHWC input as the model's). */
async function ourOnnx(ort: Ort, q: PeerRequest): Promise<PeerTiming> {
  const model = buildModel(q.arch, { alpha: 1, seed: 1, classifierActivation: null }, q.preset);
  try {
    const c = convertToOnnx(model, {});
    const { classes } = presetShape(q.preset);
    return await timeOnnx(ort, { file: c.bytes, dims: c.inputDims.slice(1) as number[], classes, batch: q.batch, threads: q.threads, steps: q.steps, warmup: q.warmup });
  } finally {
    model.dispose();
  }
}

/** Checks `--peers`: a comma list of PEER_NAMES, or `none`; undefined means every peer. */
export function parsePeerNames(list: string[] | undefined): PeerName[] {
  if (list === undefined) return [...PEER_NAMES];
  if (list.length === 1 && list[0] === 'none') return [];
  for (const n of list) {
    if (!(PEER_NAMES as readonly string[]).includes(n)) {
      throw new OptionError(`--peers must list peers from ${PEER_NAMES.join(', ')} (or be none), got ${JSON.stringify(n)}`);
    }
  }
  return PEER_NAMES.filter((n) => list.includes(n)); // table order, duplicates dropped
}
