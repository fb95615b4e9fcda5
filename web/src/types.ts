/** The parts of GET /v1/model the page uses (see src/serve/model-info.ts). */
export interface HistoryRow {
  epoch: number; trainLoss: number; trainAcc: number; valLoss: number | null; valAcc: number | null; lr: number; seconds: number;
}

export interface ModelInfo {
  arch: string;
  preset: string | null;
  dataset: string;
  inputShape: [number, number, number];
  labels: string[];
  output: 'logits' | 'probabilities';
  normalization: { mean: number[]; std: number[] };
  preprocessing: 'mnist' | 'resize';
  options: Record<string, unknown>;
  backend: string;
  trainedOn: string;
  command: string;
  summary: {
    totalParams: number; trainableParams: number; nonTrainableParams: number; multAdds: number;
    layers: Array<{ name: string; type: string; outputShape: number[]; params: number; multAdds: number }>;
  };
  cost: {
    totalParams: number; multAdds: number; fullConvMultAdds: number; note: string;
    breakdown: Array<{ label: string; layers: number; multAdds: number; multAddsShare: number; params: number; paramsShare: number }>;
  };
  history: HistoryRow[];
}
