// One convolution (standard or depthwise) as oneDNN primitives over NHWC activations: forward (with bias and
// post-ops for inference), backward data and backward weights (training). Weights are given in TF.js's layouts —
// standard [KH, KW, IC, OC] (hwio), depthwise [KH, KW, C, M] (hwigo, G = C) — and reordered to the layout the
// primitive prefers.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

namespace mn {
namespace plan {

struct ConvGeom {
  long N, IH, IW, IC, OH, OW, OC, K, S, PT, PL, PB, PR, G;
  long srcSize() const { return N * IH * IW * IC; }
  long dstSize() const { return N * OH * OW * OC; }
  long wSize() const { return K * K * (IC / G) * OC; }
};

class DnnlConv {
 public:
  /** training: forward_training + both backward primitives; else forward_inference with `attr` (post-ops). */
  DnnlConv(const ConvGeom& g, bool training, bool bias, const dnnl::primitive_attr& attr = dnnl::primitive_attr());
  /** Copies user-layout weights into the primitive's layout (inference: once; training: every step). */
  void setWeights(dnnl::stream& s, const float* w);
  /** y = conv(x) (+ bias) with the attr's post-ops (a sum post-op reads y first). */
  void forward(dnnl::stream& s, const float* x, const float* bias, float* y);
  /** Whether the forward primitive reads the user-layout weights given to setWeights in place. */
  bool keepsUserWeights() const { return !fwdReorder_; }
  /** dx = conv_backward_data(dy) with the weights last given to setWeights. */
  void backwardData(dnnl::stream& s, const float* dy, float* dx);
  /** dw (user layout) = conv_backward_weights(x, dy); dbias when bias. */
  void backwardWeights(dnnl::stream& s, const float* x, const float* dy, float* dw, float* dbias);

 private:
  ConvGeom g_;
  bool bias_;
  dnnl::memory::desc src_, dst_, userW_, biasD_;
  dnnl::convolution_forward fwd_;
  dnnl::convolution_backward_data bwdData_;
  dnnl::convolution_backward_weights bwdW_;
  dnnl::memory fwdW_, bwdDataW_, bwdWDiff_;  // weights in each primitive's layout
  bool fwdReorder_ = false, bwdDataReorder_ = false, bwdWReorder_ = false;
  dnnl::memory::desc bwdDataWDesc_;
};

}  // namespace plan
}  // namespace mn
