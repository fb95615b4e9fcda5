/**
 * The throughput suite behind `npm run bench`: V1 and V2, mnist training (batch 128) and
 * inference (batch 256), imagenet inference (batch 32), per available backend, each beside the
 * PyTorch peer at the same thread count when it is present.
 */
import * as os from 'node:os';
import { BackendName } from '../backend/index.js';
import { Arch, PresetName } from '../models/presets.js';
import { Measurement, measureInference, measureTraining } from './measure.js';
import { Peer, PeerResult, runPeer } from './peer.js';

export interface SuiteCase { arch: Arch; mode: 'train' | 'infer'; preset: PresetName; batch: number }

/** The measurements, in table order. */
export const SUITE: readonly SuiteCase[] = (['v1', 'v2'] as const).flatMap((arch) => [
  { arch, mode: 'train', preset: 'mnist', batch: 128 },
  { arch, mode: 'infer', preset: 'mnist', batch: 256 },
  { arch, mode: 'infer', preset: 'imagenet', batch: 32 },
] as SuiteCase[]);

export interface SuiteOptions {
  backends: BackendName[];
  /** Timed steps (warm-up steps: `warmup`) on fast backends and in PyTorch. */
  steps: number;
  warmup: number;
  /** Measure training on the pure-JS cpu backend too (1 step: minutes each). */
  cpuTrain: boolean;
  peer?: Peer;
  /** Called before each measurement, for progress lines. */
  progress?: (line: string) => void;
}

export interface SuiteRow extends SuiteCase {
  backend: BackendName;
  threads: number;
  steps: number;
  /** null when skipped or failed; `note` says why. */
  imagesPerSecond: number | null;
  msPerStep: number | null;
  pytorchImagesPerSecond: number | null;
  /** ours / PyTorch, same model, batch and thread count. */
  ratio: number | null;
  note?: string;
}

/** The pure-JS cpu backend is far too slow for several steps: one step, no warm-up. */
function stepsFor(backend: BackendName, o: SuiteOptions): { steps: number; warmup: number } {
  return backend === 'cpu' ? { steps: 1, warmup: 0 } : { steps: o.steps, warmup: o.warmup };
}

async function measureCase(c: SuiteCase, backend: BackendName, o: SuiteOptions): Promise<Measurement> {
  const opts = { arch: c.arch, preset: c.preset, batch: c.batch, backend, ...stepsFor(backend, o) };
  return c.mode === 'train' ? measureTraining(opts) : measureInference(opts);
}

/** Runs the peer once per (case, thread count); failures become notes, not aborts. */
function peerCache(o: SuiteOptions): (c: SuiteCase, threads: number) => PeerResult | string {
  const done = new Map<string, PeerResult | string>();
  return (c, threads) => {
    const key = `${c.arch}/${c.mode}/${c.preset}/${c.batch}/${threads}`;
    if (!done.has(key)) {
      o.progress?.(`PyTorch ${c.arch} ${c.mode} ${c.preset} batch ${c.batch}, ${threads} thread(s)`);
      try {
        done.set(key, runPeer(o.peer!, { ...c, threads, steps: o.steps, warmup: o.warmup }));
      } catch (e) {
        done.set(key, (e as Error).message);
      }
    }
    return done.get(key)!;
  };
}

/** Runs every case on every backend (and the peer), never throwing for one failed measurement. */
export async function runSuite(o: SuiteOptions): Promise<SuiteRow[]> {
  const peer = o.peer ? peerCache(o) : undefined;
  const rows: SuiteRow[] = [];
  for (const c of SUITE) {
    for (const backend of o.backends) {
      const row: SuiteRow = {
        ...c, backend, threads: 1, steps: stepsFor(backend, o).steps,
        imagesPerSecond: null, msPerStep: null, pytorchImagesPerSecond: null, ratio: null,
      };
      if (backend === 'cpu' && c.mode === 'train' && !o.cpuTrain) {
        row.note = 'skipped: the pure-JS cpu backend trains at ~0.2–0.3 img/s (--cpu-train to measure one step)';
      } else {
        o.progress?.(`${c.arch} ${c.mode} ${c.preset} batch ${c.batch} on ${backend}`);
        try {
          const m = await measureCase(c, backend, o);
          Object.assign(row, { threads: m.threads, imagesPerSecond: m.imagesPerSecond, msPerStep: m.msPerStep });
        } catch (e) {
          row.note = `failed: ${(e as Error).message.split('\n')[0]}`;
        }
      }
      if (peer && row.imagesPerSecond !== null) {
        const p = peer(c, row.threads);
        if (typeof p === 'string') row.note = p;
        else {
          row.pytorchImagesPerSecond = p.imagesPerSecond;
          row.ratio = row.imagesPerSecond / p.imagesPerSecond;
        }
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Machine and software facts printed above the table. */
export function machineLine(peer?: Peer): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, Node ${process.versions.node}` +
    (peer ? `, PyTorch ${peer.torch}` : ', no PyTorch peer') + `; ${new Date().toISOString().slice(0, 16)}Z`;
}

const fmt = (v: number | null, digits = 1) => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The markdown table: one line per case and backend, notes under it. */
export function renderSuite(rows: SuiteRow[]): string {
  const lines = [
    '| model | mode | input | batch | backend | threads | steps | ours img/s | PyTorch img/s | ours/PyTorch |',
    '|---|---|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  const notes: string[] = [];
  for (const r of rows) {
    let mark = '';
    if (r.note) {
      if (!notes.includes(r.note)) notes.push(r.note);
      mark = ` [${notes.indexOf(r.note) + 1}]`;
    }
    const input = r.preset === 'mnist' ? '28×28×1' : '224×224×3';
    lines.push(`| ${r.arch.toUpperCase()} | ${r.mode} | ${input} | ${r.batch} | ${r.backend}${mark} | ${r.threads} | ${r.steps} | ` +
      `${fmt(r.imagesPerSecond, r.imagesPerSecond !== null && r.imagesPerSecond < 10 ? 2 : 1)} | ${fmt(r.pytorchImagesPerSecond)} | ` +
      `${r.ratio === null ? '—' : r.ratio.toFixed(2) + '×'} |`);
  }
  notes.forEach((n, i) => lines.push(`${i === 0 ? '\n' : ''}[${i + 1}] ${n}`));
  return lines.join('\n');
}
