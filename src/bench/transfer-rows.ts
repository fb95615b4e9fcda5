/**
 * The transfer-learning benchmark's rows (issue 15; bench:transfer, src/bench/scripts/transfer.ts): for each few-label
 * task the `mobilenet train` commands of a frozen-backbone head, the same with fine-tuning, and the same network from
 * scratch with the same number of epochs (head + fine-tune), as a user types them; how to read their output; the table.
 */

/** One task: a source, the data and its labelled images per class, and the default epochs of each phase. */
export interface TaskRow {
  name: string;
  /** What the table says of it. */
  title: string;
  /** 'nsfwjs' (its MobileNetV2, unpacked) or 'fashion-run' (our Fashion-MNIST V2 run). */
  source: 'nsfwjs' | 'fashion-run';
  dataset: 'fashion-mnist' | 'mnist';
  perClass: number;
  /** --input, or none (the source's / the dataset's). */
  input?: string;
  batch: number;
  headEpochs: number;
  fineTuneEpochs: number;
  /** The scratch run's extra options: the source's network (V2, alpha 1, its stem stride). */
  scratch: string[];
  /** Extra options of the transfer runs: the source's preprocessing. */
  transfer: string[];
}

export const TASKS: Record<string, TaskRow> = {
  'fashion-100': {
    name: 'fashion-100', title: 'Fashion-MNIST, 100 labelled images per class, 96×96×3, from nsfwjs\'s MobileNetV2', source: 'nsfwjs',
    dataset: 'fashion-mnist', perClass: 100, input: '96x96x3', batch: 32, headEpochs: 20, fineTuneEpochs: 5,
    scratch: ['--arch', 'v2', '--stem-stride', '2'], transfer: ['--preprocess', 'unit', '--no-augment', '--no-flip'],
  },
  'fashion-1000': {
    name: 'fashion-1000', title: 'Fashion-MNIST, 1,000 labelled images per class, 96×96×3, from nsfwjs\'s MobileNetV2', source: 'nsfwjs',
    dataset: 'fashion-mnist', perClass: 1000, input: '96x96x3', batch: 128, headEpochs: 5, fineTuneEpochs: 1,
    scratch: ['--arch', 'v2', '--stem-stride', '2'], transfer: ['--preprocess', 'unit', '--no-augment', '--no-flip'],
  },
  'mnist-100': {
    name: 'mnist-100', title: 'MNIST, 100 labelled images per class, 28×28×1, from our Fashion-MNIST V2 run', source: 'fashion-run',
    dataset: 'mnist', perClass: 100, batch: 32, headEpochs: 20, fineTuneEpochs: 5,
    scratch: ['--arch', 'v2', '--stem-stride', '1'], transfer: ['--no-augment'],
  },
};

/**
 * head: phase 1 only; fine-tune: phase 1 + phase 2; scratch: the same network with the same epochs (head + fine-tune);
 * scratch-time: as many epochs as fit in the fine-tune run's training time (history.json `elapsed`).
 */
export const VARIANTS = ['head', 'fine-tune', 'scratch', 'scratch-time'] as const;
export type Variant = typeof VARIANTS[number];

/** Epochs of a task's phases, after the bench's overrides; sameTime: scratch-time's epochs. */
export interface Epochs { head: number; fineTune: number; sameTime?: number }

/** scratch-time's epochs: the fine-tune run's training wall seconds over scratch's per epoch (at least 1). */
export function sameTimeEpochs(fineTuneElapsed: number, scratchElapsed: number, scratchEpochs: number): number {
  return Math.max(1, Math.round(fineTuneElapsed / (scratchElapsed / scratchEpochs)));
}

/** The `mobilenet train` arguments of one variant of a task (`source`: the source's path; `out`: the run directory). */
export function trainArgs(t: TaskRow, v: Variant, e: Epochs, seed: number, source: string, out: string): string[] {
  const data = ['--dataset', t.dataset, ...(t.input ? ['--input', t.input] : []), '--per-class', String(t.perClass), '--batch-size', String(t.batch)];
  const tail = ['--seed', String(seed), '--out', out, '--overwrite'];
  if (v === 'scratch') return ['train', ...t.scratch, ...data, '--epochs', String(e.head + e.fineTune), ...tail];
  if (v === 'scratch-time') {
    if (e.sameTime === undefined) throw new Error('scratch-time needs the fine-tune and scratch runs first');
    return ['train', ...t.scratch, ...data, '--epochs', String(e.sameTime), ...tail];
  }
  const ft = v === 'fine-tune' ? ['--fine-tune-epochs', String(e.fineTune)] : [];
  return ['train', '--from', source, ...t.transfer, ...data, '--epochs', String(e.head), ...ft, ...tail];
}

/** The source run of mnist-100: our V2 on Fashion-MNIST (its recipe), shortened by `epochs` and `limit`. */
export function fashionSourceArgs(epochs: number, limit: number | null, out: string): string[] {
  return ['train', '--arch', 'v2', '--dataset', 'fashion-mnist', '--epochs', String(epochs),
    ...(limit ? ['--limit-train', String(limit)] : []), '--out', out, '--overwrite'];
}

