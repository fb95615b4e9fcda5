/**
 * The JSON documents of the HTTP API (and of `mobilenet summary --json`, history.json, curve.json), as types.
 * One module for both builds: the server (tsc, src/) and the browser page (esbuild and web/tsconfig.json,
 * web/src/) import these, so the page cannot drift from what the server sends. Types only: no imports and
 * no runtime code, so the page's bundle gets nothing from here.
 */

/** One row of history.json: an epoch's training, validation and (with --eval-test) test figures. */
export interface HistoryRow {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number | null;
  valAcc: number | null;
  /** Test-split loss and accuracy after this epoch (with evalTest), else null or absent. */
  testLoss?: number | null;
  testAcc?: number | null;
  /** Wall seconds the test evaluation of this epoch took (its cost), when it ran. */
  testSeconds?: number | null;
  lr: number;
  /** Training seconds of this epoch. */
  seconds: number;
  /** Wall seconds since the run started, at the end of this epoch (evaluation and checkpoint included). */
  elapsed?: number;
}

/** A training-curve point within epochs: [fractional epoch, mean loss, mean accuracy] since the previous point. */
export type CurvePoint = [number, number, number];

/** One layer of the model summary. */
export interface SummaryLayer {
  name: string;
  type: string;
  outputShape: number[];
  params: number;
  multAdds: number;
}

/** The model summary: `mobilenet summary --json` and GET /v1/model's `summary`. */
export interface SummaryJson {
  arch: string;
  /** Width multiplier; null for a model read from a file without mobilenet meta.json. */
  alpha: number | null;
  inputShape: number[];
  classes: number | null;
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  multAdds: number;
  layers: SummaryLayer[];
}

/** Mult-adds and weights of one kind of layer (the V1 paper's Table 2). */
export interface BreakdownRow {
  kind: 'conv1x1' | 'depthwise' | 'conv' | 'fc';
  label: string;
  layers: number;
  multAdds: number;
  multAddsShare: number;
  params: number;
  paramsShare: number;
}

/** How uploads (and the page's drawing) become the model input: the MNIST pipeline or a plain resize. */
export type Preprocessing = 'mnist' | 'resize';

/** GET /v1/model. */
export interface ModelInfo {
  arch: string;
  preset: string | null;
  /** Dataset spec, absolute paths cut to their last part. */
  dataset: string;
  inputShape: [number, number, number];
  labels: string[];
  output: 'logits' | 'probabilities' | 'features';
  /** Per-channel mean and std on the 0..1 pixel scale: x = (pixel/255 - mean) / std. */
  normalization: { mean: number[]; std: number[]; channelOrder?: 'rgb' | 'bgr' };
  preprocessing: Preprocessing;
  /** The builder options the model was made with (alpha, inputShape, classes…). */
  options: { [option: string]: unknown };
  /** Backend the server computes on, and the one that trained the model. */
  backend: string;
  trainedOn: string;
  /** The training command, absolute paths cut to their last part. */
  command: string;
  summary: SummaryJson;
  /**
   * A quantized run (mobilenet quantize): the API runs its int8 model; the page's in-browser classifier runs the
   * float model.json it was quantized from. null for a float run.
   */
  int8: { ops: number; calibration: { method: string; images: number; data: string }; note: string } | null;
  cost: {
    totalParams: number; trainableParams: number; nonTrainableParams: number; multAdds: number;
    /** Mult-adds of the same network with standard convolutions instead of depthwise-separable ones. */
    fullConvMultAdds: number;
    breakdown: BreakdownRow[];
    note: string;
  };
  /** One row per epoch. */
  history: HistoryRow[];
  /** About 20 training points per epoch (empty for runs without one). */
  curve: CurvePoint[];
}

/** POST /v1/predict, 200. */
export interface PredictResponse {
  /** All classes best first, or the best K. */
  top: Array<{ label: string; probability: number }>;
  backend: string;
  /** The whole request, and the model call, in ms. */
  ms: number;
  modelMs: number;
  /** How many requests shared the model call. */
  batch: number;
}

/** `mobilenet embed --json`: each image (as named on the command line) → its features. */
export interface EmbedJson {
  [image: string]: number[];
}

/** Every error answer: one line. */
export interface ErrorResponse {
  error: string;
}
