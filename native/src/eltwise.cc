// Elementwise float32 kernels: binary ops with equal shapes or a scalar on either side, unary ops.
// Plain OpenMP loops (threads only for large buffers).
#include <omp.h>
#include <cmath>
#include "common.h"

namespace mn {
namespace {

constexpr long kParallelMin = 1 << 15;

template <typename F>
void binaryLoop(const float* a, long na, const float* b, long nb, float* o, long n, F f) {
  if (na == n && nb == n) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (long i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (nb == 1) {
    const float s = b[0];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (long i = 0; i < n; ++i) o[i] = f(a[i], s);
  } else {
    const float s = a[0];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (long i = 0; i < n; ++i) o[i] = f(s, b[i]);
  }
}

/** binary(op, a, b, out): op 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 squared difference.
 *  a and b have out.length elements or exactly 1. */
Napi::Value Binary(const Napi::CallbackInfo& info) {
  int op = info[0].As<Napi::Number>().Int32Value();
  float* a = f32(info, 1, 1);
  float* b = a ? f32(info, 2, 1) : nullptr;
  float* o = b ? f32(info, 3, 0) : nullptr;
  if (!o) return info.Env().Undefined();
  long na = info[1].As<Napi::Float32Array>().ElementLength();
  long nb = info[2].As<Napi::Float32Array>().ElementLength();
  long n = info[3].As<Napi::Float32Array>().ElementLength();
  if ((na != n && na != 1) || (nb != n && nb != 1)) return fail(info.Env(), "binary: sizes do not broadcast");
  switch (op) {
    case 0: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return x + y; }); break;
    case 1: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return x - y; }); break;
    case 2: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return x * y; }); break;
    case 3: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return x / y; }); break;
    case 4: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return x > y ? x : y; }); break;
    case 5: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return x < y ? x : y; }); break;
    case 6: binaryLoop(a, na, b, nb, o, n, [](float x, float y) { return (x - y) * (x - y); }); break;
    default: return fail(info.Env(), "binary: unknown op");
  }
  return info.Env().Undefined();
}

/** unary(op, x, out): op 0 sqrt, 1 square, 2 neg, 3 abs, 4 rsqrt, 5 exp. */
Napi::Value Unary(const Napi::CallbackInfo& info) {
  int op = info[0].As<Napi::Number>().Int32Value();
  float* x = f32(info, 1, 0);
  float* o = x ? f32(info, 2, 0) : nullptr;
  if (!o) return info.Env().Undefined();
  long n = info[2].As<Napi::Float32Array>().ElementLength();
  if (info[1].As<Napi::Float32Array>().ElementLength() != size_t(n)) return fail(info.Env(), "unary: size mismatch");
#define LOOP(expr)                                                                  \
  _Pragma("omp parallel for simd schedule(static) if (n >= kParallelMin)")          \
  for (long i = 0; i < n; ++i) { const float v = x[i]; o[i] = (expr); }
  switch (op) {
    case 0: LOOP(std::sqrt(v)); break;
    case 1: LOOP(v * v); break;
    case 2: LOOP(-v); break;
    case 3: LOOP(std::fabs(v)); break;
    case 4: LOOP(1.f / std::sqrt(v)); break;
    case 5: LOOP(std::exp(v)); break;
    default: return fail(info.Env(), "unary: unknown op");
  }
#undef LOOP
  return info.Env().Undefined();
}

/** reduceMiddle(x, out, O, M, I, scale): x viewed as [O, M, I]; out[o, i] = scale · Σ_m x[o, m, i]. */
Napi::Value ReduceMiddle(const Napi::CallbackInfo& info) {
  long O = info[2].As<Napi::Number>().Int64Value();
  long M = info[3].As<Napi::Number>().Int64Value();
  long I = info[4].As<Napi::Number>().Int64Value();
  float scale = info[5].As<Napi::Number>().FloatValue();
  float* x = f32(info, 0, size_t(O) * M * I);
  float* o = x ? f32(info, 1, size_t(O) * I) : nullptr;
  if (!o) return info.Env().Undefined();
  if (I == 1) {
#pragma omp parallel for schedule(static) if (O * M >= kParallelMin)
    for (long a = 0; a < O; ++a) {
      double s = 0;
      const float* r = x + a * M;
      for (long m = 0; m < M; ++m) s += r[m];
      o[a] = float(s * scale);
    }
    return info.Env().Undefined();
  }
#pragma omp parallel for schedule(static) if (O * M * I >= kParallelMin)
  for (long a = 0; a < O; ++a) {
    float* out = o + a * I;
    for (long i = 0; i < I; ++i) out[i] = 0.f;
    for (long m = 0; m < M; ++m) {
      const float* r = x + (a * M + m) * I;
#pragma omp simd
      for (long i = 0; i < I; ++i) out[i] += r[i];
    }
    for (long i = 0; i < I; ++i) out[i] *= scale;
  }
  return info.Env().Undefined();
}

/** adam(w, g, m, v, wOut, mOut, vOut, lr, beta1, beta2, eps, 1 - beta1^t, 1 - beta2^t): TF.js's Adam
 *  update for one variable in one pass (same operations, same order). */
Napi::Value Adam(const Napi::CallbackInfo& info) {
  size_t n = info[0].IsTypedArray() ? info[0].As<Napi::Float32Array>().ElementLength() : 0;
  float* p[7];
  for (int i = 0; i < 7; ++i)
    if (!(p[i] = f32(info, i, n))) return info.Env().Undefined();
  const float lr = info[7].As<Napi::Number>().FloatValue(), b1 = info[8].As<Napi::Number>().FloatValue();
  const float b2 = info[9].As<Napi::Number>().FloatValue(), eps = info[10].As<Napi::Number>().FloatValue();
  const float c1 = info[11].As<Napi::Number>().FloatValue(), c2 = info[12].As<Napi::Number>().FloatValue();
  const float *w = p[0], *g = p[1], *m = p[2], *v = p[3];
  float *wo = p[4], *mo = p[5], *vo = p[6];
  // As TF.js: 1 - beta computed in double, then rounded to float32.
  const float a1 = float(1.0 - info[8].As<Napi::Number>().DoubleValue());
  const float a2 = float(1.0 - info[9].As<Napi::Number>().DoubleValue());
#pragma omp parallel for simd schedule(static) if (n >= size_t(kParallelMin))
  for (size_t i = 0; i < n; ++i) {
    const float m1 = m[i] * b1 + g[i] * a1;
    const float v1 = v[i] * b2 + (g[i] * g[i]) * a2;
    mo[i] = m1;
    vo[i] = v1;
    wo[i] = (m1 / c1) / (std::sqrt(v1 / c2) + eps) * -lr + w[i];
  }
  return info.Env().Undefined();
}

}  // namespace

void registerEltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduceMiddle", Napi::Function::New(env, ReduceMiddle));
  exports.Set("adam", Napi::Function::New(env, Adam));
}

}  // namespace mn
