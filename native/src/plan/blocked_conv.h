// A convolution over oneDNN's blocked layout nChw16c (channels padded to 16), for the inference plan's chains of
// fused 1×1 + depthwise steps (fused_dw.h): a MobileNet V2 block's projection (BN folded, the residual add as a sum
// post-op in place on the skip tensor) reads the fused step's blocked output and writes the next block's blocked
// input, and the stem convolution and the depthwise after it write blocked maps, so a chain needs no NHWC
// conversions between its steps. The input is blocked, or NHWC for a first convolution (few input channels: the
// image), which oneDNN 2.6.3 runs in its jit kernel only from plain NCHW (from NHWC: its reference kernel), so the
// image is converted to NCHW first; the output is blocked, or NHWC (converted through scratch the executor shares
// between its steps).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include "dnnl_conv.h"

namespace mn {
namespace plan {

/** The plan's activation code (then the residual sum) as oneDNN post-ops. */
dnnl::primitive_attr planPostOps(int act, bool residual);

class BlockedConv {
 public:
  /**
   * g: the convolution (G = IC: depthwise); w in TF.js's layout (standard hwio, depthwise hwigo), bias [OC]; both
   * copied. attr: activation and sum post-ops. srcBlocked false: the input is NHWC.
   */
  BlockedConv(const ConvGeom& g, bool srcBlocked, dnnl::stream& s, const float* w, const float* bias,
              const dnnl::primitive_attr& attr);
  /** False when oneDNN has no jit kernel for it over these layouts (the plan runs its NHWC primitive then). */
  bool ok() const { return ok_; }
  bool srcBlocked() const { return srcBlocked_; }
  std::string impl() const { return impl_; }
  /**
   * x nChw16c, or NHWC when !srcBlocked() (converted through tmpIn, plainInSize() floats); y nChw16c, or NHWC when
   * !yBlocked (through tmpOut, blockedOutSize() floats).
   */
  void forward(dnnl::stream& s, const float* x, float* y, bool yBlocked, float* tmpIn, float* tmpOut);
  long blockedOutSize() const { return long(dst_.get_size() / sizeof(float)); }
  long plainInSize() const { return srcBlocked_ ? 0 : long(src_.get_size() / sizeof(float)); }

 private:
  bool ok_ = false, srcBlocked_ = true;
  std::string impl_;
  dnnl::convolution_forward fwd_;
  dnnl::memory::desc src_, dst_, srcNhwc_, dstNhwc_;
  dnnl::memory w_, b_;
};

}  // namespace plan
}  // namespace mn
