// The fused 1×1 + depthwise convolution (see fused_dw.h).
#include "fused_dw.h"
#include <cstring>
#include "jit_pd.h"
#include "plan.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace plan {
bool FusedPwDw::fits(long H, long W, long K, long S, long PT, long PL, long PB, long PR, long OH, long OW) {
  if (K != 3 || (S != 1 && S != 2) || PT != PL || PT < 0 || PT > 1) return false;
  const long oh = (H + S - 1) / S, ow = (W + S - 1) / S;  // oneDNN: div_up(ih, stride)
  return oh == OH && ow == OW && PB == (oh - 1) * S - H + K - PT && PR == (ow - 1) * S - W + K - PL;
}

FusedPwDw::FusedPwDw(const PwDwGeom& g, stream& s, const float* pwW, const float* pwB, const float* dwW,
                     const float* dwB) {
  srcNhwc_ = memory::desc({g.N, g.IC, g.H, g.W}, dt::f32, tag::nhwc);
  dstNhwc_ = memory::desc({g.N, g.C, g.OH, g.OW}, dt::f32, tag::nhwc);
  src_ = memory::desc({g.N, g.IC, g.H, g.W}, dt::f32, tag::nChw16c);
  const memory::desc mid({g.N, g.C, g.H, g.W}, dt::f32, tag::nChw16c);
  dst_ = memory::desc({g.N, g.C, g.OH, g.OW}, dt::f32, tag::nChw16c);
  const memory::desc bias({g.C}, dt::f32, tag::x);
  post_ops po;
  appendPlanAct(po, g.act1);
  po.append_dw(dt::f32, dt::f32, dt::f32, 3, g.S, g.PT, 0, {});
  appendPlanAct(po, g.act2);
  primitive_attr attr;
  attr.set_post_ops(po);
  convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct, src_,
                              memory::desc({g.C, g.IC, 1, 1}, dt::f32, tag::any), bias, mid, {1, 1}, {0, 0}, {0, 0});
  convolution_forward::primitive_desc pd;
  // Only oneDNN's jit kernel fuses; its reference fallback runs the two apart through a scratch map (no gain).
  if (!jitConvPd(d, attr, "jit_1x1", src_, dst_, pd, impl_)) return;
  const memory::desc dwWD = pd.query_md(query::exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS);
  const memory::desc dwBD = pd.query_md(query::exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS);
  if (dwWD.get_size() == 0 || dwBD.get_size() == 0) return;
  fwd_ = convolution_forward(pd);
  pwW_ = copyInto(s, memory::desc({g.C, g.IC, 1, 1}, dt::f32, tag::hwio), pwW, pd.weights_desc());
  pwB_ = copyInto(s, bias, pwB, pd.bias_desc());
  dwW_ = copyInto(s, memory::desc({g.C, 1, 1, 3, 3}, dt::f32, tag::hwigo), dwW, dwWD);
  dwB_ = copyInto(s, bias, dwB, dwBD);
  ok_ = true;
}

void FusedPwDw::forward(stream& s, const float* x, bool xBlocked, float* y, bool yBlocked, float* tmpIn,
                        float* tmpOut) {
  memory X(src_, planEngine(), xBlocked ? const_cast<float*>(x) : tmpIn);
  memory Y(dst_, planEngine(), yBlocked ? y : tmpOut);
  if (!xBlocked) {
    memory user(srcNhwc_, planEngine(), const_cast<float*>(x));
    reorder(user, X).execute(s, user, X);
  }
  fwd_.execute(s, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, pwW_}, {DNNL_ARG_BIAS, pwB_}, {DNNL_ARG_DST, Y},
                   {DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS, dwW_}, {DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS, dwB_}});
  if (!yBlocked) {
    memory user(dstNhwc_, planEngine(), y);
    reorder(Y, user).execute(s, Y, user);
  }
}

}  // namespace plan
}  // namespace mn
