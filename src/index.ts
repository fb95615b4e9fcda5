/** The public API of the `mobilenet` package. */
export { MobileNetError, OptionError, DataError } from './errors.js';
export { mobileNetV1, V1_BLOCKS } from './models/mobilenet-v1.js';
export type { MobileNetV1Options } from './models/mobilenet-v1.js';
export { mobileNetV2, V2_TABLE } from './models/mobilenet-v2.js';
export type { MobileNetV2Options } from './models/mobilenet-v2.js';
export { mobileNetV3Small, V3_SMALL_TABLE } from './models/mobilenet-v3-small.js';
export { mobileNetV3Large, V3_LARGE_TABLE } from './models/mobilenet-v3-large.js';
export type { MobileNetV3Options, V3Row } from './models/mobilenet-v3.js';
export type { MobileNetOptions, Pooling, ClassifierActivation } from './models/options.js';
export { makeDivisible } from './models/blocks.js';
export { PRESETS, ARCHS, buildModel, presetOptions, checkArch, isV3 } from './models/presets.js';
export type { Arch, PresetName, BuildOptions } from './models/presets.js';
export {
  modelCost, layerCost, separableComparison, breakdownByKind, paperTables, summaryJson, renderSummary, costReport, renderCost,
  MACS_NOTE,
} from './cost/index.js';
export type {
  LayerCost, LayerKind, ModelCost, SeparableComparison, SeparableRow, BreakdownRow, PaperRow, SummaryJson, CostReport,
} from './cost/index.js';
export { saveLayersModel, loadLayersModel } from './format/layers-format.js';
export { exportOnnx, convertToOnnx, DEFAULT_OPSET, OPSETS } from './export/onnx/index.js';
export type { ExportOnnxOptions, OnnxExport, ConvertOptions, Converted } from './export/onnx/index.js';
export { exportTfjs } from './export/tfjs-export.js';
export type { ExportTfjsOptions, TfjsExport } from './export/tfjs-export.js';
export { quantizeWeights, QUANTIZE_DTYPES } from './format/quantize.js';
export type { QuantizeDtype, Quantization } from './format/quantize.js';
export { readModelFile } from './run/model-file.js';
export type { ModelFile } from './run/model-file.js';
export { LAYER_CONVERTERS } from './export/onnx/layers.js';
export { ACTIVATIONS } from './export/onnx/activations.js';
export { measureOnnxRuntime, measureOnnxModel } from './bench/onnx-runtime.js';
export type { OrtMeasureOptions, OrtMeasurement } from './bench/onnx-runtime.js';
export { loadRun, readMeta, writeMeta, RUN_FORMAT } from './run/run-dir.js';
export { quantizeRun, DEFAULT_CALIBRATION } from './quantize/quantize-run.js';
export type { QuantizeOptions, QuantizeResult } from './quantize/quantize-run.js';
export { METHODS as CALIBRATION_METHODS } from './quantize/calibrate.js';
export type { CalibrationMethod } from './quantize/calibrate.js';
export { readInt8Model, writeInt8Model, INT8_JSON, INT8_BIN } from './run/int8-files.js';
export { INT8_FORMAT } from './engine/int8-ir.js';
export type { Int8Model, Int8Op, QTensor } from './engine/int8-ir.js';
export { referenceForward, referencePredict, quantizeInput, dequantizeOutput } from './engine/int8-reference.js';
export { Int8Engine, int8Runner } from './engine/int8-engine.js';
export type { Run, RunMeta, HistoryRow } from './run/run-dir.js';
export { initBackend } from './backend/index.js';
export type { BackendName, BackendChoice, BackendInfo } from './backend/index.js';
export { setThreads, getThreads, nativeAvailable } from './backend/index.js';
export * from './data/index.js';
export { measureTraining, measureInference } from './bench/measure.js';
export type { Measurement, MeasureOptions } from './bench/measure.js';
export { profileTrainingStep, renderProfile } from './bench/profile.js';
export { availableBackends } from './bench/backends.js';
export {
  train, resumeTraining, resolveTrainOptions, progressPrinter, loadCheckpoint, logitsModel, OPTIMIZERS, SCHEDULES,
  RECIPES, recipeFor, recomputeBatchNormStats,
} from './train/index.js';
export type {
  TrainConfig, ResumeConfig, RunControl, TrainResult, TrainOptions, TrainEvent, TrainListener, TrainState,
} from './train/index.js';
export { evaluate, predict, evaluateModel, perClassMetrics, confusionSvg, mistakesPng } from './evaluate/index.js';
export type { EvaluateOptions, Evaluation, EvalResult, ClassMetrics, Mistake, Prediction, ImagePrediction } from './evaluate/index.js';
export { embed, penultimateLayer } from './evaluate/index.js';
export type { EmbedOptions, Embeddings, ImageEmbedding } from './evaluate/index.js';
export { featureModel } from './engine/features.js';
export type { FeatureModel } from './engine/features.js';
export type { ModelInfo, PredictResponse, ErrorResponse, CurvePoint, EmbedJson } from './api-types.js';
export { pretrained } from './weights/pretrained.js';
export type { PretrainedOptions, PretrainedResult } from './weights/pretrained.js';
export { readWeightSource, applyWeights, PREPROCESS_MODES } from './weights/index.js';
export type { WeightSource, LayerWeights, ApplyResult, Preprocess } from './weights/index.js';
export { IMAGENET_LABELS } from './weights/labels.js';
export { imagenetFile, kerasCacheDir } from './weights/imagenet-files.js';
export { exportKerasH5 } from './export/keras-h5.js';
export type { ExportKerasH5Options, KerasH5Export } from './export/keras-h5.js';