/** A command line as a user types it (`mobilenet …`), quoting what the shell would split. */
export function shellLine(args: string[]): string {
  return ['mobilenet', ...args].map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** What one `mobilenet train` run printed: the final test accuracy, each epoch's img/s, the one-off embedding seconds. */
export interface TrainOutput {
  testAccuracy: number;
  /** Per epoch (1-based order of the lines): the steps' images/s, the plan set-up left out. */
  epochImgPerSec: number[];
  /** Seconds the cached backbone features took (phase 1 with the backbone frozen), when printed. */
  embedSeconds: number | null;
}

/** Reads a train run's output; throws when the final test accuracy is missing (the run failed or was cut short). */
export function parseTrainOutput(text: string): TrainOutput {
  const done = /^(?:done|completed)[^\n]*?test accuracy ([\d.]+)%/m.exec(text) ?? /test accuracy ([\d.]+)%, loss [\d.]+; run directory/.exec(text);
  if (!done) throw new Error('no final test accuracy in the run\'s output');
  const epochImgPerSec = [...text.matchAll(/^epoch \d+\/\d+ {2}train loss[^\n]*?\(([\d,.]+) img\/s/gm)].map((m) => Number(m[1].replace(/,/g, '')));
  const embed = /backbone features of \d+ training images computed once \(([\d.]+) s\)/.exec(text);
  return { testAccuracy: Number(done[1]) / 100, epochImgPerSec, embedSeconds: embed ? Number(embed[1]) : null };
}

/** One variant's measured seeds. */
export interface VariantResult {
  task: string; variant: Variant; seeds: number[];
  /** Final test accuracy (fraction) per seed. */
  accuracies: number[];
  /** Wall minutes of each seed's whole command (data loading, evaluation and saving included). */
  minutes: number[];
  epochs: Epochs;
  /** Median training seconds of an epoch of each phase (history.json `seconds`), of the first seed. */
  headEpochSeconds: number | null;
  fineTuneEpochSeconds: number | null;
  /** Scratch: the median epoch's seconds (every layer trains). */
  scratchEpochSeconds: number | null;
  /** history.json `elapsed` of the last epoch, first seed: training wall seconds, evaluation at epoch ends included. */
  elapsed: number | null;
  embedSeconds: number | null;
  command: string;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** The accuracy table: one line per variant, the gain of each transfer variant over scratch. */
export function accuracyTable(results: VariantResult[]): string {
  const lines = ['| task | variant | epochs (head + fine-tune) | test accuracy | vs scratch | minutes | command |', '|---|---|---|---|---|---|---|'];
  for (const r of results) {
    const scratch = results.find((s) => s.task === r.task && s.variant === 'scratch');
    const isScratch = r.variant.startsWith('scratch');
    const acc = r.accuracies.length > 1 ? `${pct(mean(r.accuracies))} (${r.accuracies.map(pct).join(', ')})` : pct(r.accuracies[0]);
    const gain = scratch && !isScratch ? `${((mean(r.accuracies) - mean(scratch.accuracies)) * 100 >= 0 ? '+' : '')}${((mean(r.accuracies) - mean(scratch.accuracies)) * 100).toFixed(2)} points` : '';
    const ep = r.variant === 'scratch' ? `${r.epochs.head + r.epochs.fineTune}` : r.variant === 'scratch-time' ? `${r.epochs.sameTime} (fine-tune's time)` : r.variant === 'head' ? `${r.epochs.head} + 0` : `${r.epochs.head} + ${r.epochs.fineTune}`;
    lines.push(`| ${r.task} | ${r.variant} | ${ep} | ${acc} | ${gain} | ${r.minutes.map((m) => m.toFixed(1)).join(', ')} | \`${r.command}\` |`);
  }
  return lines.join('\n');
}

/** Seconds per epoch: the head on cached features against fine-tuning and every layer (scratch), per task. */
export function epochTable(results: VariantResult[]): string {
  const lines = ['| task | head epoch s (cached features) | features once, s | fine-tune epoch s (top third) | every layer epoch s (scratch) | fine-tune / head | every layer / head |', '|---|---|---|---|---|---|---|'];
  for (const task of [...new Set(results.map((r) => r.task))]) {
    const ft = results.find((r) => r.task === task && r.variant === 'fine-tune');
    const head = ft?.headEpochSeconds ?? results.find((r) => r.task === task && r.variant === 'head')?.headEpochSeconds ?? null;
    const emb = ft?.embedSeconds ?? results.find((r) => r.task === task && r.variant === 'head')?.embedSeconds ?? null;
    const all = results.find((r) => r.task === task && r.variant === 'scratch')?.scratchEpochSeconds ?? null;
    const f = (x: number | null | undefined, d = 2) => (x == null ? '–' : x.toFixed(d));
    const ratio = (a: number | null | undefined) => (a != null && head ? `${(a / head).toFixed(0)}×` : '–');
    lines.push(`| ${task} | ${f(head)} | ${f(emb, 1)} | ${f(ft?.fineTuneEpochSeconds, 1)} | ${f(all, 1)} | ${ratio(ft?.fineTuneEpochSeconds)} | ${ratio(all)} |`);
  }
  return lines.join('\n');
}
