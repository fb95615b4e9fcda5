// The convolution over nChw16c (see blocked_conv.h).
#include "blocked_conv.h"
#include "jit_pd.h"
#include "plan.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace plan {

primitive_attr planPostOps(int act, bool residual) {
  post_ops po;
  appendPlanAct(po, act);
  if (residual) po.append_sum(1.f);
  primitive_attr attr;
  attr.set_post_ops(po);
  return attr;
}

BlockedConv::BlockedConv(const ConvGeom& g, bool srcBlocked, stream& s, const float* w, const float* bias,
                         const primitive_attr& attr)
    : srcBlocked_(srcBlocked) {
  src_ = memory::desc({g.N, g.IC, g.IH, g.IW}, dt::f32, srcBlocked ? tag::nChw16c : tag::nchw);
  srcNhwc_ = memory::desc({g.N, g.IC, g.IH, g.IW}, dt::f32, tag::nhwc);
  dst_ = memory::desc({g.N, g.OC, g.OH, g.OW}, dt::f32, tag::nChw16c);
  dstNhwc_ = memory::desc({g.N, g.OC, g.OH, g.OW}, dt::f32, tag::nhwc);
  const memory::desc biasD({g.OC}, dt::f32, tag::x);
  const bool dw = g.G > 1;
  const memory::desc userW = dw ? memory::desc({g.G, g.OC / g.G, g.IC / g.G, g.K, g.K}, dt::f32, tag::hwigo)
                                : memory::desc({g.OC, g.IC, g.K, g.K}, dt::f32, tag::hwio);
  const memory::desc anyW = dw ? memory::desc({g.G, g.OC / g.G, g.IC / g.G, g.K, g.K}, dt::f32, tag::any)
                               : memory::desc({g.OC, g.IC, g.K, g.K}, dt::f32, tag::any);
  convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct, src_, anyW, biasD, dst_,
                              {g.S, g.S}, {g.PT, g.PL}, {g.PB, g.PR});
  convolution_forward::primitive_desc pd;
  if (!jitConvPd(d, attr, "jit", src_, dst_, pd, impl_)) return;
  fwd_ = convolution_forward(pd);
  w_ = copyInto(s, userW, w, pd.weights_desc());
  b_ = copyInto(s, biasD, bias, pd.bias_desc());
  ok_ = true;
}

void BlockedConv::forward(stream& s, const float* x, float* y, bool yBlocked, float* tmpIn, float* tmpOut) {
  memory X(src_, planEngine(), srcBlocked_ ? const_cast<float*>(x) : tmpIn);
  if (!srcBlocked_) {
    memory user(srcNhwc_, planEngine(), const_cast<float*>(x));
    reorder(user, X).execute(s, user, X);
  }
  memory Y(dst_, planEngine(), yBlocked ? y : tmpOut);
  fwd_.execute(s, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, w_}, {DNNL_ARG_BIAS, b_}, {DNNL_ARG_DST, Y}});
  if (!yBlocked) {
    memory user(dstNhwc_, planEngine(), y);
    reorder(Y, user).execute(s, Y, user);
  }
}

}  // namespace plan
}  // namespace mn
