// A 1×1 convolution over oneDNN's blocked layout nChw16c (channels padded to 16), for the inference plan's chains
// of fused 1×1 + depthwise steps (fused_dw.h): a MobileNet V2 block's projection (BN folded, the residual add as a
// sum post-op in place on the skip tensor) reads the fused step's blocked output and writes the next block's
// blocked input, so the chain needs no NHWC conversions between blocks. The input is always blocked; the output is
// blocked or NHWC (converted through scratch the executor shares between its steps).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

namespace mn {
namespace plan {

class BlockedPw {
 public:
  /** x [N, H, W, IC] → [N, H, W, OC]; w [1, 1, IC, OC] (hwio), bias [OC]; copied. attr: activation, sum post-ops. */
  BlockedPw(long N, long H, long W, long IC, long OC, dnnl::stream& s, const float* w, const float* bias,
            const dnnl::primitive_attr& attr);
  /** False when oneDNN has no jit kernel for it over nChw16c (the plan runs the matmul over NHWC then). */
  bool ok() const { return ok_; }
  std::string impl() const { return impl_; }
  /** x nChw16c; y nChw16c, or NHWC when !yBlocked (through tmpOut, blockedOutSize() floats). */
  void forward(dnnl::stream& s, const float* x, float* y, bool yBlocked, float* tmpOut);
  long blockedOutSize() const { return long(dst_.get_size() / sizeof(float)); }

 private:
  bool ok_ = false;
  std::string impl_;
  dnnl::convolution_forward fwd_;
  dnnl::memory::desc src_, dst_, dstNhwc_;
  dnnl::memory w_, b_;
};

}  // namespace plan
}  // namespace mn
