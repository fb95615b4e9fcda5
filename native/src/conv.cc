// Convolutions (standard and grouped/depthwise) over oneDNN, NHWC activations, TF.js filter layouts:
// standard [kh, kw, in, out] (hwio); depthwise [kh, kw, C, mult] (grouped hwigo, G = C).
// Shape vector (18 ints): N IH IW IC OH OW OC KH KW SH SW DH DW PT PL PB PR G (dilations as TF.js, >= 1).
#include <memory>
#include <unordered_map>
#include "common.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace {

struct Shape {
  int N, IH, IW, IC, OH, OW, OC, KH, KW, SH, SW, DH, DW, PT, PL, PB, PR, G;
  explicit Shape(const std::vector<int>& p)
      : N(p[0]), IH(p[1]), IW(p[2]), IC(p[3]), OH(p[4]), OW(p[5]), OC(p[6]), KH(p[7]), KW(p[8]),
        SH(p[9]), SW(p[10]), DH(p[11]), DW(p[12]), PT(p[13]), PL(p[14]), PB(p[15]), PR(p[16]),
        G(p[17]) {}
  memory::desc src() const { return {{N, IC, IH, IW}, dt::f32, tag::nhwc}; }
  memory::desc dst() const { return {{N, OC, OH, OW}, dt::f32, tag::nhwc}; }
  memory::desc weights(bool any) const {
    if (G == 1) return {{OC, IC, KH, KW}, dt::f32, any ? tag::any : tag::hwio};
    return {{G, OC / G, IC / G, KH, KW}, dt::f32, any ? tag::any : tag::hwigo};
  }
  memory::dims strides() const { return {SH, SW}; }
  memory::dims dilates() const { return {DH - 1, DW - 1}; }
  memory::dims padL() const { return {PT, PL}; }
  memory::dims padR() const { return {PB, PR}; }
  size_t srcSize() const { return size_t(N) * IH * IW * IC; }
  size_t dstSize() const { return size_t(N) * OH * OW * OC; }
  size_t wSize() const { return size_t(KH) * KW * (IC / G) * OC; }
};

convolution_forward::primitive_desc fwdPd(const Shape& s, bool bias, int act) {
  memory::desc b = bias ? memory::desc({s.OC}, dt::f32, tag::x) : memory::desc();
  convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, s.src(),
                              s.weights(true), b, s.dst(), s.strides(), s.dilates(), s.padL(),
                              s.padR());
  primitive_attr attr;
  if (act > 0) {
    post_ops po;
    if (act == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    else po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(po);
  }
  return convolution_forward::primitive_desc(d, attr, engine());
}

/** A cached primitive with user-side memories and the weight reorder it needs (if any). */
struct Entry {
  primitive prim;
  memory a, b, c, bias;  // user memories, data handles set per call
  memory wPrim;          // weights in the primitive's layout (when it differs from the user's)
  dnnl::reorder reorder;
  bool needReorder = false;
};

std::unordered_map<std::string, std::unique_ptr<Entry>> cache;

void attachWeights(Entry& e, const memory::desc& user, const memory::desc& prim, bool toPrim) {
  e.needReorder = user != prim;
  if (!e.needReorder) return;
  e.wPrim = memory(prim, engine());
  memory u(user, engine(), nullptr);
  e.reorder = toPrim ? reorder(u, e.wPrim) : reorder(e.wPrim, u);
}

Entry& getFwd(const Shape& s, bool bias, int act, const std::vector<int>& p) {
  std::string k = key(bias ? 'F' : 'f', p) + std::to_string(act);
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto pd = fwdPd(s, bias, act);
  auto e = std::make_unique<Entry>();
  e->prim = convolution_forward(pd);
  e->a = memory(s.src(), engine(), nullptr);
  e->b = memory(s.weights(false), engine(), nullptr);
  e->c = memory(s.dst(), engine(), nullptr);
  if (bias) e->bias = memory({{s.OC}, dt::f32, tag::x}, engine(), nullptr);
  attachWeights(*e, s.weights(false), pd.weights_desc(), true);
  return *(cache[k] = std::move(e));
}

Entry& getBwdData(const Shape& s, const std::vector<int>& p) {
  std::string k = key('d', p);
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto hint = fwdPd(s, false, 0);
  convolution_backward_data::desc d(algorithm::convolution_direct, s.src(), s.weights(true),
                                    s.dst(), s.strides(), s.dilates(), s.padL(), s.padR());
  convolution_backward_data::primitive_desc pd(d, engine(), hint);
  auto e = std::make_unique<Entry>();
  e->prim = convolution_backward_data(pd);
  e->a = memory(s.dst(), engine(), nullptr);        // dy
  e->b = memory(s.weights(false), engine(), nullptr);
  e->c = memory(s.src(), engine(), nullptr);        // dx
  attachWeights(*e, s.weights(false), pd.weights_desc(), true);
  return *(cache[k] = std::move(e));
}

