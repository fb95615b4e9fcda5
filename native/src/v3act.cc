// MobileNet V3's activations and squeeze-and-excitation multiply, forward and backward, as plain
// OpenMP loops over float32 buffers (NHWC, channels contiguous):
//   hard-sigmoid  hs(x) = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)      hs'(x) = 1/6 on (-3, 3), else 0
//   hard-swish    x · hs(x)                                           d/dx = 0 below -3, 1 above 3, x/3 + 1/2 between
//   SE multiply   y[b, p, c] = x[b, p, c] · g[b, c]   (x [B, P, C] with P = H·W, gate g [B, 1, 1, C])
//   affine        y = x·scale + offset (the Rescaling layer that feeds each hard-sigmoid; its gradient is dy·scale)
//   spatial mean  y[b, c] = mean_p x[b, p, c] (the SE squeeze and the top's pooling), dx = dy / P
//                 dx = dy · g,  dg[b, c] = Σ_p dy[b, p, c] · x[b, p, c]
// Hard-sigmoid computes x·(1/6) + 1/2 as TF.js's Rescaling layer does; hard-swish x·relu6(x + 3)·(1/6), the
// form GCC vectorises (its x·clip(x/6 + 1/2) compiled to a branchy scalar loop, ~100× slower on random data).
#include <omp.h>
#include "common.h"

namespace mn {
namespace {

constexpr long kParallelMin = 1 << 15;
constexpr float kSixth = 1.f / 6.f;

inline float hardSigmoid(float x) {
  const float t = x * kSixth + 0.5f;
  const float lo = t < 0.f ? 0.f : t;  // ternaries vectorise (fmin/fmax do not without -ffinite-math-only)
  return lo > 1.f ? 1.f : lo;
}

inline float hardSigmoidSlope(float x) { return (x > -3.f) & (x < 3.f) ? kSixth : 0.f; }

inline float relu6(float t) {
  const float lo = t < 0.f ? 0.f : t;
  return lo > 6.f ? 6.f : lo;
}

inline float hardSwish(float x) { return x * relu6(x + 3.f) * kSixth; }

/** d/dx x·relu6(x + 3)/6 = (relu6(x + 3) + x·[−3 < x < 3]) / 6: 0 below −3, x/3 + 1/2 between, 1 above 3. */
inline float hardSwishSlope(float x) {
  const float inside = (x > -3.f) & (x < 3.f) ? x : 0.f;
  return (relu6(x + 3.f) + inside) * kSixth;
}

/** (x, y|dx[, dy]) of n elements each, from arguments 0.. with n at argument `nArg`. */
bool buffers(const Napi::CallbackInfo& info, int count, int nArg, float** p, long* n) {
  *n = info[nArg].As<Napi::Number>().Int64Value();
  for (int i = 0; i < count; ++i)
    if (!(p[i] = f32(info, i, size_t(*n)))) return false;
  return true;
}

/** hardSigmoidForward(x, y, n) */
Napi::Value HardSigmoidForward(const Napi::CallbackInfo& info) {
  float* p[2];
  long n;
  if (!buffers(info, 2, 2, p, &n)) return info.Env().Undefined();
  const float* x = p[0];
  float* y = p[1];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (long i = 0; i < n; ++i) y[i] = hardSigmoid(x[i]);
  return info.Env().Undefined();
}

/** hardSigmoidBackward(x, dy, dx, n) */
Napi::Value HardSigmoidBackward(const Napi::CallbackInfo& info) {
  float* p[3];
  long n;
  if (!buffers(info, 3, 3, p, &n)) return info.Env().Undefined();
  const float *x = p[0], *dy = p[1];
  float* dx = p[2];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (long i = 0; i < n; ++i) dx[i] = dy[i] * hardSigmoidSlope(x[i]);
  return info.Env().Undefined();
}

/** hardSwishForward(x, y, n) */
Napi::Value HardSwishForward(const Napi::CallbackInfo& info) {
  float* p[2];
  long n;
  if (!buffers(info, 2, 2, p, &n)) return info.Env().Undefined();
  const float* x = p[0];
  float* y = p[1];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (long i = 0; i < n; ++i) y[i] = hardSwish(x[i]);
  return info.Env().Undefined();
}

/** hardSwishBackward(x, dy, dx, n) */
Napi::Value HardSwishBackward(const Napi::CallbackInfo& info) {
  float* p[3];
  long n;
  if (!buffers(info, 3, 3, p, &n)) return info.Env().Undefined();
  const float *x = p[0], *dy = p[1];
  float* dx = p[2];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (long i = 0; i < n; ++i) dx[i] = dy[i] * hardSwishSlope(x[i]);
  return info.Env().Undefined();
}

/** affineForward(x, y, n, scale, offset): y = x·scale + offset (Keras' Rescaling layer). */
Napi::Value AffineForward(const Napi::CallbackInfo& info) {
  float* p[2];
  long n;
  if (!buffers(info, 2, 2, p, &n)) return info.Env().Undefined();
  const float scale = info[3].As<Napi::Number>().FloatValue(), offset = info[4].As<Napi::Number>().FloatValue();
  const float* x = p[0];
  float* y = p[1];
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (long i = 0; i < n; ++i) y[i] = x[i] * scale + offset;
  return info.Env().Undefined();
}

/** Reads B, P, C from arguments first..first+2. */
void dims(const Napi::CallbackInfo& info, int first, long* B, long* P, long* C) {
  *B = info[first].As<Napi::Number>().Int64Value();
  *P = info[first + 1].As<Napi::Number>().Int64Value();
  *C = info[first + 2].As<Napi::Number>().Int64Value();
}

/** seMulForward(x, g, y, B, P, C): y[b, p, c] = x[b, p, c] · g[b, c]. */
Napi::Value SeMulForward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 3, &B, &P, &C);
  float* x = f32(info, 0, size_t(B * P * C));
  float* g = x ? f32(info, 1, size_t(B * C)) : nullptr;
  float* y = g ? f32(info, 2, size_t(B * P * C)) : nullptr;
  if (!y) return info.Env().Undefined();
#pragma omp parallel for collapse(2) schedule(static) if (B * P * C >= kParallelMin)
  for (long b = 0; b < B; ++b)
    for (long p = 0; p < P; ++p) {
      const float* xr = x + (b * P + p) * C;
      const float* gr = g + b * C;
      float* yr = y + (b * P + p) * C;
#pragma omp simd
      for (long c = 0; c < C; ++c) yr[c] = xr[c] * gr[c];
    }
  return info.Env().Undefined();
}

