/**
 * bench:transfer's speed-224 row: fine-tuning MobileNetV2 at 224×224×3, batch 32, images/s — ours (`mobilenet train`
 * phase 2, and every layer with --freeze none) against PyTorch (scripts/torch/finetune.py: the same layers trainable,
 * BN in inference mode; and ../shared/peers/pytorch_mobilenet.py train-bench: every layer), in interleaved rounds
 * (rounds.ts: medians, ranges, ratio of medians with its range).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { childEnv } from '../backend/native.js';
import { findPeer, repoRoot, type Peer } from './peer.js';
import { RatioRange, Series, interleave, ratioRange, summarize } from './rounds.js';

export const SPEED_CONTESTANTS = ['ours fine-tune', 'PyTorch fine-tune', 'ours every layer', 'PyTorch every layer'] as const;
export type SpeedContestant = typeof SPEED_CONTESTANTS[number];

export interface SpeedRow {
  who: SpeedContestant;
  series: Series | null;
  command: string;
  note?: string;
}

export interface SpeedResult {
  rows: SpeedRow[];
  /** Ours / PyTorch for the same work (fine-tune, every layer). */
  ratios: Array<{ what: string; range: RatioRange }>;
  torch: string | null;
}

/** How one contestant is measured: a function giving one round's images/s, and its command line. */
export interface SpeedPlan {
  ours: (who: 'ours fine-tune' | 'ours every layer') => { run: () => Promise<number>; command: string };
  steps: number;
  batch: number;
  threads: number;
}

function peerRun(python: string, args: string[]): number {
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: 900_000, env: childEnv() });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error((r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status ?? r.signal}`);
  const j = JSON.parse(line) as { images_per_s?: unknown };
  if (typeof j.images_per_s !== 'number') throw new Error('no images_per_s in the peer\'s output');
  return j.images_per_s;
}

/** The PyTorch side: commands, or why it cannot run (no torch). */
function peerPlans(p: SpeedPlan): { peer: Peer | null; missing?: string; args: Partial<Record<SpeedContestant, string[]>> } {
  const found = findPeer(repoRoot());
  if ('missing' in found) return { peer: null, missing: found.missing, args: {} };
  const common = ['--batch', String(p.batch), '--threads', String(p.threads), '--steps', String(p.steps), '--warmup', '3', '--json'];
  const finetune = path.join(repoRoot(), 'scripts', 'torch', 'finetune.py');
  return {
    peer: found,
    args: {
      'PyTorch fine-tune': [finetune, '--input', '224', '--classes', '10', ...common],
      'PyTorch every layer': [found.script, '--mode', 'train-bench', '--arch', 'v2', '--input', '224', '--channels', '3', '--classes', '10', ...common],
    },
  };
}

/** Runs `rounds` interleaved rounds of every contestant; a failed round is noted and left out. */
export async function speedRows(p: SpeedPlan, rounds: number, log: (m: string) => void): Promise<SpeedResult> {
  const peers = peerPlans(p);
  const samples = new Map<SpeedContestant, number[]>(SPEED_CONTESTANTS.map((c) => [c, []]));
  const notes = new Map<SpeedContestant, string>();
  const commands = new Map<SpeedContestant, string>();
  for (const who of SPEED_CONTESTANTS) {
    if (who.startsWith('ours')) commands.set(who, p.ours(who as 'ours fine-tune').command);
    else if (peers.args[who]) commands.set(who, [path.basename(peers.peer!.python), ...peers.args[who]!.map((a) => (path.isAbsolute(a) ? path.relative(process.cwd(), a) : a))].join(' '));
    else notes.set(who, peers.missing ?? 'not available');
  }
  for (const s of interleave(rounds, SPEED_CONTESTANTS, (w) => (w.startsWith('ours') || peers.args[w] ? rounds : 0))) {
    log(`bench: speed-224 round ${s.round + 1}/${rounds}: ${s.who}`);
    try {
      const ips = s.who.startsWith('ours') ? await p.ours(s.who as 'ours fine-tune').run() : peerRun(peers.peer!.python, peers.args[s.who]!);
      samples.get(s.who)!.push(ips);
      log(`bench: ${s.who}: ${ips.toFixed(1)} img/s`);
    } catch (e) {
      notes.set(s.who, `failed: ${(e as Error).message}`);
      log(`bench: ${s.who} failed: ${(e as Error).message}`);
    }
  }
  const rows = SPEED_CONTESTANTS.map((who): SpeedRow => ({
    who, series: summarize(samples.get(who)!), command: commands.get(who) ?? '', ...(notes.has(who) ? { note: notes.get(who) } : {}),
  }));
  const ratios: SpeedResult['ratios'] = [];
  for (const [ours, peer, what] of [['ours fine-tune', 'PyTorch fine-tune', 'fine-tune'], ['ours every layer', 'PyTorch every layer', 'every layer']] as const) {
    const a = rows.find((r) => r.who === ours)?.series, b = rows.find((r) => r.who === peer)?.series;
    if (a && b) ratios.push({ what, range: ratioRange(a, b) });
  }
  return { rows, ratios, torch: peers.peer?.torch ?? null };
}

/** The speed table. */
export function speedTable(r: SpeedResult): string {
  const lines = ['| contestant | images/s median (min–max, rounds) | command |', '|---|---|---|'];
  for (const row of r.rows) {
    const s = row.series;
    const fig = s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)}, ${s.samples.length})` : '–';
    lines.push(`| ${row.who} | ${fig}${row.note ? ` ${row.note}` : ''} | ${row.command ? `\`${row.command}\`` : ''} |`);
  }
  for (const q of r.ratios) lines.push(`| ours / PyTorch, ${q.what} | ${q.range.ratio.toFixed(2)}× (${q.range.low.toFixed(2)}–${q.range.high.toFixed(2)}) | |`);
  return lines.join('\n');
}

