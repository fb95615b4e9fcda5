// The inference executor: BN folded into the convolution before it, activation and residual add as oneDNN
// post-ops, 1×1 convolutions and dense layers as oneDNN matmul, buffers reused by liveness (the residual sum
// lands in place in the block input's buffer). One batch size; callers pad smaller batches.
#pragma once
#include <memory>
#include <vector>
#include "blocked_conv.h"
#include "dnnl_conv.h"
#include "fused_dw.h"
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
  /**
   * Convolutions run over nChw16c in chains of fused steps (pointwise: only 1×1 ones; withResidual: only those
   * adding a residual).
   */
  int blockedSteps(bool pointwise, bool withResidual) const {
    int k = 0;
    for (const Step& s : steps_) k += s.bconv && (!pointwise || s.matmul) && (!withResidual || s.residual >= 0);
    return k;
  }
  /** NHWC ↔ nChw16c conversions a run makes (fused and bconv steps with an NHWC side). */
  int conversions() const {
    int k = 0;
    for (const Step& s : steps_) k += (s.fused && !s.inBlocked) + ((s.fused || s.bconv) && !s.outBlocked);
    return k;
  }
  /** Steps that run a 1×1 convolution with the depthwise after it fused in. */
  int fusedSteps() const {
    int k = 0;
    for (const Step& s : steps_) k += s.fused ? 1 : 0;
    return k;
  }

 private:
  struct Step {
    const Op* op = nullptr;
    int out = -1;           // output tensor (the BN's when a BN was folded in)
    int residual = -1;      // tensor added by a sum post-op (or the standalone BN's residual)
    int act = kNone;
    bool matmul = false;
    bool inPlace = false;   // the residual's buffer is the output's: the sum post-op adds in place
    std::unique_ptr<DnnlConv> conv;
    std::unique_ptr<FusedPwDw> fused;  // a 1×1 convolution with the depthwise after it (that op absorbed)
    std::unique_ptr<BlockedConv> bconv;  // the convolution over nChw16c (a step in a blocked chain)
    std::vector<float> twinW;            // folded weights, until buildTwins has built bconv from them
    bool inBlocked = false, outBlocked = false;  // fused, bconv: input / output tensor kept in nChw16c
    dnnl::matmul mm;
    dnnl::memory::desc mmSrc, mmDst, mmBias;
    dnnl::memory mmW;
    std::vector<float> w, bias, a, b;  // folded weights (kept when read in place), bias; BN scale/shift
  };
  struct Fold {
    int out, act, residual, bn;  // output tensor, activation, residual after the fold; the BN's op (or -1)
  };
  Fold foldBn(const Params& p, size_t i, std::vector<float>& w, std::vector<float>& bias) const;
  void weightsOf(const Params& p, size_t i, std::vector<float>& w, std::vector<float>& bias) const;
  bool tryFuse(const Params& p, size_t i, const Fold& f, const std::vector<float>& w, const std::vector<float>& bias,
               Step& s, std::vector<char>& absorbed);
  void prepare(const Params& p);
  void buildTwins();
  void chooseLayouts();
  void allocate();
  void exec(Step& s);
  float* buf(int t) {
    const int r = root_[size_t(t)];
    return r == 0 ? input_ : bufs_[size_t(slot_[size_t(r)])].data();
  }
  long elems(int t) const { return N_ * g_.tensors[t].size(); }
  /** Floats a tensor's buffer holds: nChw16c tensors pad their channels. */
  long bufElems(int t) const { return blocked_[size_t(t)] ? rows(t) * ((g_.tensors[t].c + 15) / 16 * 16) : elems(t); }
  long rows(int t) const { return N_ * long(g_.tensors[t].h) * g_.tensors[t].w; }

  const Graph& g_;
  long N_;
  dnnl::stream stream_;
  std::vector<Step> steps_;
  std::vector<int> root_;  // tensor → the tensor whose buffer it shares (Reshape, Dropout: aliases)
  std::vector<int> slot_;  // root tensor → buffer slot
  std::vector<char> blocked_;  // tensor → kept in nChw16c (written and read only by fused and bconv steps)
  std::vector<float> toBlocked_, fromBlocked_;  // fused steps' NHWC conversions (shared: steps run one at a time)
  std::vector<std::vector<float>> bufs_;
  float* input_ = nullptr;
  bool fuseDw_ = true;     // MOBILENET_PLAN_FUSE_DW=0: never fuse a depthwise into the 1×1 before it
  bool blockedChain_ = true;  // MOBILENET_PLAN_BLOCKED=0: only fused steps run over nChw16c (others convert)
  bool profile_ = false;  // MOBILENET_PLAN_PROFILE=1: per-step CPU times on stderr every 10 runs
  std::vector<double> ms_;
  long runs_ = 0;
  void report();
};

}  // namespace plan
}  // namespace mn
