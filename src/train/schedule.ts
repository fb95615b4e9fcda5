/** Learning-rate schedules, as a pure function of the global step (so resume reproduces them). */
import type { ResolvedTrainOptions } from './options.js';

export interface ScheduleSpan {
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Warm-up length: the option, else 3% of all steps capped at 200 (0 for runs under 30 steps). */
export function warmupSteps(o: ResolvedTrainOptions, span: ScheduleSpan): number {
  if (o.warmupSteps !== null) return Math.min(o.warmupSteps, span.totalSteps);
  return Math.min(200, Math.floor(0.03 * span.totalSteps));
}

/** Learning rate for global step `step` (0-based): linear warm-up, then constant | cosine | step decay. */
export function learningRate(o: ResolvedTrainOptions, span: ScheduleSpan, step: number): number {
  const warm = warmupSteps(o, span);
  if (step < warm) return (o.lr * (step + 1)) / warm;
  switch (o.schedule) {
    case 'constant':
      return o.lr;
    case 'cosine': {
      const t = (step - warm) / Math.max(1, span.totalSteps - warm);
      return 0.5 * o.lr * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
    case 'step': {
      const every = o.stepEvery ?? Math.max(1, Math.ceil(o.epochs / 3));
      return o.lr * o.stepGamma ** Math.floor(Math.floor(step / span.stepsPerEpoch) / every);
    }
  }
}

/**
 * The learning rate of global step `step` for a run of one or two phases: a transfer run with fine-tuning follows
 * `learningRate` over its head epochs at lr, then starts again over its fine-tune epochs at fineTuneLr (warm-up
 * included), as Keras's guide compiles the model anew for phase 2.
 */
export function phaseLearningRate(o: ResolvedTrainOptions, span: ScheduleSpan, step: number): number {
  const t = o.transfer;
  if (!t || t.fineTuneEpochs === 0) return learningRate(o, span, step);
  const head = span.stepsPerEpoch * t.headEpochs;
  if (step < head) return learningRate({ ...o, epochs: t.headEpochs }, { ...span, totalSteps: head }, step);
  return learningRate({ ...o, lr: t.fineTuneLr, epochs: t.fineTuneEpochs }, { ...span, totalSteps: span.totalSteps - head }, step - head);
}
