/** Evaluation and prediction on trained run directories. */
export { evaluate, predict, datasetForRun } from './evaluate.js';
export type { EvaluateOptions, Evaluation, Prediction, ImagePrediction } from './evaluate.js';
export { embed, penultimateLayer } from './embed.js';
export type { EmbedOptions, Embeddings, ImageEmbedding } from './embed.js';
export { evaluateModel, perClassMetrics } from './metrics.js';
export type { EvalResult, ClassMetrics, Mistake } from './metrics.js';
export { confusionSvg, lineChart } from './svg.js';
export { mistakesPng, gridPixels } from './grid.js';
export { confusionText } from './text.js';
