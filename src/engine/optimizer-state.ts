/**
 * The engine's optimizer settings read from a TF.js optimizer, and its state (iterations and per-variable slots)
 * copied between the engine and the TF.js optimizer, so checkpoints keep TF.js's format: a run trained by the
 * engine resumes on TF.js and vice versa.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Settings of one step, as native planTrainStep takes them (see native/src/plan/binding.cc). */
export interface OptSettings {
  optimizer: 0 | 1 | 2; // adam, momentum (sgd), rmsprop
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
  rho: number;
}

interface Slot { originalName: string; variable: tf.Variable }

/** Slot fields per optimizer class, in the order the engine stores them (slot 1, slot 2) and their name suffix. */
const SLOTS: Record<string, Array<[field: string, suffix: string]>> = {
  Adam: [['accumulatedFirstMoment', 'm'], ['accumulatedSecondMoment', 'v']],
  Momentum: [['accumulations', 'momentum']],
  RMSProp: [['accumulatedMeanSquares', 'rms'], ['accumulatedMoments', 'momentum']],
};

/** The engine's settings for `opt`, or why the engine cannot run it. */
export function optimizerSettings(opt: tf.Optimizer): OptSettings | { unsupported: string } {
  const c = opt.getConfig() as Record<string, number | boolean>;
  const base = { lr: c.learningRate as number, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, momentum: 0, rho: 0.9 };
  switch (opt.getClassName()) {
    case 'Adam':
      return { ...base, optimizer: 0, beta1: c.beta1 as number, beta2: c.beta2 as number, epsilon: c.epsilon as number };
    case 'Momentum':
      if (c.useNesterov) return { unsupported: 'Nesterov momentum' };
      return { ...base, optimizer: 1, momentum: c.momentum as number };
    case 'RMSProp':
      if (c.centered) return { unsupported: 'centred RMSProp' };
      return { ...base, optimizer: 2, rho: c.decay as number, momentum: c.momentum as number, epsilon: c.epsilon as number };
    default:
      return { unsupported: `optimizer ${opt.getClassName()}` };
  }
}

export function slotCount(opt: tf.Optimizer): number {
  return SLOTS[opt.getClassName()]?.length ?? 0;
}

type OptFields = Record<string, unknown> & { iterations_: number; accBeta1?: tf.Variable; accBeta2?: tf.Variable; beta1?: number; beta2?: number };

/**
 * Slot `which` (0-based) of trainable variable i, or null before the optimizer's first step.
 */
export function readSlot(opt: tf.Optimizer, which: number, i: number): tf.Variable | null {
  const field = SLOTS[opt.getClassName()][which][0];
  const slots = (opt as unknown as OptFields)[field] as Slot[] | undefined;
  return slots?.[i]?.variable ?? null;
}

/**
 * Writes iterations and slots into the TF.js optimizer (creating slot variables the first time, assigning after),
 * as its own applyGradients would have left them.
 */
export function writeState(
  opt: tf.Optimizer, iterations: number, vars: tf.Variable[], slotData: (which: number, i: number) => Float32Array,
): void {
  const o = opt as unknown as OptFields;
  SLOTS[opt.getClassName()].forEach(([field, suffix], which) => {
    const slots = ((o[field] as Slot[] | undefined) ?? (o[field] = [])) as Slot[];
    vars.forEach((v, i) => {
      const t = tf.tensor(slotData(which, i), v.shape, 'float32');
      if (slots[i]) slots[i].variable.assign(t);
      else slots[i] = { originalName: `${v.name}/${suffix}`, variable: tf.variable(t, false) };
      t.dispose();
    });
  });
  o.iterations_ = iterations;
  if (o.accBeta1 && o.accBeta2) { // tfjs-core keeps beta^(t+1) for the next step's bias correction
    tf.tidy(() => {
      o.accBeta1!.assign(tf.scalar(Math.pow(o.beta1!, iterations + 1)));
      o.accBeta2!.assign(tf.scalar(Math.pow(o.beta2!, iterations + 1)));
    });
  }
}

/** Steps the TF.js optimizer has taken. */
export function iterationsOf(opt: tf.Optimizer): number {
  return (opt as unknown as OptFields).iterations_ ?? 0;
}
