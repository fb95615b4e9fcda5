// N-API surface of the int8 plan: int8Create(desc) from the description src/engine/int8-engine.ts builds,
// int8Predict(h, x, n, out) with float logits out, int8PredictInt8(h, x, n, out) with int8 logits out.
#include <napi.h>
#include <omp.h>
#include <cstdlib>
#include <map>
#include <mutex>
#include "../common.h"
#include "int8.h"

namespace mn {
namespace int8 {
namespace {

struct Handle {
  Model m;
  std::mutex mu;
  std::map<long, std::unique_ptr<Exec>> exec;  // by padded batch size
  std::vector<float> padded;
};

int num(const Napi::Object& o, const char* k, int d) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : d;
}

template <typename T, napi_typedarray_type Type>
std::vector<T> typed(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  if (!v.IsTypedArray()) return {};
  auto a = v.As<Napi::TypedArray>();
  if (a.TypedArrayType() != Type) throw std::runtime_error(std::string("int8 plan: ") + k + " has the wrong array type");
  const T* p = reinterpret_cast<const T*>(static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
  return std::vector<T>(p, p + a.ElementLength());
}

Model parse(const Napi::Object& d) {
  Model m;
  auto shapes = typed<int32_t, napi_int32_array>(d, "tensors");
  auto scales = typed<float, napi_float32_array>(d, "scales");
  auto zps = typed<int32_t, napi_int32_array>(d, "zeroPoints");
  if (shapes.size() != 3 * scales.size() || zps.size() != scales.size()) throw std::runtime_error("int8 plan: tensors, scales and zero points disagree");
  for (size_t i = 0; i < scales.size(); ++i) {
    Tensor t{shapes[3 * i], shapes[3 * i + 1], shapes[3 * i + 2], scales[i], zps[i]};
    if (t.h < 1 || t.w < 1 || t.c < 1 || !(t.scale > 0) || t.zp < -128 || t.zp > 127) throw std::runtime_error("int8 plan: bad tensor " + std::to_string(i));
    m.tensors.push_back(t);
  }
  auto ops = d.Get("ops").As<Napi::Array>();
  const int T = int(m.tensors.size());
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    auto o = ops.Get(i).As<Napi::Object>();
    Op op;
    const int kind = num(o, "kind", -1);
    if (kind < 0 || kind > int(Kind::Lut)) throw std::runtime_error("int8 plan: unknown op kind");
    op.kind = Kind(kind);
    auto in = typed<int32_t, napi_int32_array>(o, "in");
    op.in.assign(in.begin(), in.end());
    op.out = num(o, "out", -1);
    for (int t : op.in) if (t < 0 || t >= T) throw std::runtime_error("int8 plan: input tensor out of range");
    if (op.in.empty() || op.out < 1 || op.out >= T) throw std::runtime_error("int8 plan: output tensor out of range");
    op.k = num(o, "k", 1), op.stride = num(o, "stride", 1), op.mult = num(o, "mult", 1);
    op.pt = num(o, "pt", 0), op.pl = num(o, "pl", 0), op.pb = num(o, "pb", 0), op.pr = num(o, "pr", 0);
    op.w = typed<int8_t, napi_int8_array>(o, "w");
    op.bias = typed<int32_t, napi_int32_array>(o, "bias");
    op.m = typed<float, napi_float32_array>(o, "m");
    op.lut = typed<int8_t, napi_int8_array>(o, "lut");
    op.lo = num(o, "lo", -128), op.hi = num(o, "hi", 127);
    const long oc = m.tensors[size_t(op.out)].c;
    const bool weights = op.kind == Kind::Conv || op.kind == Kind::Depthwise || op.kind == Kind::Dense;
    if (weights && (long(op.bias.size()) != oc || long(op.m.size()) != oc || op.w.empty())) throw std::runtime_error("int8 plan: weight op sizes");
    if (op.kind == Kind::Lut && op.lut.size() != 256) throw std::runtime_error("int8 plan: a table needs 256 entries");
    if ((op.kind == Kind::Add || op.kind == Kind::Mul) && op.in.size() != 2) throw std::runtime_error("int8 plan: add/mul take 2 inputs");
    if (weights) m.macsPerImage += double(op.w.size()) * m.tensors[size_t(op.out)].h * m.tensors[size_t(op.out)].w;
    m.ops.push_back(std::move(op));
  }
  m.output = num(d, "output", -1);
  if (m.output < 1 || m.output >= T) throw std::runtime_error("int8 plan: output out of range");
  return m;
}

Handle* handle(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "argument 0 must be an int8 plan handle").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<Handle>>().Data();
}

Napi::Value Create(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) return fail(info.Env(), "int8Create needs a model description");
  try {
    auto* h = new Handle();
    h->m = parse(info[0].As<Napi::Object>());
    return Napi::External<Handle>::New(info.Env(), h, [](Napi::Env, Handle* p) { delete p; });
  } catch (const std::exception& e) {
    return fail(info.Env(), e.what());
  }
}

