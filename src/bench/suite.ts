/**
 * The throughput suite behind `npm run bench`: for each selected case (V1/V2 × mnist training,
 * batch-256 and batch-32 inference, batch-1 latency) and each backend, our images/s beside every
 * peer at the same thread count, and the ratio against the strongest peer of the row.
 */
import { BackendName } from '../backend/index.js';
import { backendThreads } from './backends.js';
import { LATENCY_STEP_FACTOR, SuiteCase } from './cases.js';
import { Measurement, measureInference, measureTraining } from './measure.js';
import { PeerName, PeerRunner } from './peers.js';
import { PeerTiming } from './peer.js';

export interface StepCounts { steps: number; warmup: number }

export interface SuiteOptions {
  cases: readonly SuiteCase[];
  backends: readonly BackendName[];
  /** Timed steps (warm-up steps: `warmup`) on fast backends and in the peers; ×LATENCY_STEP_FACTOR for batch-1 rows. */
  steps: number;
  warmup: number;
  /** Measure training on the pure-JS cpu backend too (1 step: minutes each). */
  cpuTrain: boolean;
  peers?: readonly PeerRunner[];
  /** Called before each measurement, for progress lines. */
  progress?: (line: string) => void;
  /** Our measurement of one case; default measureTraining / measureInference (tests pass a fake). */
  measure?: (c: SuiteCase, backend: BackendName, n: StepCounts) => Promise<Measurement>;
}

/** A peer's figures in a row; null figures with a note when it failed. */
export interface PeerCell {
  imagesPerSecond: number | null;
  msPerStep: number | null;
  note?: string;
}

export interface SuiteRow extends SuiteCase {
  backend: BackendName;
  threads: number;
  steps: number;
  warmup: number;
  /** null when skipped or failed; `note` says why. */
  imagesPerSecond: number | null;
  msPerStep: number | null;
  /** Each available peer; null where it does not measure this mode (onnxruntime: inference only). */
  peers: Partial<Record<PeerName, PeerCell | null>>;
  /** The peer with the most images/s in this row, and that figure. */
  strongestPeer: PeerName | null;
  strongestImagesPerSecond: number | null;
  /** ours / strongest peer, same model, batch and thread count. */
  ratio: number | null;
  note?: string;
}

/** Steps for our side: the pure-JS cpu backend gets one step without warm-up; batch-1 rows get more. */
export function oursSteps(c: SuiteCase, backend: BackendName, o: StepCounts): StepCounts {
  if (backend === 'cpu') return { steps: 1, warmup: 0 };
  return peerSteps(c, o);
}

/** Steps for the peers: batch-1 rows run LATENCY_STEP_FACTOR times as many. */
export function peerSteps(c: SuiteCase, o: StepCounts): StepCounts {
  const f = c.latency ? LATENCY_STEP_FACTOR : 1;
  return { steps: o.steps * f, warmup: o.warmup * f };
}

function defaultMeasure(c: SuiteCase, backend: BackendName, n: StepCounts): Promise<Measurement> {
  const opts = { arch: c.arch, preset: c.preset, batch: c.batch, backend, ...n };
  return c.mode === 'train' ? measureTraining(opts) : measureInference(opts);
}

/** The strongest peer of a row (most images/s among those measured), or nulls. */
export function strongestPeer(peers: SuiteRow['peers']): { name: PeerName | null; imagesPerSecond: number | null } {
  let best: { name: PeerName | null; imagesPerSecond: number | null } = { name: null, imagesPerSecond: null };
  for (const [name, cell] of Object.entries(peers) as Array<[PeerName, PeerCell | null]>) {
    const v = cell?.imagesPerSecond ?? null;
    if (v !== null && (best.imagesPerSecond === null || v > best.imagesPerSecond)) best = { name, imagesPerSecond: v };
  }
  return best;
}

/** Measures each peer once per (case, thread count); a failure becomes the cell's note. */
function peerCache(o: SuiteOptions): (c: SuiteCase, threads: number, p: PeerRunner) => Promise<PeerCell | null> {
  const done = new Map<string, PeerCell | null>();
  return async (c, threads, p) => {
    const key = `${c.arch}/${c.name}/${threads}/${p.name}`;
    if (!done.has(key)) {
      let cell: PeerCell | null = null;
      if (p.modes.includes(c.mode)) {
        o.progress?.(`${p.name} ${c.arch} ${c.name} batch ${c.batch}, ${threads} thread(s)`);
        try {
          const t: PeerTiming = await p.measure({ arch: c.arch, mode: c.mode, preset: c.preset, batch: c.batch, threads, ...peerSteps(c, o) });
          cell = { imagesPerSecond: t.imagesPerSecond, msPerStep: t.msPerStep };
        } catch (e) {
          cell = { imagesPerSecond: null, msPerStep: null, note: `${p.name}: ${(e as Error).message.split('\n')[0]}` };
        }
      }
      done.set(key, cell);
    }
    return done.get(key)!;
  };
}

/** Runs every case on every backend and beside every peer, never throwing for one failed measurement. */
export async function runSuite(o: SuiteOptions): Promise<SuiteRow[]> {
  const peer = peerCache(o);
  const measure = o.measure ?? defaultMeasure;
  const rows: SuiteRow[] = [];
  for (const c of o.cases) {
    for (const backend of o.backends) {
      const n = oursSteps(c, backend, o);
      const row: SuiteRow = {
        ...c, backend, threads: backendThreads(backend), ...n, imagesPerSecond: null, msPerStep: null,
        peers: {}, strongestPeer: null, strongestImagesPerSecond: null, ratio: null,
      };
      rows.push(row);
      if (backend === 'cpu' && c.mode === 'train' && !o.cpuTrain) {
        row.note = 'skipped: the pure-JS cpu backend trains at ~0.2–0.3 img/s (--cpu-train to measure one step)';
        continue;
      }
      o.progress?.(`${c.arch} ${c.name} batch ${c.batch} on ${backend}`);
      try {
        const m = await measure(c, backend, n);
        Object.assign(row, { threads: m.threads, imagesPerSecond: m.imagesPerSecond, msPerStep: m.msPerStep });
      } catch (e) {
        row.note = `failed: ${(e as Error).message.split('\n')[0]}`;
      }
      for (const p of o.peers ?? []) row.peers[p.name] = await peer(c, row.threads, p);
      const best = strongestPeer(row.peers);
      row.strongestPeer = best.name;
      row.strongestImagesPerSecond = best.imagesPerSecond;
      if (row.imagesPerSecond !== null && best.imagesPerSecond !== null) row.ratio = row.imagesPerSecond / best.imagesPerSecond;
    }
  }
  return rows;
}
