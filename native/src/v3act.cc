// MobileNet V3's activations and squeeze-and-excitation multiply, forward and backward, as plain
// OpenMP loops over float32 buffers (NHWC, channels contiguous):
//   hard-sigmoid  hs(x) = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)      hs'(x) = 1/6 on (-3, 3), else 0
//   hard-swish    x · hs(x)                                           d/dx = 0 below -3, 1 above 3, x/3 + 1/2 between
//   SE multiply   y[b, p, c] = x[b, p, c] · g[b, c]   (x [B, P, C] with P = H·W, gate g [B, 1, 1, C])
//   affine        y = x·scale + offset (the Rescaling layer that feeds each hard-sigmoid; its gradient is dy·scale)
//   spatial mean  y[b, c] = mean_p x[b, p, c] (the SE squeeze and the top's pooling), dx = dy / P
//                 dx = dy · g,  dg[b, c] = Σ_p dy[b, p, c] · x[b, p, c]
// The loops are the engine's (plan/kernels.cc: one implementation for both paths); hard-sigmoid computes
// x·(1/6) + 1/2 then clips to [0, 1], as the stock Rescaling → ReLU(max 1) layers do.
#include "common.h"
#include "plan/kernels.h"
#include "plan/plan.h"

namespace mn {
namespace {

/** (x, y|dx[, dy]) of n elements each, from arguments 0.. with n at argument `nArg`. */
bool buffers(const Napi::CallbackInfo& info, int count, int nArg, float** p, long* n) {
  *n = info[nArg].As<Napi::Number>().Int64Value();
  for (int i = 0; i < count; ++i)
    if (!(p[i] = f32(info, i, size_t(*n)))) return false;
  return true;
}

/** Forward (x, y, n) of activation `act` (plan::Act code). */
template <int act>
Napi::Value ActForward(const Napi::CallbackInfo& info) {
  float* p[2];
  long n;
  if (buffers(info, 2, 2, p, &n)) plan::k::actForward(p[0], p[1], n, act);
  return info.Env().Undefined();
}

/** Backward (x, dy, dx, n) of activation `act`. */
template <int act>
Napi::Value ActBackward(const Napi::CallbackInfo& info) {
  float* p[3];
  long n;
  if (buffers(info, 3, 3, p, &n)) plan::k::actBackward(p[0], p[1], p[2], n, act, false);
  return info.Env().Undefined();
}

/** affineForward(x, y, n, scale, offset): y = x·scale + offset (Keras' Rescaling layer). */
Napi::Value AffineForward(const Napi::CallbackInfo& info) {
  float* p[2];
  long n;
  if (!buffers(info, 2, 2, p, &n)) return info.Env().Undefined();
  plan::k::affine(p[0], info[3].As<Napi::Number>().FloatValue(), info[4].As<Napi::Number>().FloatValue(), p[1], n);
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
  if (y) plan::k::mulForward(x, g, B, P, int(C), y);
  return info.Env().Undefined();
}

/** seMulBackward(x, g, dy, dx, dg, B, P, C): dx = dy · g; dg[b, c] = Σ_p dy · x. */
Napi::Value SeMulBackward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 5, &B, &P, &C);
  const size_t n = size_t(B * P * C);
  float* x = f32(info, 0, n);
  float* g = x ? f32(info, 1, size_t(B * C)) : nullptr;
  float* dy = g ? f32(info, 2, n) : nullptr;
  float* dx = dy ? f32(info, 3, n) : nullptr;
  float* dg = dx ? f32(info, 4, size_t(B * C)) : nullptr;
  if (dg) plan::k::mulBackward(x, g, dy, B, P, int(C), dx, false, dg, false);
  return info.Env().Undefined();
}

/** spatialMeanForward(x, y, B, P, C): y[b, c] = (1/P) Σ_p x[b, p, c] (global average pooling, NHWC). */
Napi::Value SpatialMeanForward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 2, &B, &P, &C);
  float* x = f32(info, 0, size_t(B * P * C));
  float* y = x ? f32(info, 1, size_t(B * C)) : nullptr;
  if (y) plan::k::gapForward(x, B, P, int(C), y);
  return info.Env().Undefined();
}

/** spatialMeanBackward(dy, dx, B, P, C): dx[b, p, c] = dy[b, c] / P. */
Napi::Value SpatialMeanBackward(const Napi::CallbackInfo& info) {
  long B, P, C;
  dims(info, 2, &B, &P, &C);
  float* dy = f32(info, 0, size_t(B * C));
  float* dx = dy ? f32(info, 1, size_t(B * P * C)) : nullptr;
  if (dx) plan::k::gapBackward(dy, B, P, int(C), dx, false);
  return info.Env().Undefined();
}

}  // namespace

void registerV3Activations(Napi::Env env, Napi::Object exports) {
  exports.Set("hardSigmoidForward", Napi::Function::New(env, ActForward<plan::kHardSigmoid>));
  exports.Set("hardSigmoidBackward", Napi::Function::New(env, ActBackward<plan::kHardSigmoid>));
  exports.Set("hardSwishForward", Napi::Function::New(env, ActForward<plan::kHardSwish>));
  exports.Set("hardSwishBackward", Napi::Function::New(env, ActBackward<plan::kHardSwish>));
  exports.Set("affineForward", Napi::Function::New(env, AffineForward));
  exports.Set("seMulForward", Napi::Function::New(env, SeMulForward));
  exports.Set("seMulBackward", Napi::Function::New(env, SeMulBackward));
  exports.Set("spatialMeanForward", Napi::Function::New(env, SpatialMeanForward));
  exports.Set("spatialMeanBackward", Napi::Function::New(env, SpatialMeanBackward));
}

}  // namespace mn
