/**
 * The throughput suite behind `npm run bench`: for each selected case (V1/V2 × training at 28×28 and 224×224,
 * batch-256 and batch-32 inference, batch-1 latency) and each backend, our images/s beside every peer at the same
 * thread count, measured in interleaved rounds (rounds.ts): medians, ranges, the ratio of medians against the
 * strongest peer with its range, a spread flag, and the roofline column (GFLOP/s and share of the measured peak).
 */
import { BackendName } from '../backend/index.js';
import { backendThreads } from './backends.js';
import { LATENCY_STEP_FACTOR, SuiteCase } from './cases.js';
import { Measurement, measureInference, measureTraining } from './measure.js';
import { PeerName, PeerRunner } from './peers.js';
import { DEFAULT_ROUNDS, Series, Slot, gflops, interleave, ratioRange, summarize, tooSpread } from './rounds.js';

export interface StepCounts { steps: number; warmup: number }

export interface SuiteOptions {
  cases: readonly SuiteCase[];
  backends: readonly BackendName[];
  /** Timed steps (warm-up steps: `warmup`) on fast backends and in the peers; ×LATENCY_STEP_FACTOR for batch-1 rows. */
  steps: number;
  warmup: number;
  /** Rounds per row (default DEFAULT_ROUNDS); the pure-JS cpu backend is measured in the first only. */
  rounds?: number;
  /** Measure training on the pure-JS cpu backend too (1 step: minutes each). */
  cpuTrain: boolean;
  peers?: readonly PeerRunner[];
  /** Called before each measurement, for progress lines. */
  progress?: (line: string) => void;
  /** Our measurement of one case; default measureTraining / measureInference (tests pass a fake). */
  measure?: (c: SuiteCase, backend: BackendName, n: StepCounts) => Promise<Measurement>;
  /** Mult-adds of one image of a case's network, for the roofline column (none when absent). */
  multAdds?: (c: SuiteCase) => number;
  /** This CPU's measured peak GFLOP/s (peak.ts), for the share column. */
  peakGflops?: number;
  /** Threads a backend computes with, which its peers get too; default backendThreads (tests pass a fake). */
  threadsOf?: (backend: BackendName) => number;
}

/** A peer's figures in a row: the median of its rounds (null with a note when every round failed). */
export interface PeerCell {
  imagesPerSecond: number | null;
  msPerStep: number | null;
  /** Its rounds: median, min, max, spread. */
  series?: Series;
  note?: string;
}