Entry& getBwdWeights(const Shape& s, const std::vector<int>& p) {
  std::string k = key('w', p);
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto hint = fwdPd(s, false, 0);
  convolution_backward_weights::desc d(algorithm::convolution_direct, s.src(), s.weights(true),
                                       s.dst(), s.strides(), s.dilates(), s.padL(), s.padR());
  convolution_backward_weights::primitive_desc pd(d, engine(), hint);
  auto e = std::make_unique<Entry>();
  e->prim = convolution_backward_weights(pd);
  e->a = memory(s.src(), engine(), nullptr);        // x
  e->b = memory(s.dst(), engine(), nullptr);        // dy
  e->c = memory(s.weights(false), engine(), nullptr);  // dW (user layout)
  attachWeights(*e, s.weights(false), pd.diff_weights_desc(), false);
  return *(cache[k] = std::move(e));
}

/** convForward(x, w, bias|null, y, shape Int32Array(18), act 0|1 relu|2 relu6) */
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  auto p = ints(info, 4, 18);
  if (p.empty()) return info.Env().Undefined();
  Shape s(p);
  float* x = f32(info, 0, s.srcSize());
  float* w = x ? f32(info, 1, s.wSize()) : nullptr;
  float* b = w ? f32OrNull(info, 2, s.OC) : nullptr;
  float* y = w ? f32(info, 3, s.dstSize()) : nullptr;
  if (!y) return info.Env().Undefined();
  int act = info[5].As<Napi::Number>().Int32Value();
  try {
    std::lock_guard<std::mutex> lock(cacheMutex());
    Entry& e = getFwd(s, b != nullptr, act, p);
    e.a.set_data_handle(x);
    e.b.set_data_handle(w);
    e.c.set_data_handle(y);
    if (e.needReorder) e.reorder.execute(stream(), e.b, e.wPrim);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, e.a}, {DNNL_ARG_WEIGHTS, e.needReorder ? e.wPrim : e.b}, {DNNL_ARG_DST, e.c}};
    if (b) {
      e.bias.set_data_handle(b);
      args[DNNL_ARG_BIAS] = e.bias;
    }
    e.prim.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& err) {
    return fail(info.Env(), std::string("oneDNN convolution forward: ") + err.what());
  }
  return info.Env().Undefined();
}

/** convBackwardData(dy, w, dx, shape) */
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  auto p = ints(info, 3, 18);
  if (p.empty()) return info.Env().Undefined();
  Shape s(p);
  float* dy = f32(info, 0, s.dstSize());
  float* w = dy ? f32(info, 1, s.wSize()) : nullptr;
  float* dx = w ? f32(info, 2, s.srcSize()) : nullptr;
  if (!dx) return info.Env().Undefined();
  try {
    std::lock_guard<std::mutex> lock(cacheMutex());
    Entry& e = getBwdData(s, p);
    e.a.set_data_handle(dy);
    e.b.set_data_handle(w);
    e.c.set_data_handle(dx);
    if (e.needReorder) e.reorder.execute(stream(), e.b, e.wPrim);
    e.prim.execute(stream(), {{DNNL_ARG_DIFF_DST, e.a},
                              {DNNL_ARG_WEIGHTS, e.needReorder ? e.wPrim : e.b},
                              {DNNL_ARG_DIFF_SRC, e.c}});
    stream().wait();
  } catch (const dnnl::error& err) {
    return fail(info.Env(), std::string("oneDNN convolution backward data: ") + err.what());
  }
  return info.Env().Undefined();
}

/** convBackwardWeights(x, dy, dw, shape) */
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  auto p = ints(info, 3, 18);
  if (p.empty()) return info.Env().Undefined();
  Shape s(p);
  float* x = f32(info, 0, s.srcSize());
  float* dy = x ? f32(info, 1, s.dstSize()) : nullptr;
  float* dw = dy ? f32(info, 2, s.wSize()) : nullptr;
  if (!dw) return info.Env().Undefined();
  try {
    std::lock_guard<std::mutex> lock(cacheMutex());
    Entry& e = getBwdWeights(s, p);
    e.a.set_data_handle(x);
    e.b.set_data_handle(dy);
    e.c.set_data_handle(dw);
    e.prim.execute(stream(), {{DNNL_ARG_SRC, e.a},
                              {DNNL_ARG_DIFF_DST, e.b},
                              {DNNL_ARG_DIFF_WEIGHTS, e.needReorder ? e.wPrim : e.c}});
    if (e.needReorder) e.reorder.execute(stream(), e.wPrim, e.c);
    stream().wait();
  } catch (const dnnl::error& err) {
    return fail(info.Env(), std::string("oneDNN convolution backward weights: ") + err.what());
  }
  return info.Env().Undefined();
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardWeights", Napi::Function::New(env, ConvBackwardWeights));
}

}  // namespace mn
