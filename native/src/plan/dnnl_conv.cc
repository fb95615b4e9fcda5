// oneDNN convolution primitives for the plan (see dnnl_conv.h).
#include "dnnl_conv.h"
#include "plan.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace plan {
namespace {

memory::desc weightsDesc(const ConvGeom& g, bool any) {
  if (g.G == 1) return {{g.OC, g.IC, g.K, g.K}, dt::f32, any ? tag::any : tag::hwio};
  return {{g.G, g.OC / g.G, g.IC / g.G, g.K, g.K}, dt::f32, any ? tag::any : tag::hwigo};
}

/** Copies between a user buffer and a primitive-layout memory (either direction). */
void reorderTo(stream& s, const memory::desc& fromD, const float* from, memory to) {
  memory src(fromD, planEngine(), const_cast<float*>(from));
  reorder(src, to).execute(s, src, to);
}
void reorderFrom(stream& s, memory from, const memory::desc& toD, float* to) {
  memory dst(toD, planEngine(), to);
  reorder(from, dst).execute(s, from, dst);
}

}  // namespace

DnnlConv::DnnlConv(const ConvGeom& g, bool training, bool bias, const primitive_attr& attr) : g_(g), bias_(bias) {
  src_ = memory::desc({g.N, g.IC, g.IH, g.IW}, dt::f32, tag::nhwc);
  dst_ = memory::desc({g.N, g.OC, g.OH, g.OW}, dt::f32, tag::nhwc);
  userW_ = weightsDesc(g, false);
  biasD_ = bias ? memory::desc({g.OC}, dt::f32, tag::x) : memory::desc();
  memory::dims st{g.S, g.S}, pl{g.PT, g.PL}, pr{g.PB, g.PR};
  auto pk = training ? prop_kind::forward_training : prop_kind::forward_inference;
  convolution_forward::desc fd(pk, algorithm::convolution_direct, src_, weightsDesc(g, true), biasD_, dst_, st, pl, pr);
  convolution_forward::primitive_desc fpd(fd, attr, planEngine());
  fwd_ = convolution_forward(fpd);
  fwdW_ = memory(fpd.weights_desc(), planEngine());
  fwdReorder_ = fpd.weights_desc() != userW_;
  if (!training) return;
  convolution_backward_data::desc bdd(algorithm::convolution_direct, src_, weightsDesc(g, true), dst_, st, pl, pr);
  convolution_backward_data::primitive_desc bdpd(bdd, planEngine(), fpd);
  bwdData_ = convolution_backward_data(bdpd);
  bwdDataWDesc_ = bdpd.weights_desc();
  bwdDataReorder_ = bwdDataWDesc_ != fpd.weights_desc();
  if (bwdDataReorder_) bwdDataW_ = memory(bwdDataWDesc_, planEngine());
  convolution_backward_weights::desc bwd(algorithm::convolution_direct, src_, weightsDesc(g, true), biasD_, dst_, st,
                                         pl, pr);
  convolution_backward_weights::primitive_desc bwpd(bwd, planEngine(), fpd);
  bwdW_ = convolution_backward_weights(bwpd);
  bwdWReorder_ = bwpd.diff_weights_desc() != userW_;
  if (bwdWReorder_) bwdWDiff_ = memory(bwpd.diff_weights_desc(), planEngine());
}

void DnnlConv::setWeights(stream& s, const float* w) {
  if (fwdReorder_) reorderTo(s, userW_, w, fwdW_);
  else fwdW_.set_data_handle(const_cast<float*>(w));
  if (bwdDataReorder_) reorder(fwdW_, bwdDataW_).execute(s, fwdW_, bwdDataW_);
}

void DnnlConv::forward(stream& s, const float* x, const float* bias, float* y) {
  memory X(src_, planEngine(), const_cast<float*>(x)), Y(dst_, planEngine(), y);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, fwdW_}, {DNNL_ARG_DST, Y}};
  if (bias_) args[DNNL_ARG_BIAS] = memory(biasD_, planEngine(), const_cast<float*>(bias));
  fwd_.execute(s, args);
}

void DnnlConv::backwardData(stream& s, const float* dy, float* dx) {
  memory DY(dst_, planEngine(), const_cast<float*>(dy)), DX(src_, planEngine(), dx);
  bwdData_.execute(s, {{DNNL_ARG_DIFF_DST, DY}, {DNNL_ARG_WEIGHTS, bwdDataReorder_ ? bwdDataW_ : fwdW_},
                       {DNNL_ARG_DIFF_SRC, DX}});
}

void DnnlConv::backwardWeights(stream& s, const float* x, const float* dy, float* dw, float* dbias) {
  memory X(src_, planEngine(), const_cast<float*>(x)), DY(dst_, planEngine(), const_cast<float*>(dy));
  memory DW = bwdWReorder_ ? bwdWDiff_ : memory(userW_, planEngine(), dw);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, X}, {DNNL_ARG_DIFF_DST, DY}, {DNNL_ARG_DIFF_WEIGHTS, DW}};
  if (bias_) args[DNNL_ARG_DIFF_BIAS] = memory(biasD_, planEngine(), dbias);
  bwdW_.execute(s, args);
  if (bwdWReorder_) reorderFrom(s, bwdWDiff_, userW_, dw);
}

}  // namespace plan
}  // namespace mn