export interface SuiteRow extends SuiteCase {
  backend: BackendName;
  threads: number;
  steps: number;
  warmup: number;
  /** Median of our rounds; null when skipped or failed (`note` says why). */
  imagesPerSecond: number | null;
  msPerStep: number | null;
  /** Our rounds: median, min, max, spread. */
  series?: Series;
  /** Each available peer; null where it does not measure this mode (onnxruntime: inference only). */
  peers: Partial<Record<PeerName, PeerCell | null>>;
  /** The peer with the highest median images/s in this row, and that figure. */
  strongestPeer: PeerName | null;
  strongestImagesPerSecond: number | null;
  /** ours / strongest peer, ratio of the medians, same model, batch and thread count. */
  ratio: number | null;
  /** The ratio's range: worst ours / best peer round … best ours / worst peer round. */
  ratioLow?: number;
  ratioHigh?: number;
  /** Roofline: GFLOP/s our median achieves (2 × mult-adds × images/s, ×3 for training) and its share of the peak. */
  gflops?: number;
  peakShare?: number;
  /** Who in this row varied more than SPREAD_LIMIT between rounds ('ours', peer names). */
  spread?: string[];
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

/** The strongest peer of a row (highest median images/s among those measured), or nulls. */
export function strongestPeer(peers: SuiteRow['peers']): { name: PeerName | null; imagesPerSecond: number | null } {
  let best: { name: PeerName | null; imagesPerSecond: number | null } = { name: null, imagesPerSecond: null };
  for (const [name, cell] of Object.entries(peers) as Array<[PeerName, PeerCell | null]>) {
    const v = cell?.imagesPerSecond ?? null;
    if (v !== null && (best.imagesPerSecond === null || v > best.imagesPerSecond)) best = { name, imagesPerSecond: v };
  }
  return best;
}

/** Someone measured in a case's rounds: one of our backends, or a peer at a thread count. */
type Contestant =
  | { kind: 'ours'; backend: BackendName; row: SuiteRow }
  | { kind: 'peer'; peer: PeerRunner; threads: number };

/** A contestant's rounds so far: images/s of the successful ones, the first failure's message. */
interface Tally { samples: number[]; failure?: string }

const firstLine = (e: unknown) => (e as Error).message.split('\n')[0];

/** The row skeleton for a case on a backend (figures filled in after the rounds). */
function emptyRow(c: SuiteCase, backend: BackendName, o: SuiteOptions): SuiteRow {
  return {
    ...c, backend, threads: (o.threadsOf ?? backendThreads)(backend), ...oursSteps(c, backend, o), imagesPerSecond: null, msPerStep: null,
    peers: {}, strongestPeer: null, strongestImagesPerSecond: null, ratio: null,
  };
}

/** Our backends that run this case, then each peer that measures its mode, once per distinct thread count. */
function contestants(c: SuiteCase, rows: SuiteRow[], o: SuiteOptions): Contestant[] {
  const out: Contestant[] = [];
  for (const row of rows) {
    if (row.backend === 'cpu' && c.mode === 'train' && !o.cpuTrain) {
      row.note = 'skipped: the pure-JS cpu backend trains at ~0.2–0.3 img/s (--cpu-train to measure one step)';
    } else {
      out.push({ kind: 'ours', backend: row.backend, row });
    }
  }
  const threads = [...new Set(out.map((x) => (x as { row: SuiteRow }).row.threads))];
  for (const t of threads) {
    for (const p of o.peers ?? []) if (p.modes.includes(c.mode)) out.push({ kind: 'peer', peer: p, threads: t });
  }
  return out;
}

/** Measures one slot into its tally; our measurement also corrects the row's thread count. */
async function measureSlot(c: SuiteCase, s: Slot<Contestant>, rounds: number, o: SuiteOptions, tally: Tally): Promise<void> {
  const measure = o.measure ?? defaultMeasure;
  const who = s.who;
  const tag = `round ${s.round + 1}/${rounds}`;
  try {
    if (who.kind === 'ours') {
      o.progress?.(`${c.arch} ${c.name} batch ${c.batch} on ${who.backend}, ${tag}`);
      const m = await measure(c, who.backend, oursSteps(c, who.backend, o));
      who.row.threads = m.threads;
      tally.samples.push(m.imagesPerSecond);
    } else {
      o.progress?.(`${who.peer.name} ${c.arch} ${c.name} batch ${c.batch}, ${who.threads} thread(s), ${tag}`);
      const t = await who.peer.measure({ arch: c.arch, mode: c.mode, preset: c.preset, batch: c.batch, threads: who.threads, ...peerSteps(c, o) });
      tally.samples.push(t.imagesPerSecond);
    }
  } catch (e) {
    tally.failure ??= firstLine(e);
  }
}

/** A peer's cell from its tally: the median and series, or the failure as a note. */
function peerCell(name: PeerName, batch: number, t: Tally | undefined): PeerCell | null {
  if (!t) return null;
  const s = summarize(t.samples);
  const cell: PeerCell = { imagesPerSecond: s?.median ?? null, msPerStep: s ? (1000 * batch) / s.median : null };
  if (s) cell.series = s;
  if (t.failure) cell.note = `${name}: ${t.failure}${s ? ' (in some rounds; the figures are of the others)' : ''}`;
  return cell;
}

/** Fills a row from the tallies: medians, the strongest peer, the ratio and its range, roofline, spread. */
function finishRow(row: SuiteRow, ours: Tally | undefined, peers: Map<string, Tally>, o: SuiteOptions): void {
  const mine = ours ? summarize(ours.samples) : null;
  if (ours?.failure) row.note = `failed: ${ours.failure}${mine ? ' (in some rounds; the figures are of the others)' : ''}`;
  if (mine) {
    Object.assign(row, { imagesPerSecond: mine.median, msPerStep: (1000 * row.batch) / mine.median, series: mine });
  }
  for (const p of o.peers ?? []) {
    row.peers[p.name] = p.modes.includes(row.mode) ? peerCell(p.name, row.batch, peers.get(`${p.name}/${row.threads}`)) : null;
  }
  const best = strongestPeer(row.peers);
  row.strongestPeer = best.name;
  row.strongestImagesPerSecond = best.imagesPerSecond;
  const bestSeries = best.name ? row.peers[best.name]?.series : undefined;
  if (mine && bestSeries) {
    const r = ratioRange(mine, bestSeries);
    Object.assign(row, { ratio: r.ratio, ratioLow: r.low, ratioHigh: r.high });
  }
  if (mine && o.multAdds) {
    row.gflops = gflops(o.multAdds(row), row.mode, mine.median);
    if (o.peakGflops) row.peakShare = row.gflops / o.peakGflops;
  }
  const spread = [tooSpread(mine) ? 'ours' : null,
    ...Object.entries(row.peers).map(([n, cell]) => (tooSpread(cell?.series) ? n : null))].filter((x): x is string => x !== null);
  if (spread.length) row.spread = spread;
}

/**
 * Runs every case: its contestants (each backend, each peer) measured in interleaved rounds, then one row per
 * backend; never throws for a failed measurement (the row or cell gets a note).
 */
export async function runSuite(o: SuiteOptions): Promise<SuiteRow[]> {
  const rounds = o.rounds ?? DEFAULT_ROUNDS;
  const out: SuiteRow[] = [];
  for (const c of o.cases) {
    const rows = o.backends.map((b) => emptyRow(c, b, o));
    out.push(...rows);
    const who = contestants(c, rows, o);
    const tallies = new Map<Contestant, Tally>(who.map((w) => [w, { samples: [] }]));
    for (const s of interleave(rounds, who, (w) => (w.kind === 'ours' && w.backend === 'cpu' ? 1 : rounds))) {
      await measureSlot(c, s, rounds, o, tallies.get(s.who)!);
    }
    const peers = new Map<string, Tally>();
    for (const w of who) if (w.kind === 'peer') peers.set(`${w.peer.name}/${w.threads}`, tallies.get(w)!);
    for (const row of rows) {
      const mine = who.find((w) => w.kind === 'ours' && w.row === row);
      if (mine || !row.note) finishRow(row, mine ? tallies.get(mine) : undefined, peers, o);
    }
  }
  return out;
}
