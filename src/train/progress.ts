/** Renders TrainEvents: a progress bar on a TTY (plain lines otherwise) on stderr, one line per epoch on stdout. */
import type { EpochTiming, TrainEvent, TrainListener } from './events.js';
import type { HistoryRow } from '../run/run-dir.js';

const pct = (x: number | null) => (x === null ? '   –   ' : `${(100 * x).toFixed(2)}%`);
const loss = (x: number | null) => (x === null ? '  –   ' : x.toFixed(4));

function clock(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return `${h ? `${h}:` : ''}${String(m).padStart(h ? 2 : 1, '0')}:${String(sec).padStart(2, '0')}`;
}

/**
 * The per-epoch line (train loss/acc, validation loss/acc, test loss/acc when measured, learning rate, wall
 * time); `reached` marks the epoch whose test accuracy first reached the target.
 */
export function epochLine(r: HistoryRow, epochs: number, best = false, reached?: { target: number } | null, timing?: EpochTiming): string {
  const test = r.testAcc != null ? `  test loss ${loss(r.testLoss ?? null)} acc ${pct(r.testAcc)}` : '';
  const mark = reached ? `  *reached ${pct(reached.target)}${r.elapsed != null ? ` at ${(r.elapsed / 60).toFixed(1)} min` : ''}` : '';
  return `epoch ${r.epoch}/${epochs}  train loss ${loss(r.trainLoss)} acc ${pct(r.trainAcc)}  ` +
    `val loss ${loss(r.valLoss)} acc ${pct(r.valAcc)}${test}  lr ${r.lr.toExponential(2)}  ${r.seconds.toFixed(1)}s${timingText(timing)}${best ? '  *best' : ''}${mark}`;
}

/** " (1,234.5 img/s, plan set-up 1.2 s, epoch end 0.8 s)": the set-up only when there was one. */
export function timingText(t: EpochTiming | undefined): string {
  if (!t) return '';
  const rate = t.imgPerSec.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const setup = t.setupSeconds >= 0.05 ? `, plan set-up ${t.setupSeconds.toFixed(1)} s` : '';
  return ` (${rate} img/s${setup}, epoch end ${t.endSeconds.toFixed(1)} s)`;
}

export interface ProgressStreams {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/** A TrainListener printing progress; `tty` overrides the stderr TTY check. */
export function progressPrinter(s: ProgressStreams = { out: process.stdout, err: process.stderr }, tty = !!s.err.isTTY): TrainListener {
  let epochs = 0;
  let barShown = false;
  const clearBar = () => { if (barShown) { s.err.write('\r\x1b[2K'); barShown = false; } };
  return (e: TrainEvent) => {
    switch (e.type) {
      case 'start':
        epochs = e.epochs;
        s.err.write(`backend ${e.backend}${e.engine ? ' (native engine)' : ''}; ${e.train} training, ${e.val} validation, ${e.test} test images; ` +
          `${e.stepsPerEpoch} steps per epoch` + (e.resumedAt ? `; resuming at epoch ${e.resumedAt.epoch + 1}, step ${e.resumedAt.step}` : '') + '\n');
        break;
      case 'step': {
        const text = `epoch ${e.epoch}/${epochs} step ${e.step}/${e.steps}  loss ${e.loss.toFixed(4)}  acc ${(100 * e.acc).toFixed(1)}%  ` +
          `${e.imgPerSec.toFixed(1)} img/s  ETA ${clock(e.etaSeconds)}`;
        if (tty) {
          const width = 24, done = Math.round((width * e.step) / e.steps);
          s.err.write(`\r\x1b[2K[${'='.repeat(done)}${' '.repeat(width - done)}] ${text}`.slice(0, (s.err.columns || 120) + 5));
          barShown = true;
        } else {
          const every = Math.max(1, Math.floor(e.steps / 10));
          if (e.step % every === 0 || e.step === e.steps || e.step === 1) s.err.write(`${text}\n`);
        }
        break;
      }
      case 'epoch':
        clearBar();
        s.out.write(`${epochLine(e.row, epochs, e.best, e.reached && e.target != null ? { target: e.target } : null, e.timing)}\n`);
        break;
      case 'log':
        clearBar();
        s.err.write(`${e.message}\n`);
        break;
    }
  };
}
