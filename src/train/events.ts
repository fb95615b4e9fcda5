/** What train() reports while it runs (the CLI renders these; library users may ignore them). */
import type { HistoryRow } from '../run/run-dir.js';

export type TrainEvent =
  | { type: 'start'; backend: string; /** Steps run by the compiled native engine (else TF.js). */ engine?: boolean; train: number; val: number; test: number; stepsPerEpoch: number;
    epochs: number; resumedAt: { epoch: number; step: number } | null }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; acc: number; lr: number;
    imgPerSec: number; etaSeconds: number }
  | { type: 'epoch'; row: HistoryRow; best: boolean; /** The test-accuracy threshold, and whether this epoch first reached it. */ target?: number | null; reached?: boolean }
  | { type: 'log'; message: string };

export type TrainListener = (e: TrainEvent) => void;
