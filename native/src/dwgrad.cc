// Depthwise weight gradient as a plain OpenMP loop, for tiny maps: oneDNN 2.6's falls back to a slow
// path there (measured 2-3 ms vs 0.03-0.12 ms for [128,2,2,512] and [128,1,1,1024]). x [N, IH, IW, C], dy [N, OH, OW, C·M], dw [KH, KW, C, M]; shape vector as conv.cc.
#include "common.h"
#include "plan/kernels.h"

namespace mn {
namespace {

Napi::Value DepthwiseBackwardWeights(const Napi::CallbackInfo& info) {
  auto p = ints(info, 3, 18);
  if (p.empty()) return info.Env().Undefined();
  const long N = p[0], IH = p[1], IW = p[2], C = p[3], OH = p[4], OW = p[5], OC = p[6];
  const long KH = p[7], KW = p[8], SH = p[9], SW = p[10], DH = p[11], DW = p[12], PT = p[13], PL = p[14];
  const long M = OC / C, W = KH * KW * OC;  // the loop lives in plan/kernels.cc, shared with the engine
  float* x = f32(info, 0, N * IH * IW * C);
  float* dy = x ? f32(info, 1, N * OH * OW * OC) : nullptr;
  float* dw = dy ? f32(info, 2, W) : nullptr;
  if (!dw) return info.Env().Undefined();
  plan::k::depthwiseWeightGrad(x, dy, dw, N, IH, IW, C, OH, OW, M, KH, KW, SH, SW, PT, PL, DH, DW);
  return info.Env().Undefined();
}

}  // namespace

void registerDepthwiseGrad(Napi::Env env, Napi::Object exports) {
  exports.Set("depthwiseBackwardWeights", Napi::Function::New(env, DepthwiseBackwardWeights));
}

}  // namespace mn
