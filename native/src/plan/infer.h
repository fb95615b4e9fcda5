// The inference executor: BN folded into the convolution before it, activation and residual add as oneDNN
// post-ops, 1×1 convolutions and dense layers as oneDNN matmul, buffers reused by liveness (the residual sum
// lands in place in the block input's buffer). One batch size; callers pad smaller batches.
#pragma once
#include <memory>
#include <vector>
#include "dnnl_conv.h"
#include "plan.h"

namespace mn {
namespace plan {

class InferExec {
 public:
  /** Folds and reorders the current values of `p` (call again, or rebuild, after the weights change). */
  InferExec(const Graph& g, const Params& p, long N);
  /** Runs x [N, H, W, C]; returns the output buffer [N, K] (valid until the next run). */
  const float* run(const float* x);
  long batch() const { return N_; }

 private:
  struct Step {
    const Op* op = nullptr;
    int out = -1;           // output tensor (the BN's when a BN was folded in)
    int residual = -1;      // tensor added by a sum post-op (or the standalone BN's residual)
    int act = kNone;
    bool matmul = false;
    bool inPlace = false;   // the residual's buffer is the output's: the sum post-op adds in place
    std::unique_ptr<DnnlConv> conv;
    dnnl::matmul mm;
    dnnl::memory::desc mmSrc, mmDst, mmBias;
    dnnl::memory mmW;
    std::vector<float> w, bias, a, b;  // folded weights (kept when read in place), bias; BN scale/shift
  };
  void prepare(const Params& p);
  void allocate();
  void exec(Step& s);
  float* buf(int t) {
    const int r = root_[size_t(t)];
    return r == 0 ? input_ : bufs_[size_t(slot_[size_t(r)])].data();
  }
  long elems(int t) const { return N_ * g_.tensors[t].size(); }
  long rows(int t) const { return N_ * long(g_.tensors[t].h) * g_.tensors[t].w; }

  const Graph& g_;
  long N_;
  dnnl::stream stream_;
  std::vector<Step> steps_;
  std::vector<int> root_;  // tensor → the tensor whose buffer it shares (Reshape, Dropout: aliases)
  std::vector<int> slot_;  // root tensor → buffer slot
  std::vector<std::vector<float>> bufs_;
  float* input_ = nullptr;
  bool profile_ = false;  // MOBILENET_PLAN_PROFILE=1: per-step CPU times on stderr every 10 runs
  std::vector<double> ms_;
  long runs_ = 0;
  void report();
};

}  // namespace plan
}  // namespace mn
