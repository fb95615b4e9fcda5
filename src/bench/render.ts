/**
 * The benchmark's outputs: the JSON report of one run, its markdown table, and the thread-scaling
 * report (one run per thread count) as one wide table plus each run's table.
 */
import * as os from 'node:os';
import { BackendProbe } from './backends.js';
import { inputLabel } from './cases.js';
import { PEER_LABELS, PeerName, PeerStatus } from './peers.js';
import type { Peak } from './roofline.js';
import { SPREAD_LIMIT, Series, tooSpread } from './rounds.js';
import { SuiteRow } from './suite.js';

/** Where and when a run happened: what a figure means depends on it. */
export interface HostInfo {
  /** ISO time the run started. */
  date: string;
  cpu: string;
  cores: number;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started (other work on the machine). */
  loadAverage: number[];
}

/** One `npm run bench` run, as `--json` prints it. */
export interface SuiteReport {
  /** Int8 rows (bench/int8-rows.ts): ours int8 vs ours float, onnxruntime float and onnxruntime int8. */
  int8?: import('./int8-rows.js').Int8Row[];
  machine: string;
  host: HostInfo;
  /** Load averages when the run ended. */
  loadAverageEnd: number[];
  command: string;
  /** The thread count asked for (onednn's; cpu and wasm rows use 1). */
  threads: number;
  steps: number;
  warmup: number;
  /** Interleaved rounds per row (ours, each peer, ours, …); figures are medians of them. */
  rounds: number;
  /** Batch-1 rows ran steps × this (and warm-up × this). */
  latencyStepFactor: number;
  /** This CPU's measured peak (the roofline column's denominator), or null with peakNote. */
  peak: Peak | null;
  peakNote?: string;
  backends: BackendProbe[];
  peers: PeerStatus[];
  rows: SuiteRow[];
}

/** A run of the scaling mode that produced no report. */
export interface FailedRun { threads: number; error: string }

/** `npm run bench -- --threads 1,2,4 --json`: one report per thread count. */
export interface ScalingReport {
  machine: string;
  command: string;
  threads: number[];
  runs: Array<SuiteReport | FailedRun>;
}

