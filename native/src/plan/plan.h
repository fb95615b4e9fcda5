// A compiled MobileNet: the graph a plan executes (ops over NHWC tensors, parameters) and the shared pieces of
// the training and inference executors. No TF.js knowledge: shapes, op codes and float buffers only.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mn {
namespace plan {

/** Activation applied after an op (and its derivative in backward). Numbers are the JS side's codes. */
enum Act : int { kNone = 0, kRelu = 1, kRelu6 = 2, kHardSwish = 3, kHardSigmoid = 4 };

enum class OpType {
  Conv,       // k×k convolution, groups 1: in [x], params [w (hwio), bias?]
  Depthwise,  // k×k depthwise, channel multiplier `mult`: in [x], params [w (hw C mult), bias?]
  BatchNorm,  // in [y] or [y, residual]: out = act(bn(y)) (+ residual); params [gamma, beta, mean, var]
  Act,        // in [x]: out = act(x)
  Add,        // in [a, b]: out = a + b
  Mul,        // in [x, s]: out = x · s, s [1, 1, C] broadcast over H, W (squeeze-and-excitation)
  GlobalAvgPool,  // in [x] [H, W, C]: out [1, 1, C]
  Dense,      // in [x] (flattened): out = x·W + b (+ act); params [w (in, out), bias?]
  Dropout,    // in [x]: training: out = x · mask / (1 - rate); inference: identity
  Reshape,    // in [x]: same data, another shape
  Rescale,    // in [x]: out = x · scale + offset
  Softmax,    // in [x] [K]: softmax over the last axis (inference only)
};

/** Per-image shape of a tensor (NHWC without N). Flat tensors are [1, 1, C]. */
struct Shape {
  int h = 1, w = 1, c = 1;
  long size() const { return long(h) * w * c; }
};

struct Op {
  OpType type;
  std::vector<int> in;  // tensor ids
  int out = -1;
  std::vector<int> params;  // parameter ids, in the op's order
  int k = 1, stride = 1, pt = 0, pl = 0, pb = 0, pr = 0, mult = 1;
  bool bias = false;
  /** BatchNorm in inference mode (a frozen layer, as Keras): moving statistics normalise and are not updated. */
  bool frozen = false;
  int act = kNone;
  float eps = 1e-3f, momentum = 0.99f, rate = 0.f, scale = 1.f, offset = 0.f;
  std::string name;
};

struct Graph {
  std::vector<Shape> tensors;  // tensor 0 is the input
  std::vector<long> paramSizes;
  std::vector<bool> trainable;
  std::vector<bool> decay;  // receives weight decay (convolution and dense kernels)
  std::vector<Op> ops;  // topological order
  int output = -1;      // the tensor the plan returns (logits for training)
  /** Number of ops that read each tensor (filled by finalize()). */
  std::vector<int> consumers;
  /** Convolution and dense multiply-adds per image (filled by finalize()). */
  double macsPerImage = 0;
  void finalize();
};

/** Parameters and optimizer state, shared by the executors of one model (any batch size). */
struct Params {
  std::vector<std::vector<float>> value, grad, slot1, slot2;
  /** Exponential moving average of the trainable weights (empty until the caller writes it: EMA off). */
  std::vector<std::vector<float>> ema;
  long iterations = 0;  // optimizer steps taken (Adam's t)
  explicit Params(const Graph& g);
};

/** Optimizer settings for one step (TF.js's arithmetic; see optimizer.cc). */
struct OptConfig {
  int kind = 0;  // 0 adam, 1 sgd with momentum, 2 rmsprop
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-7f, momentum = 0.9f, rho = 0.9f;
  float weightDecay = 0.f;  // decoupled (AdamW-style): w ← w − lr·wd·w, for params flagged in decayMask
};

dnnl::engine& planEngine();

}  // namespace plan
}  // namespace mn
