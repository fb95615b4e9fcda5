// Batched matrix multiply over oneDNN: C[b] = op(A[b]) · op(B[b]) (+ bias[N]) (relu/relu6), row-major.
// Shape vector (6 ints): B M N K transA transB.
#include <memory>
#include <unordered_map>
#include "common.h"

using namespace dnnl;
using dt = memory::data_type;

namespace mn {
namespace {

struct Entry {
  matmul prim;
  memory a, b, c, bias;
};

std::unordered_map<std::string, std::unique_ptr<Entry>> cache;

Entry& get(const std::vector<int>& p, bool hasBias, int act) {
  std::string k = key(hasBias ? 'M' : 'm', p) + std::to_string(act);
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  memory::dim B = p[0], M = p[1], N = p[2], K = p[3];
  bool ta = p[4] != 0, tb = p[5] != 0;
  memory::desc a({B, M, K}, dt::f32, ta ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
  memory::desc b({B, K, N}, dt::f32, tb ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
  memory::desc c({B, M, N}, dt::f32, memory::dims{M * N, N, 1});
  memory::desc bias = hasBias ? memory::desc({1, 1, N}, dt::f32, memory::dims{N, N, 1}) : memory::desc();
  primitive_attr attr;
  if (act > 0) {
    post_ops po;
    if (act == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    else po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(po);
  }
  matmul::primitive_desc pd(matmul::desc(a, b, bias, c), attr, engine());
  auto e = std::make_unique<Entry>();
  e->prim = matmul(pd);
  e->a = memory(a, engine(), nullptr);
  e->b = memory(b, engine(), nullptr);
  e->c = memory(c, engine(), nullptr);
  if (hasBias) e->bias = memory(bias, engine(), nullptr);
  return *(cache[k] = std::move(e));
}

/** matmul(a, b, bias|null, c, shape Int32Array(6), act) */
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  auto p = ints(info, 4, 6);
  if (p.empty()) return info.Env().Undefined();
  size_t B = p[0], M = p[1], N = p[2], K = p[3];
  float* a = f32(info, 0, B * M * K);
  float* b = a ? f32(info, 1, B * K * N) : nullptr;
  float* bias = b ? f32OrNull(info, 2, N) : nullptr;
  float* c = b ? f32(info, 3, B * M * N) : nullptr;
  if (!c) return info.Env().Undefined();
  int act = info[5].As<Napi::Number>().Int32Value();
  try {
    std::lock_guard<std::mutex> lock(cacheMutex());
    Entry& e = get(p, bias != nullptr, act);
    e.a.set_data_handle(a);
    e.b.set_data_handle(b);
    e.c.set_data_handle(c);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.a}, {DNNL_ARG_WEIGHTS, e.b}, {DNNL_ARG_DST, e.c}};
    if (bias) {
      e.bias.set_data_handle(bias);
      args[DNNL_ARG_BIAS] = e.bias;
    }
    e.prim.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& err) {
    return fail(info.Env(), std::string("oneDNN matmul: ") + err.what());
  }
  return info.Env().Undefined();
}

}  // namespace

void registerMatmul(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul));
}

}  // namespace mn