/** This machine now: CPU model, cores, Node, the time and the load averages. */
export function hostInfo(): HostInfo {
  return {
    date: new Date().toISOString(), cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU', cores: os.availableParallelism(),
    node: process.versions.node, loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

const fmtLoad = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(', ');

/** CPU, cores, Node and the time. */
export function hostLine(h: HostInfo): string {
  return `${h.cpu}, ${h.cores} cores, Node ${h.node}; ${h.date.slice(0, 16)}Z`;
}

/** CPU, cores, Node, the time and the load average: the line above every table. */
export function machineLine(h: HostInfo = hostInfo()): string {
  return `${hostLine(h)}; load average ${fmtLoad(h.loadAverage)}`;
}

const num = (v: number, digits: number) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** Images/s: one decimal, two below 10; '—' for null. */
export const fmtRate = (v: number | null | undefined) => (v === null || v === undefined ? '—' : num(v, v < 10 ? 2 : 1));
const fmtMs = (v: number | null) => (v === null ? '—' : num(v, v < 10 ? 2 : 1));
/** The ratio of medians naming the strongest peer, with its range when there were several rounds. */
export const fmtRatio = (r: SuiteRow) => {
  if (r.ratio === null || r.strongestPeer === null) return '—';
  const range = r.ratioLow !== undefined && r.ratioHigh !== undefined && (r.series?.samples.length ?? 1) + (r.peers[r.strongestPeer]?.series?.samples.length ?? 1) > 2
    ? ` (${r.ratioLow.toFixed(2)}–${r.ratioHigh.toFixed(2)})` : '';
  return `${r.ratio.toFixed(2)}× ${PEER_LABELS[r.strongestPeer]}${range}`;
};

/** The note a figure whose rounds spread too far gets. */
export const SPREAD_NOTE = `spread over ${Math.round(SPREAD_LIMIT * 100)}% between rounds ((max − min) / median): this figure says little`;

/** "caseKind": "train", "infer" or "latency" (batch-1 inference). */
export const caseKind = (r: SuiteRow) => (r.latency ? 'latency' : r.mode);

/** Collects footnotes, numbering each distinct text once. */
function footnotes(): { mark: (note: string | undefined) => string; lines: () => string[] } {
  const notes: string[] = [];
  return {
    mark: (note) => {
      if (!note) return '';
      if (!notes.includes(note)) notes.push(note);
      return ` [${notes.indexOf(note) + 1}]`;
    },
    lines: () => notes.map((n, i) => `[${i + 1}] ${n}`),
  };
}

/** A median with its min–max when there were several rounds, and the spread footnote when it varied too much. */
function fmtSeries(median: number | null, s: Series | undefined, mark: (note: string | undefined) => string): string {
  if (median === null) return '—';
  if (!s || s.samples.length < 2) return fmtRate(median);
  return `${fmtRate(median)} (${fmtRate(s.min)}–${fmtRate(s.max)})${tooSpread(s) ? mark(SPREAD_NOTE) : ''}`;
}

const fmtGflops = (v: number | undefined) => (v === undefined ? '—' : num(v, v < 10 ? 2 : 1));
const fmtShare = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`);

/**
 * The markdown table: one line per case and backend; ours and each peer in `peerNames` as the median of the rounds
 * with its min–max ('n/a' where a peer does not measure the mode, '—' where it is missing or failed); the roofline
 * columns (our GFLOP/s and its share of the measured peak); the last column is the ratio of medians against the row's
 * strongest peer, naming it, with its range. Notes (failures, too wide a spread) follow the table.
 */
export function renderSuite(rows: readonly SuiteRow[], peerNames: readonly PeerName[]): string {
  const notes = footnotes();
  const lines = [
    `| model | case | input | batch | backend | threads | ours img/s | ours ms/batch | GFLOP/s | of peak | ${peerNames.map((p) => `${PEER_LABELS[p]} img/s`).join(' | ')}${peerNames.length ? ' | ' : ''}ours / strongest peer |`,
    `|---|---|---|---:|---|---:|---:|---:|---:|---:|${'---:|'.repeat(peerNames.length)}---:|`,
  ];
  for (const r of rows) {
    const peers = peerNames.map((p) => {
      const cell = r.peers[p];
      if (cell === null) return 'n/a';
      return cell === undefined ? '—' : `${fmtSeries(cell.imagesPerSecond, cell.series, notes.mark)}${notes.mark(cell.note)}`;
    });
    lines.push(`| ${r.arch.toUpperCase()} | ${caseKind(r)} | ${inputLabel(r.preset)} | ${r.batch} | ${r.backend}${notes.mark(r.note)} | ${r.threads} | ` +
      `${fmtSeries(r.imagesPerSecond, r.series, notes.mark)} | ${fmtMs(r.msPerStep)} | ${fmtGflops(r.gflops)} | ${fmtShare(r.peakShare)} | ` +
      `${peers.map((p) => `${p} | `).join('')}${fmtRatio(r)} |`);
  }
  const n = notes.lines();
  return [...lines, ...(n.length ? ['', ...n] : [])].join('\n');
}

/** The peers' versions, and the missing ones grouped by reason. */
export function renderPeers(peers: readonly PeerStatus[]): string {
  if (peers.length === 0) return 'Peers: none (--peers none).';
  const parts = peers.filter((p) => p.available).map((p) => `${p.label}: ${p.version}`);
  for (const reason of new Set(peers.filter((p) => !p.available).map((p) => p.reason))) {
    parts.push(`${peers.filter((p) => !p.available && p.reason === reason).map((p) => p.label).join(', ')}: unavailable (${reason})`);
  }
  return `Peers: ${parts.join('; ')}.`;
}

/** "peak 1,234.5 GFLOP/s (oneDNN sgemm 2048³, best of 3, 2 threads)", or why there is none. */
export function peakLine(r: Pick<SuiteReport, 'peak' | 'peakNote'>): string {
  if (!r.peak) return `no measured peak (${r.peakNote ?? 'not measured'})`;
  const p = r.peak;
  return `peak ${fmtGflops(p.gflops)} GFLOP/s (oneDNN sgemm ${p.size}³, best of ${p.repetitions}, ${p.threads} thread${p.threads === 1 ? '' : 's'})`;
}

/** A whole run as markdown: the machine, load and command, the method and peak, the peers, the table. */
export function renderReport(r: SuiteReport): string {
  const load = `load average ${fmtLoad(r.host.loadAverage)} at the start, ${fmtLoad(r.loadAverageEnd)} at the end`;
  return `Throughput, images/s: median (min–max) of ${r.rounds} interleaved round${r.rounds === 1 ? '' : 's'}, each ${r.steps} timed ` +
    `step(s) after ${r.warmup} warm-up, batch-1 rows ×${r.latencyStepFactor}; GFLOP/s = 2 × mult-adds × images/s (×3 training), ` +
    `${peakLine(r)}.\n${hostLine(r.host)}; ${load}.\nCommand: \`${r.command}\`\n\n` +
    `${renderPeers(r.peers)}\n\n${renderSuite(r.rows, r.peers.map((p) => p.name))}`;
}

const isReport = (r: SuiteReport | FailedRun): r is SuiteReport => 'rows' in r;

/**
 * The scaling table: for each case and backend, our images/s, each peer's, and ours / strongest,
 * one column per thread count.
 */
export function renderScalingTable(s: ScalingReport): string {
  const runs = s.runs.filter(isReport);
  const peerNames = [...new Set(runs.flatMap((r) => r.peers.map((p) => p.name)))];
  const keys = [...new Set(runs.flatMap((r) => r.rows.map((x) => `${x.arch}/${x.name}/${x.backend}`)))];
  const cellsOf = (t: number, key: string) => runs.find((r) => r.threads === t)?.rows.find((x) => `${x.arch}/${x.name}/${x.backend}` === key);
  const lines = [
    `| model | case | input | batch | who | ${s.threads.map((t) => `${t} thread${t === 1 ? '' : 's'}`).join(' | ')} |`,
    `|---|---|---|---:|---|${'---:|'.repeat(s.threads.length)}`,
  ];
  for (const key of keys) {
    const any = s.threads.map((t) => cellsOf(t, key)).find((x) => x !== undefined)!;
    const head = `| ${any.arch.toUpperCase()} | ${caseKind(any)} | ${inputLabel(any.preset)} | ${any.batch} |`;
    const line = (who: string, cell: (x: SuiteRow) => string) =>
      lines.push(`${head} ${who} | ${s.threads.map((t) => { const x = cellsOf(t, key); return x ? cell(x) : '—'; }).join(' | ')} |`);
    line(`ours (${any.backend})`, (x) => fmtRate(x.imagesPerSecond));
    for (const p of peerNames) line(PEER_LABELS[p], (x) => (x.peers[p] === null ? 'n/a' : fmtRate(x.peers[p]?.imagesPerSecond)));
    line('ours / strongest', fmtRatio);
  }
  return lines.join('\n');
}

/** The scaling report as markdown: the wide table, failed runs, then each run's own table. */
export function renderScaling(s: ScalingReport): string {
  const parts = [`Thread scaling, images/s (${s.machine}; \`${s.command}\`):`, '', renderScalingTable(s)];
  for (const r of s.runs) {
    parts.push('', `### ${r.threads} thread${r.threads === 1 ? '' : 's'}`, '');
    parts.push(isReport(r) ? renderReport(r) : `failed: ${r.error}`);
  }
  return parts.join('\n');
}
