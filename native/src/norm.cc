// Batch normalisation (inference; training forward + backward fused) and clipped ReLU forward/backward:
// plain OpenMP loops over [R, C] row-major buffers (R = N·H·W rows, C channels contiguous).
#include <omp.h>
#include <cmath>
#include <vector>
#include "common.h"

namespace mn {
namespace {

/** Per-channel sums over rows of f(row, acc) accumulated in double, in parallel. */
template <typename F>
void channelReduce(long R, int C, int width, std::vector<double>& out, F f) {
  out.assign(size_t(C) * width, 0.0);
#pragma omp parallel
  {
    std::vector<double> acc(size_t(C) * width, 0.0);
#pragma omp for schedule(static) nowait
    for (long r = 0; r < R; ++r) f(r, acc.data());
#pragma omp critical
    for (size_t i = 0; i < acc.size(); ++i) out[i] += acc[i];
  }
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta per channel (gamma/beta optional), rows in parallel. */
void normalizeRows(const float* x, float* y, long R, int C, const float* mean, const float* var,
                   const float* gamma, const float* beta, float eps) {
  std::vector<float> a(C), b(C);
  for (int c = 0; c < C; ++c) {
    a[c] = (gamma ? gamma[c] : 1.f) / std::sqrt(var[c] + eps);
    b[c] = (beta ? beta[c] : 0.f) - mean[c] * a[c];
  }
#pragma omp parallel for schedule(static)
  for (long r = 0; r < R; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    for (int c = 0; c < C; ++c) yr[c] = xr[c] * a[c] + b[c];
  }
}

/** bnInference(x, mean, variance, offset|null, scale|null, y, R, C, eps) */
Napi::Value BnInference(const Napi::CallbackInfo& info) {
  long R = info[6].As<Napi::Number>().Int64Value();
  int C = info[7].As<Napi::Number>().Int32Value();
  float eps = info[8].As<Napi::Number>().FloatValue();
  float* x = f32(info, 0, size_t(R) * C);
  float* mean = x ? f32(info, 1, C) : nullptr;
  float* var = mean ? f32(info, 2, C) : nullptr;
  float* off = var ? f32OrNull(info, 3, C) : nullptr;
  float* sc = var ? f32OrNull(info, 4, C) : nullptr;
  float* y = var ? f32(info, 5, size_t(R) * C) : nullptr;
  if (!y) return info.Env().Undefined();
  normalizeRows(x, y, R, C, mean, var, sc, off, eps);
  return info.Env().Undefined();
}

/** bnTrainForward(x, gamma|null, beta|null, y, mean, variance, R, C, eps): batch statistics + normalise. */
Napi::Value BnTrainForward(const Napi::CallbackInfo& info) {
  long R = info[6].As<Napi::Number>().Int64Value();
  int C = info[7].As<Napi::Number>().Int32Value();
  float eps = info[8].As<Napi::Number>().FloatValue();
  float* x = f32(info, 0, size_t(R) * C);
  float* g = x ? f32OrNull(info, 1, C) : nullptr;
  float* be = x ? f32OrNull(info, 2, C) : nullptr;
  float* y = x ? f32(info, 3, size_t(R) * C) : nullptr;
  float* mean = y ? f32(info, 4, C) : nullptr;
  float* var = mean ? f32(info, 5, C) : nullptr;
  if (!var) return info.Env().Undefined();
  std::vector<double> s;
  channelReduce(R, C, 1, s, [&](long r, double* acc) {
    const float* xr = x + r * C;
    for (int c = 0; c < C; ++c) acc[c] += xr[c];
  });
  for (int c = 0; c < C; ++c) mean[c] = float(s[c] / R);
  channelReduce(R, C, 1, s, [&](long r, double* acc) {
    const float* xr = x + r * C;
    for (int c = 0; c < C; ++c) {
      float d = xr[c] - mean[c];
      acc[c] += d * d;
    }
  });
  for (int c = 0; c < C; ++c) var[c] = float(s[c] / R);
  normalizeRows(x, y, R, C, mean, var, g, be, eps);
  return info.Env().Undefined();
}

/** bnTrainBackward(x, dy, gamma|null, mean, variance, dx, dgamma, dbeta, R, C, eps) */
Napi::Value BnTrainBackward(const Napi::CallbackInfo& info) {
  long R = info[8].As<Napi::Number>().Int64Value();
  int C = info[9].As<Napi::Number>().Int32Value();
  float eps = info[10].As<Napi::Number>().FloatValue();
  size_t n = size_t(R) * C;
  float* x = f32(info, 0, n);
  float* dy = x ? f32(info, 1, n) : nullptr;
  float* g = dy ? f32OrNull(info, 2, C) : nullptr;
  float* mean = dy ? f32(info, 3, C) : nullptr;
  float* var = mean ? f32(info, 4, C) : nullptr;
  float* dx = var ? f32(info, 5, n) : nullptr;
  float* dg = dx ? f32(info, 6, C) : nullptr;
  float* db = dg ? f32(info, 7, C) : nullptr;
  if (!db) return info.Env().Undefined();
  std::vector<double> s;
  channelReduce(R, C, 2, s, [&](long r, double* acc) {
    const float* __restrict xr = x + r * C;
    const float* __restrict dr = dy + r * C;
    const float* __restrict mu = mean;
    double* __restrict a0 = acc;
    double* __restrict a1 = acc + C;
#pragma omp simd
    for (int c = 0; c < C; ++c) {
      a0[c] += dr[c];
      a1[c] += dr[c] * (xr[c] - mu[c]);
    }
  });
  std::vector<float> inv(C), k(C), mdb(C), mdg(C);
  for (int c = 0; c < C; ++c) {
    inv[c] = 1.f / std::sqrt(var[c] + eps);
    db[c] = float(s[c]);
    dg[c] = float(s[C + c] * inv[c]);
    k[c] = (g ? g[c] : 1.f) * inv[c];
    mdb[c] = db[c] / R;
    mdg[c] = dg[c] * inv[c] / R;  // xhat·dgamma/R = (x-mean)·inv·dgamma/R
  }
#pragma omp parallel for schedule(static)
  for (long r = 0; r < R; ++r) {
    const float* __restrict xr = x + r * C;
    const float* __restrict dr = dy + r * C;
    const float* __restrict mu = mean;
    const float *__restrict kk = k.data(), *__restrict b = mdb.data(), *__restrict gg = mdg.data();
    float* __restrict o = dx + r * C;
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] = kk[c] * (dr[c] - b[c] - (xr[c] - mu[c]) * gg[c]);
  }
  return info.Env().Undefined();
}

/** clipReluForward(x, y, n, cap): y = min(max(x, 0), cap); cap <= 0 means no cap. */
Napi::Value ClipReluForward(const Napi::CallbackInfo& info) {
  long n = info[2].As<Napi::Number>().Int64Value();
  float cap = info[3].As<Napi::Number>().FloatValue();
  float* x = f32(info, 0, n);
  float* y = x ? f32(info, 1, n) : nullptr;
  if (!y) return info.Env().Undefined();
  if (cap <= 0) cap = INFINITY;
  // Ternaries (not fmin/fmax, which do not vectorise without -ffinite-math-only); NaN passes through
  // as in TF.js's relu and clipByValue.
#pragma omp parallel for simd schedule(static) if (n >= 32768)
  for (long i = 0; i < n; ++i) {
    float v = x[i] < 0.f ? 0.f : x[i];
    y[i] = v > cap ? cap : v;
  }
  return info.Env().Undefined();
}

/** clipReluBackward(x, dy, dx, n, cap): dx = dy where 0 < x <= cap, else 0 (TF.js relu + clip grads). */
Napi::Value ClipReluBackward(const Napi::CallbackInfo& info) {
  long n = info[3].As<Napi::Number>().Int64Value();
  float cap = info[4].As<Napi::Number>().FloatValue();
  float* x = f32(info, 0, n);
  float* dy = x ? f32(info, 1, n) : nullptr;
  float* dx = dy ? f32(info, 2, n) : nullptr;
  if (!dx) return info.Env().Undefined();
  if (cap <= 0) cap = INFINITY;
#pragma omp parallel for simd schedule(static) if (n >= 32768)
  for (long i = 0; i < n; ++i) dx[i] = (x[i] > 0.f) & (x[i] <= cap) ? dy[i] : 0.f;
  return info.Env().Undefined();
}

}  // namespace

void registerNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("bnInference", Napi::Function::New(env, BnInference));
  exports.Set("bnTrainForward", Napi::Function::New(env, BnTrainForward));
  exports.Set("bnTrainBackward", Napi::Function::New(env, BnTrainBackward));
  exports.Set("clipReluForward", Napi::Function::New(env, ClipReluForward));
  exports.Set("clipReluBackward", Napi::Function::New(env, ClipReluBackward));
}

}  // namespace mn
