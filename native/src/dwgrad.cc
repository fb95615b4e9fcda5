// Depthwise weight gradient as a plain OpenMP loop, for tiny maps: oneDNN 2.6's falls back to a slow
// path there (measured 2-3 ms vs 0.03-0.12 ms for [128,2,2,512] and [128,1,1,1024]). x [N, IH, IW, C], dy [N, OH, OW, C·M], dw [KH, KW, C, M]; shape vector as conv.cc.
#include <omp.h>
#include <algorithm>
#include <vector>
#include "common.h"

namespace mn {
namespace {

Napi::Value DepthwiseBackwardWeights(const Napi::CallbackInfo& info) {
  auto p = ints(info, 3, 18);
  if (p.empty()) return info.Env().Undefined();
  const long N = p[0], IH = p[1], IW = p[2], C = p[3], OH = p[4], OW = p[5], OC = p[6];
  const long KH = p[7], KW = p[8], SH = p[9], SW = p[10], DH = p[11], DW = p[12], PT = p[13], PL = p[14];
  const long M = OC / C, W = KH * KW * OC;
  float* x = f32(info, 0, N * IH * IW * C);
  float* dy = x ? f32(info, 1, N * OH * OW * OC) : nullptr;
  float* dw = dy ? f32(info, 2, W) : nullptr;
  if (!dw) return info.Env().Undefined();
  std::fill(dw, dw + W, 0.f);
#pragma omp parallel
  {
    std::vector<float> acc(W, 0.f);
#pragma omp for schedule(static) collapse(2) nowait
    for (long n = 0; n < N; ++n)
      for (long oh = 0; oh < OH; ++oh)
        for (long ow = 0; ow < OW; ++ow) {
          const float* g = dy + ((n * OH + oh) * OW + ow) * OC;
          for (long kh = 0; kh < KH; ++kh) {
            long ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= IH) continue;
            for (long kw = 0; kw < KW; ++kw) {
              long iw = ow * SW - PL + kw * DW;
              if (iw < 0 || iw >= IW) continue;
              const float* xr = x + ((n * IH + ih) * IW + iw) * C;
              float* a = acc.data() + (kh * KW + kw) * OC;
              if (M == 1) {
#pragma omp simd
                for (long c = 0; c < C; ++c) a[c] += xr[c] * g[c];
              } else {
                for (long c = 0; c < C; ++c)
                  for (long m = 0; m < M; ++m) a[c * M + m] += xr[c] * g[c * M + m];
              }
            }
          }
        }
#pragma omp critical
    for (long i = 0; i < W; ++i) dw[i] += acc[i];
  }
  return info.Env().Undefined();
}

}  // namespace

void registerDepthwiseGrad(Napi::Env env, Napi::Object exports) {
  exports.Set("depthwiseBackwardWeights", Napi::Function::New(env, DepthwiseBackwardWeights));
}

}  // namespace mn