/** int8Predict(h, x, n, out) — out: Float32Array (dequantized logits) or Int8Array (int8 logits). */
Napi::Value Predict(const Napi::CallbackInfo& info) {
  Handle* h = handle(info);
  if (!h) return info.Env().Undefined();
  const long n = info[2].As<Napi::Number>().Int64Value();
  const long inSize = h->m.tensors[0].size(), outSize = h->m.tensors[size_t(h->m.output)].size();
  if (n < 1) return fail(info.Env(), "int8 plan: batch must be at least 1");
  float* x = f32(info, 1, size_t(n * inSize));
  if (!x) return info.Env().Undefined();
  if (!info[3].IsTypedArray()) return fail(info.Env(), "int8 plan: out must be a Float32Array or Int8Array");
  auto outArr = info[3].As<Napi::TypedArray>();
  const bool asInt8 = outArr.TypedArrayType() == napi_int8_array;
  if ((!asInt8 && outArr.TypedArrayType() != napi_float32_array) || outArr.ElementLength() < size_t(n * outSize))
    return fail(info.Env(), "int8 plan: out must be a Float32Array or Int8Array of n × K");
  uint8_t* out = static_cast<uint8_t*>(outArr.ArrayBuffer().Data()) + outArr.ByteOffset();
  try {
    static const double kSmall = std::getenv("MOBILENET_SMALL_CALL_MACS") ? std::atof(std::getenv("MOBILENET_SMALL_CALL_MACS")) : 3.2e7;
    applyThreads();
    std::lock_guard<std::mutex> lock(h->mu);
    long N = 1;
    while (N < n) N *= 2;
    if (n > 32) N = n;
    struct Restore { ~Restore() { applyThreads(); } } restore;
    if (double(N) * h->m.macsPerImage < kSmall) omp_set_num_threads(1);
    auto it = h->exec.find(N);
    if (it == h->exec.end()) {
      if (h->exec.size() >= 6) h->exec.erase(h->exec.begin());
      it = h->exec.emplace(N, std::make_unique<Exec>(h->m, N)).first;
    }
    const float* src = x;
    if (N != n) {
      h->padded.assign(size_t(N * inSize), 0.f);
      std::copy(x, x + n * inSize, h->padded.begin());
      src = h->padded.data();
    }
    if (asInt8) {
      std::vector<int8_t> y(size_t(N * outSize));
      it->second->runInt8(src, y.data());
      std::copy(y.begin(), y.begin() + n * outSize, reinterpret_cast<int8_t*>(out));
    } else {
      std::vector<float> y(size_t(N * outSize));
      it->second->run(src, y.data());
      std::copy(y.begin(), y.begin() + n * outSize, reinterpret_cast<float*>(out));
    }
  } catch (const std::exception& e) {
    return fail(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

/** int8Trim(h): drops every executor (their buffers). */
Napi::Value Trim(const Napi::CallbackInfo& info) {
  Handle* h = handle(info);
  if (!h) return info.Env().Undefined();
  std::lock_guard<std::mutex> lock(h->mu);
  h->exec.clear();
  std::vector<float>().swap(h->padded);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace int8

void registerInt8(Napi::Env env, Napi::Object exports) {
  exports.Set("int8Create", Napi::Function::New(env, int8::Create));
  exports.Set("int8Predict", Napi::Function::New(env, int8::Predict));
  exports.Set("int8Trim", Napi::Function::New(env, int8::Trim));
}

}  // namespace mn
