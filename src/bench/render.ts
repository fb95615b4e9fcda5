/**
 * The benchmark's outputs: the JSON report of one run, its markdown table, and the thread-scaling
 * report (one run per thread count) as one wide table plus each run's table.
 */
import * as os from 'node:os';
import { BackendProbe } from './backends.js';
import { inputLabel } from './cases.js';
import { PEER_LABELS, PeerName, PeerStatus } from './peers.js';
import { SuiteRow } from './suite.js';

/** One `npm run bench` run, as `--json` prints it. */
export interface SuiteReport {
  /** Int8 rows (bench/int8.ts): ours int8 vs ours float vs onnxruntime float. */
  int8?: import('./int8.js').Int8Row[];
  machine: string;
  command: string;
  /** The thread count asked for (onednn's; cpu and wasm rows use 1). */
  threads: number;
  steps: number;
  warmup: number;
  /** Batch-1 rows ran steps × this (and warm-up × this). */
  latencyStepFactor: number;
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

/** CPU, cores, Node and the time: the line above every table. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, Node ${process.versions.node}; ${new Date().toISOString().slice(0, 16)}Z`;
}

const num = (v: number, digits: number) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** Images/s: one decimal, two below 10; '—' for null. */
export const fmtRate = (v: number | null | undefined) => (v === null || v === undefined ? '—' : num(v, v < 10 ? 2 : 1));
const fmtMs = (v: number | null) => (v === null ? '—' : num(v, v < 10 ? 2 : 1));
const fmtRatio = (r: SuiteRow) => (r.ratio === null || r.strongestPeer === null ? '—' : `${r.ratio.toFixed(2)}× ${PEER_LABELS[r.strongestPeer]}`);

/** "train", "infer" or "latency" (batch-1 inference). */
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

/**
 * The markdown table: one line per case and backend; a column per peer in `peerNames`
 * ('n/a' where a peer does not measure the mode, '—' where it is missing or failed); the
 * last column is ours / the row's strongest peer, naming it. Notes follow the table.
 */
export function renderSuite(rows: readonly SuiteRow[], peerNames: readonly PeerName[]): string {
  const notes = footnotes();
  const lines = [
    `| model | case | input | batch | backend | threads | ours img/s | ours ms/batch | ${peerNames.map((p) => `${PEER_LABELS[p]} img/s`).join(' | ')}${peerNames.length ? ' | ' : ''}ours / strongest peer |`,
    `|---|---|---|---:|---|---:|---:|---:|${'---:|'.repeat(peerNames.length)}---:|`,
  ];
  for (const r of rows) {
    const peers = peerNames.map((p) => {
      const cell = r.peers[p];
      if (cell === null) return 'n/a';
      return cell === undefined ? '—' : `${fmtRate(cell.imagesPerSecond)}${notes.mark(cell.note)}`;
    });
    lines.push(`| ${r.arch.toUpperCase()} | ${caseKind(r)} | ${inputLabel(r.preset)} | ${r.batch} | ${r.backend}${notes.mark(r.note)} | ${r.threads} | ` +
      `${fmtRate(r.imagesPerSecond)} | ${fmtMs(r.msPerStep)} | ${peers.map((p) => `${p} | `).join('')}${fmtRatio(r)} |`);
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

/** A whole run as markdown: the machine and command, the peers, the table. */
export function renderReport(r: SuiteReport): string {
  return `Throughput, images/s (${r.machine}; \`${r.command}\`; ${r.steps} timed step(s) after ${r.warmup} warm-up, ` +
    `batch-1 rows ×${r.latencyStepFactor}):\n\n${renderPeers(r.peers)}\n\n${renderSuite(r.rows, r.peers.map((p) => p.name))}`;
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
