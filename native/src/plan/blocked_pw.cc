// The 1×1 convolution over nChw16c (see blocked_pw.h).
#include "blocked_pw.h"
#include "plan.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace plan {

BlockedPw::BlockedPw(long N, long H, long W, long IC, long OC, stream& s, const float* w, const float* bias,
                     const primitive_attr& attr) {
  src_ = memory::desc({N, IC, H, W}, dt::f32, tag::nChw16c);
  dst_ = memory::desc({N, OC, H, W}, dt::f32, tag::nChw16c);
  dstNhwc_ = memory::desc({N, OC, H, W}, dt::f32, tag::nhwc);
  const memory::desc biasD({OC}, dt::f32, tag::x);
  convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct, src_,
                              memory::desc({OC, IC, 1, 1}, dt::f32, tag::any), biasD, dst_, {1, 1}, {0, 0}, {0, 0});
  convolution_forward::primitive_desc pd;
  try {
    pd = convolution_forward::primitive_desc(d, attr, planEngine());
  } catch (const dnnl::error&) {
    return;
  }
  impl_ = pd.impl_info_str();
  if (impl_.rfind("jit", 0) != 0 || pd.src_desc() != src_ || pd.dst_desc() != dst_) return;
  fwd_ = convolution_forward(pd);
  w_ = memory(pd.weights_desc(), planEngine());
  memory user({{OC, IC, 1, 1}, dt::f32, tag::hwio}, planEngine(), const_cast<float*>(w));
  reorder(user, w_).execute(s, user, w_);
  b_ = memory(pd.bias_desc(), planEngine());
  memory userB(biasD, planEngine(), const_cast<float*>(bias));
  reorder(userB, b_).execute(s, userB, b_);
  s.wait();
  ok_ = true;
}

void BlockedPw::forward(stream& s, const float* x, float* y, bool yBlocked, float* tmpOut) {
  memory X(src_, planEngine(), const_cast<float*>(x));
  memory Y(dst_, planEngine(), yBlocked ? y : tmpOut);
  fwd_.execute(s, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, w_}, {DNNL_ARG_BIAS, b_}, {DNNL_ARG_DST, Y}});
  if (!yBlocked) {
    memory user(dstNhwc_, planEngine(), y);
    reorder(Y, user).execute(s, Y, user);
  }
}

}  // namespace plan
}  // namespace mn
