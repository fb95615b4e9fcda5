// A 1×1 convolution with the 3×3 depthwise convolution that reads its output fused in (oneDNN's depthwise
// post-op): the intermediate map never goes to memory, each thread keeps a few rows of it in cache. oneDNN 2.6
// runs it in its jit 1×1 kernel, only when the intermediate is larger than twice the threads' L2 caches and its
// channels are a multiple of 16; elsewhere ok() is false and the plan runs the two ops apart. Input and output are
// in oneDNN's blocked layout nChw16c (channels padded to 16): 2.6.3's fused kernel over NHWC computes garbage
// (measured: max error 1.7 on outputs of 1.8, up to 1e38 with 64+ input channels). A step converts from and to
// NHWC itself where its neighbours are not fused steps (inBlocked / outBlocked false).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

namespace mn {
namespace plan {

struct PwDwGeom {
  long N, H, W, IC, C;   // 1×1: [N, H, W, IC] → [N, H, W, C]
  long S, PT, PL;        // the depthwise's stride and top/left padding (right/bottom follow, as in oneDNN)
  long OH, OW;           // the depthwise output
  int act1, act2;        // activations after the 1×1 and after the depthwise (the plan's codes)
};

class FusedPwDw {
 public:
  /**
   * pwW [1, 1, IC, C] (hwio), dwW [3, 3, C, 1] (TF.js's depthwise layout), biases [C]; the weights are copied.
   * ok() is false when oneDNN has no fused kernel for this shape (nothing else is usable then).
   */
  FusedPwDw(const PwDwGeom& g, dnnl::stream& s, const float* pwW, const float* pwB, const float* dwW,
            const float* dwB);
  bool ok() const { return ok_; }
  std::string impl() const { return impl_; }
  /**
   * x: NHWC, or nChw16c when xBlocked; y likewise. An NHWC side converts through tmpIn (blockedInSize() floats) or
   * tmpOut (blockedOutSize()), scratch the executor shares between its steps.
   */
  void forward(dnnl::stream& s, const float* x, bool xBlocked, float* y, bool yBlocked, float* tmpIn, float* tmpOut);
  /** Floats of the nChw16c input and output (channels padded to a multiple of 16). */
  long blockedInSize() const { return long(src_.get_size() / sizeof(float)); }
  long blockedOutSize() const { return long(dst_.get_size() / sizeof(float)); }
  /** Whether the depthwise's padding and output size are the ones oneDNN's post-op computes (its only form). */
  static bool fits(long H, long W, long K, long S, long PT, long PL, long PB, long PR, long OH, long OW);

 private:
  bool ok_ = false;
  std::string impl_;
  dnnl::convolution_forward fwd_;
  dnnl::memory::desc src_, dst_, srcNhwc_, dstNhwc_;
  dnnl::memory pwW_, pwB_, dwW_, dwB_;
};

}  // namespace plan
}  // namespace mn