/** seMulBackward(x, g, dy, dx, dg, B, P, C): dx = dy · g; dg[b, c] = Σ_p dy · x (accumulated in float,
 *  per image, in row order). */
Napi::Value SeMulBackward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 5, &B, &P, &C);
  const size_t n = size_t(B * P * C);
  float* x = f32(info, 0, n);
  float* g = x ? f32(info, 1, size_t(B * C)) : nullptr;
  float* dy = g ? f32(info, 2, n) : nullptr;
  float* dx = dy ? f32(info, 3, n) : nullptr;
  float* dg = dx ? f32(info, 4, size_t(B * C)) : nullptr;
  if (!dg) return info.Env().Undefined();
#pragma omp parallel for schedule(static) if (long(n) >= kParallelMin)
  for (long b = 0; b < B; ++b) {
    const float* gr = g + b * C;
    float* acc = dg + b * C;
    for (long c = 0; c < C; ++c) acc[c] = 0.f;
    for (long p = 0; p < P; ++p) {
      const long o = (b * P + p) * C;
#pragma omp simd
      for (long c = 0; c < C; ++c) {
        dx[o + c] = dy[o + c] * gr[c];
        acc[c] += dy[o + c] * x[o + c];
      }
    }
  }
  return info.Env().Undefined();
}

/** spatialMeanForward(x, y, B, P, C): y[b, c] = (1/P) Σ_p x[b, p, c] (global average pooling, NHWC). */
Napi::Value SpatialMeanForward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 2, &B, &P, &C);
  float* x = f32(info, 0, size_t(B * P * C));
  float* y = x ? f32(info, 1, size_t(B * C)) : nullptr;
  if (!y) return info.Env().Undefined();
  const float inv = 1.f / float(P);
#pragma omp parallel for schedule(static) if (B * P * C >= kParallelMin)
  for (long b = 0; b < B; ++b) {
    float* acc = y + b * C;
    for (long c = 0; c < C; ++c) acc[c] = 0.f;
    for (long p = 0; p < P; ++p) {
      const float* xr = x + (b * P + p) * C;
#pragma omp simd
      for (long c = 0; c < C; ++c) acc[c] += xr[c];
    }
    for (long c = 0; c < C; ++c) acc[c] *= inv;
  }
  return info.Env().Undefined();
}

/** spatialMeanBackward(dy, dx, B, P, C): dx[b, p, c] = dy[b, c] / P. */
Napi::Value SpatialMeanBackward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 2, &B, &P, &C);
  float* dy = f32(info, 0, size_t(B * C));
  float* dx = dy ? f32(info, 1, size_t(B * P * C)) : nullptr;
  if (!dx) return info.Env().Undefined();
  const float inv = 1.f / float(P);
#pragma omp parallel for collapse(2) schedule(static) if (B * P * C >= kParallelMin)
  for (long b = 0; b < B; ++b)
    for (long p = 0; p < P; ++p) {
      const float* g = dy + b * C;
      float* o = dx + (b * P + p) * C;
#pragma omp simd
      for (long c = 0; c < C; ++c) o[c] = g[c] * inv;
    }
  return info.Env().Undefined();
}

}  // namespace

void registerV3Activations(Napi::Env env, Napi::Object exports) {
  exports.Set("hardSigmoidForward", Napi::Function::New(env, HardSigmoidForward));
  exports.Set("hardSigmoidBackward", Napi::Function::New(env, HardSigmoidBackward));
  exports.Set("hardSwishForward", Napi::Function::New(env, HardSwishForward));
  exports.Set("hardSwishBackward", Napi::Function::New(env, HardSwishBackward));
  exports.Set("affineForward", Napi::Function::New(env, AffineForward));
  exports.Set("seMulForward", Napi::Function::New(env, SeMulForward));
  exports.Set("seMulBackward", Napi::Function::New(env, SeMulBackward));
  exports.Set("spatialMeanForward", Napi::Function::New(env, SpatialMeanForward));
  exports.Set("spatialMeanBackward", Napi::Function::New(env, SpatialMeanBackward));
}

}  // namespace mn
