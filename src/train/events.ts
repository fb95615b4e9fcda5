/** What train() reports while it runs (the CLI renders these; library users may ignore them). */
import type { HistoryRow } from '../run/run-dir.js';

export type TrainEvent =
  | { type: 'start'; backend: string; /** Steps run by the compiled native engine (else TF.js). */ engine?: boolean; train: number; val: number; test: number; stepsPerEpoch: number;
    epochs: number; resumedAt: { epoch: number; step: number } | null }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; acc: number; lr: number;
    imgPerSec: number; etaSeconds: number }
  | { type: 'epoch'; row: HistoryRow; best: boolean; /** The test-accuracy threshold, and whether this epoch first reached it. */ target?: number | null; reached?: boolean;
    timing?: EpochTiming }
  | { type: 'log'; message: string };

/** Where an epoch's time went: the steps' rate without the plan's set-up, the set-up, the epoch's end. */
export interface EpochTiming {
  /** Images/s of this epoch's steps (this session's), the plan's set-up left out: what the bench measures. */
  imgPerSec: number;
  /** Seconds of the steps spent building the native plan's executors (the first epoch; a new batch size); 0 on TF.js. */
  setupSeconds: number;
  /** Seconds after the last step: precise BN, validation / test evaluation, best/, checkpoint, published files. */
  endSeconds: number;
}

export type TrainListener = (e: TrainEvent) => void;
