// The training executor: one batch size, buffers allocated once, a whole step (forward, softmax cross-entropy,
// backward, BN moving statistics, optimizer update) per call.
#pragma once
#include <memory>
#include <vector>
#include "dnnl_conv.h"
#include "plan.h"

namespace mn {
namespace plan {

struct StepResult {
  double loss = 0;
  long correct = 0;
  long backwardOps = 0;  // ops whose backward ran (none below the lowest trainable layer)
};

struct StepConfig {
  OptConfig opt;
  float labelSmoothing = 0.f;
  uint64_t seed = 0;  // dropout masks: a function of (seed, step)
  bool update = true; // false: forward + backward only (gradients left in Params::grad)
  /** EMA of the weights after the update: e ← d·e + (1 − d)·w, d = min(decay, (1 + t)/(10 + t)); 0: none. */
  double emaDecay = 0;
};

/**
 * Activation and gradient buffers shared by the training executors of one model (one runs at a time, under the
 * model's lock): an epoch's last, smaller batch (and precise BN's passes) run in the full batch's memory instead of
 * a second copy. Each executor grows what it needs and re-reads the addresses at every call (bind()).
 */
using Buffer = std::vector<float>;

struct TrainBuffers {
  std::vector<Buffer> val, grad, pre;  // per tensor (val, grad) and per op (pre-activation)
  Buffer scratchG, scratchX;
};

class TrainExec {
 public:
  TrainExec(const Graph& g, Params& p, long N, TrainBuffers& buffers);
  /** One optimisation step on x [N, H, W, C] with integer labels. */
  StepResult step(const float* x, const int32_t* labels, const StepConfig& cfg);
  /** Forward in training mode only (batch statistics); returns the output tensor's buffer. */
  const float* forward(const float* x, uint64_t seed, uint64_t step, bool updateStats);
  /** Batch statistics of BN op `op` from the last forward (mean, biased variance). */
  void batchStats(int op, float* mean, float* var) const;
  long batch() const { return N_; }

 private:
  struct OpState {
    std::unique_ptr<DnnlConv> conv;  // k×k or depthwise through oneDNN; null for GEMM paths
    bool gemm = false;               // 1×1 stride-1 convolution or dense as a matrix product
    bool smallDwGrad = false;        // depthwise weight gradient by our loop (tiny maps)
    std::vector<float> mean, var, invstd, a, b;
    bool pre = false;  // keeps its pre-activation (buffers.pre[op]) for the backward pass
  };
  /** Points val_ / grad_ at the shared buffers (they may have moved since the last call). */
  void bind();
  void forwardOp(size_t i, uint64_t seed, uint64_t step, bool updateStats);
  /** Whether op i had a gradient to pass back (false: nothing to do, e.g. below the lowest trainable layer). */
  bool backwardOp(size_t i, uint64_t seed, uint64_t step);
  float* val(int t) { return val_[t]; }
  /** The gradient buffer of tensor t and whether the writer must add into it (claims it on first use). */
  float* gradFor(int t, bool* acc);
  long rows(int t) const { return N_ * long(g_.tensors[t].h) * g_.tensors[t].w; }
  long elems(int t) const { return N_ * g_.tensors[t].size(); }

  const Graph& g_;
  Params& p_;
  long N_;
  dnnl::stream stream_;
  std::vector<int> root_;
  TrainBuffers& buf_;
  std::vector<float*> val_, grad_;
  std::vector<char> gradSet_, needGrad_;
  std::vector<OpState> st_;
  bool profile_ = false;  // MOBILENET_PLAN_PROFILE=1: per-op times on stderr every 10 steps
  std::vector<double> fwdMs_, bwdMs_;
  long profiled_ = 0;
  void report();  // gradient before an activation; oneDNN's dx before adding
};

/** TF.js's optimizer arithmetic over every trainable parameter (one parallel region). */
void applyOptimizer(const Graph& g, Params& p, const OptConfig& o);
/** Folds the weights after step t (1-based) into Params::ema (allocated: the caller started it). */
void applyEma(const Graph& g, Params& p, double decay, long t);

}  // namespace plan
}  // namespace mn
