/** Training: train(), resumeTraining(), their options, events and the run-directory helpers. */
export { train, resumeTraining } from './train.js';
export type { TrainConfig, ResumeConfig, RunControl, TrainResult } from './train.js';
export { resolveTrainOptions, recipeFor, OPTIMIZERS, SCHEDULES, RECIPES } from './options.js';
export type { TrainOptions, ResolvedTrainOptions, OptimizerName, ScheduleName, Recipe } from './options.js';
export { recomputeBatchNormStats } from './precise-bn.js';
export type { PreciseBnOptions, PreciseBnResult } from './precise-bn.js';
export { WeightEma } from './ema.js';
export type { TrainEvent, TrainListener } from './events.js';
export { progressPrinter, epochLine } from './progress.js';
export { learningRate } from './schedule.js';
export { crossEntropyFromLogits } from '../evaluate/loss.js';
export { loadCheckpoint } from './checkpoint.js';
export type { TrainState, Checkpoint } from './checkpoint.js';
export { logitsModel } from '../run/model-files.js';
export { loadRun, readMeta, writeMeta, RUN_FORMAT } from '../run/run-dir.js';
export type { Run, RunMeta, HistoryRow } from '../run/run-dir.js';
