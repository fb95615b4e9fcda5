// The plan's own kernels (see kernels.h). Loops over channels are innermost and vectorise; rows run in parallel
// when the tensor is large enough to pay for waking the OpenMP team.
#include "kernels.h"
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace mn {
namespace plan {
namespace k {
namespace {

constexpr long kParallelMin = 1 << 14;  // elements below which a pass runs on one thread

inline int teamFor(long n) { return n >= kParallelMin ? omp_get_max_threads() : 1; }

/** Calls f(act) with the activation as a compile-time constant, so each loop vectorises for one activation. */
template <typename F>
void withAct(int act, F f) {
  switch (act) {
    case 1: f(std::integral_constant<int, 1>()); break;
    case 2: f(std::integral_constant<int, 2>()); break;
    case 3: f(std::integral_constant<int, 3>()); break;
    case 4: f(std::integral_constant<int, 4>()); break;
    default: f(std::integral_constant<int, 0>()); break;
  }
}

/** Per-channel sums of f(row, acc) over rows in double, in parallel; out has C·width entries. */
template <typename F>
void channelReduce(long R, int C, int width, std::vector<double>& out, F f) {
  out.assign(size_t(C) * width, 0.0);
#pragma omp parallel num_threads(teamFor(R * C))
  {
    std::vector<double> acc(size_t(C) * width, 0.0);
#pragma omp for schedule(static) nowait
    for (long r = 0; r < R; ++r) f(r, acc.data());
#pragma omp critical
    for (size_t i = 0; i < acc.size(); ++i) out[i] += acc[i];
  }
}

}  // namespace

void gemm(bool ta, bool tb, long M, long N, long K, const float* A, long lda, const float* B, long ldb,
          float beta, float* C, long ldc) {
  if (M == 0 || N == 0) return;
  dnnl_status_t s = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc);
  if (s != dnnl_success) throw std::runtime_error("oneDNN sgemm failed (status " + std::to_string(int(s)) + ")");
}

void bnStats(const float* y, long R, int C, float* mean, float* var) {
  std::vector<float> shift(y, y + C);  // first row: keeps the sums of squares well conditioned
  const float* sh = shift.data();
  std::vector<double> s;
  channelReduce(R, C, 2, s, [&](long r, double* acc) {
    const float* __restrict yr = y + r * C;
    double* __restrict a0 = acc;
    double* __restrict a1 = acc + C;
#pragma omp simd
    for (int c = 0; c < C; ++c) {
      double d = double(yr[c] - sh[c]);
      a0[c] += d;
      a1[c] += d * d;
    }
  });
  for (int c = 0; c < C; ++c) {
    double m = s[c] / double(R);
    mean[c] = float(m + sh[c]);
    var[c] = float(std::max(0.0, s[C + c] / double(R) - m * m));
  }
}

void bnApply(const float* y, long R, int C, const float* a, const float* b, int act, const float* res, float* out) {
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
#pragma omp parallel for schedule(static) num_threads(teamFor(R * C))
    for (long r = 0; r < R; ++r) {
      const float* __restrict yr = y + r * C;
      float* __restrict o = out + r * C;
      if (res) {
        const float* __restrict rr = res + r * C;
#pragma omp simd
        for (int c = 0; c < C; ++c) o[c] = actF(kA, std::fma(yr[c], a[c], b[c])) + rr[c];
      } else {
#pragma omp simd
        for (int c = 0; c < C; ++c) o[c] = actF(kA, std::fma(yr[c], a[c], b[c]));
      }
    }
  });
}

// One row's share of BN's two gradient sums: Σ g and Σ g·(y − mean), g the gradient after the activation.
template <int kA>
inline void bnRowSums(const float* __restrict yr, const float* __restrict dr, const float* a, const float* b,
                      const float* mean, double* __restrict a0, double* __restrict a1, int C) {
#pragma omp simd
  for (int c = 0; c < C; ++c) {
    float g = kA ? dr[c] * actD(kA, std::fma(yr[c], a[c], b[c])) : dr[c];
    a0[c] += g;
    a1[c] += g * (yr[c] - mean[c]);
  }
}

// The gradient a residual add hands unchanged to its other input: written, or added to what is there.
inline void passResidual(const float* __restrict dr, float* __restrict o, int C, bool acc) {
  if (acc) {
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] += dr[c];
  } else {
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] = dr[c];
  }
}

void bnBackward(const float* y, const float* dout, long R, int C, const float* a, const float* b,
                const float* mean, const float* invstd, const float* gamma, int act, float* dy, bool accDy,
                float* dgamma, float* dbeta, float* dres, bool accRes) {
  std::vector<double> s;
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
    channelReduce(R, C, 2, s, [&](long r, double* acc) {
      const float* __restrict yr = y + r * C;
      const float* __restrict dr = dout + r * C;
      bnRowSums<kA>(yr, dr, a, b, mean, acc, acc + C, C);
      if (dres) passResidual(dr, dres + r * C, C, accRes);
    });
  });
  std::vector<float> kk(C), mdb(C), mdg(C);
  for (int c = 0; c < C; ++c) {
    dbeta[c] = float(s[c]);
    dgamma[c] = float(s[C + c] * invstd[c]);
    kk[c] = gamma[c] * invstd[c];
    mdb[c] = dbeta[c] / float(R);
    mdg[c] = dgamma[c] * invstd[c] / float(R);
  }
  const float *K = kk.data(), *B = mdb.data(), *G = mdg.data();
  if (!dy) return;  // the input needs no gradient (the layers below are frozen)
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
#pragma omp parallel for schedule(static) num_threads(teamFor(R * C))
    for (long r = 0; r < R; ++r) {
      const float* __restrict yr = y + r * C;
      const float* __restrict dr = dout + r * C;
      float* __restrict o = dy + r * C;
      if (accDy) {
#pragma omp simd
        for (int c = 0; c < C; ++c) {
          float g = kA ? dr[c] * actD(kA, std::fma(yr[c], a[c], b[c])) : dr[c];
          o[c] += K[c] * (g - B[c] - (yr[c] - mean[c]) * G[c]);
        }
      } else {
#pragma omp simd
        for (int c = 0; c < C; ++c) {
          float g = kA ? dr[c] * actD(kA, std::fma(yr[c], a[c], b[c])) : dr[c];
          o[c] = K[c] * (g - B[c] - (yr[c] - mean[c]) * G[c]);
        }
      }
    }
  });
}

void bnBackwardFrozen(const float* y, const float* dout, long R, int C, const float* a, const float* b,
                      const float* mean, const float* invstd, int act, float* dy, bool accDy, float* dgamma,
                      float* dbeta, float* dres, bool accRes) {
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
#pragma omp parallel for schedule(static) num_threads(teamFor(R * C))
    for (long r = 0; r < R; ++r) {
      const float* __restrict yr = y + r * C;
      const float* __restrict dr = dout + r * C;
      if (dy) {
        float* __restrict o = dy + r * C;
        if (accDy) {
#pragma omp simd
          for (int c = 0; c < C; ++c) o[c] += a[c] * (kA ? dr[c] * actD(kA, std::fma(yr[c], a[c], b[c])) : dr[c]);
        } else {
#pragma omp simd
          for (int c = 0; c < C; ++c) o[c] = a[c] * (kA ? dr[c] * actD(kA, std::fma(yr[c], a[c], b[c])) : dr[c]);
        }
      }
      if (dres) passResidual(dr, dres + r * C, C, accRes);
    }
  });
  if (!dgamma && !dbeta) return;
  std::vector<double> s;
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
    channelReduce(R, C, 2, s, [&](long r, double* acc) {
      const float* __restrict yr = y + r * C;
      const float* __restrict dr = dout + r * C;
      bnRowSums<kA>(yr, dr, a, b, mean, acc, acc + C, C);
    });
  });
  for (int c = 0; c < C; ++c) {
    if (dbeta) dbeta[c] = float(s[c]);
    if (dgamma) dgamma[c] = float(s[C + c] * invstd[c]);
  }
}

void actForward(const float* x, float* out, long n, int act) {
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
    for (long i = 0; i < n; ++i) out[i] = actF(kA, x[i]);
  });
}

void actBackward(const float* x, const float* dy, float* dx, long n, int act, bool acc) {
  withAct(act, [&](auto A) {
    constexpr int kA = decltype(A)::value;
    if (acc) {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
      for (long i = 0; i < n; ++i) dx[i] += dy[i] * actD(kA, x[i]);
    } else {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
      for (long i = 0; i < n; ++i) dx[i] = dy[i] * actD(kA, x[i]);
    }
  });
}

void add(const float* a, const float* b, float* dst, long n) {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
  for (long i = 0; i < n; ++i) dst[i] = a[i] + b[i];
}

void addOrCopy(const float* src, float* dst, long n, bool acc) {
  if (src == dst) return;
  if (acc) {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
    for (long i = 0; i < n; ++i) dst[i] += src[i];
  } else {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
    for (long i = 0; i < n; ++i) dst[i] = src[i];
  }
}

void scaleInto(const float* src, float s, float* dst, long n, bool acc) {
  if (acc) {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
    for (long i = 0; i < n; ++i) dst[i] += src[i] * s;
  } else {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
    for (long i = 0; i < n; ++i) dst[i] = src[i] * s;
  }
}

void affine(const float* x, float scale, float offset, float* out, long n) {
#pragma omp parallel for simd schedule(static) num_threads(teamFor(n))
  for (long i = 0; i < n; ++i) out[i] = x[i] * scale + offset;
}

void colSum(const float* g, long R, int C, float* out) {
  std::vector<double> s;
  channelReduce(R, C, 1, s, [&](long r, double* acc) {
    const float* __restrict gr = g + r * C;
#pragma omp simd
    for (int c = 0; c < C; ++c) acc[c] += gr[c];
  });
  for (int c = 0; c < C; ++c) out[c] = float(s[c]);
}

void addBias(float* out, long R, int C, const float* bias) {
#pragma omp parallel for schedule(static) num_threads(teamFor(R * C))
  for (long r = 0; r < R; ++r) {
    float* __restrict o = out + r * C;
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] += bias[c];
  }
}

void gapForward(const float* x, long N, long HW, int C, float* out) {
  const float inv = 1.f / float(HW);
#pragma omp parallel for schedule(static) num_threads(teamFor(N * HW * C))
  for (long n = 0; n < N; ++n) {
    float* __restrict o = out + n * C;
    std::fill(o, o + C, 0.f);
    for (long p = 0; p < HW; ++p) {
      const float* __restrict xr = x + (n * HW + p) * C;
#pragma omp simd
      for (int c = 0; c < C; ++c) o[c] += xr[c];
    }
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] *= inv;
  }
}

void gapBackward(const float* dy, long N, long HW, int C, float* dx, bool acc) {
  const float inv = 1.f / float(HW);
#pragma omp parallel for schedule(static) num_threads(teamFor(N * HW * C))
  for (long n = 0; n < N; ++n) {
    const float* __restrict g = dy + n * C;
    for (long p = 0; p < HW; ++p) {
      float* __restrict o = dx + (n * HW + p) * C;
      if (acc) {
#pragma omp simd
        for (int c = 0; c < C; ++c) o[c] += g[c] * inv;
      } else {
#pragma omp simd
        for (int c = 0; c < C; ++c) o[c] = g[c] * inv;
      }
    }
  }
}

void mulForward(const float* x, const float* s, long N, long HW, int C, float* out) {
#pragma omp parallel for schedule(static) num_threads(teamFor(N * HW * C))
  for (long r = 0; r < N * HW; ++r) {
    const float* __restrict sr = s + (r / HW) * C;
    const float* __restrict xr = x + r * C;
    float* __restrict o = out + r * C;
#pragma omp simd
    for (int c = 0; c < C; ++c) o[c] = xr[c] * sr[c];
  }
}

void mulBackward(const float* x, const float* s, const float* dy, long N, long HW, int C, float* dx, bool accX,
                 float* ds, bool accS) {
#pragma omp parallel for schedule(static) num_threads(teamFor(N * HW * C))
  for (long n = 0; n < N; ++n) {
    const float* __restrict sr = s + n * C;
    std::vector<float> acc(C, 0.f);
    for (long p = 0; p < HW; ++p) {
      long r = n * HW + p;
      const float* __restrict xr = x + r * C;
      const float* __restrict g = dy + r * C;
      float* __restrict a = acc.data();
      if (dx) {
        float* __restrict o = dx + r * C;
        if (accX) {
#pragma omp simd
          for (int c = 0; c < C; ++c) o[c] += g[c] * sr[c];
        } else {
#pragma omp simd
          for (int c = 0; c < C; ++c) o[c] = g[c] * sr[c];
        }
      }
      if (!ds) continue;
#pragma omp simd
      for (int c = 0; c < C; ++c) a[c] += g[c] * xr[c];
    }
    if (!ds) continue;
    float* __restrict o = ds + n * C;
    for (int c = 0; c < C; ++c) o[c] = accS ? o[c] + acc[c] : acc[c];
  }
}

void dropout(const float* x, float* out, long n, float rate, uint64_t seed, uint64_t step, bool acc) {
  const float keepScale = 1.f / (1.f - rate);
#pragma omp parallel for schedule(static) num_threads(teamFor(n))
  for (long i = 0; i < n; ++i) {
    float v = dropKeep(seed, step, uint64_t(i), rate) ? x[i] * keepScale : 0.f;
    out[i] = acc ? out[i] + v : v;
  }
}

double softmaxCrossEntropy(const float* logits, const int32_t* labels, long N, int K, float smoothing,
                           float* dlogits, long* correct) {
  double loss = 0;
  long right = 0;
  const float off = smoothing / float(K), on = 1.f - smoothing + off;
  std::vector<double> e(K);
  for (long n = 0; n < N; ++n) {
    const float* l = logits + n * K;
    float* d = dlogits + n * K;
    int best = 0;
    for (int j = 1; j < K; ++j)
      if (l[j] > l[best]) best = j;
    if (best == labels[n]) ++right;
    double mx = l[best], sum = 0;
    for (int j = 0; j < K; ++j) sum += (e[j] = std::exp(double(l[j]) - mx));
    double lse = std::log(sum);
    for (int j = 0; j < K; ++j) {
      float t = j == labels[n] ? on : off;
      loss -= double(t) * (double(l[j]) - mx - lse);
      d[j] = float((e[j] / sum - double(t)) / double(N));
    }
  }
  *correct = right;
  return loss / double(N);
}

void softmax(const float* x, float* out, long N, int K) {
#pragma omp parallel for schedule(static) num_threads(teamFor(N * K))
  for (long n = 0; n < N; ++n) {
    const float* l = x + n * K;
    float* o = out + n * K;
    float mx = l[0];
    for (int j = 1; j < K; ++j) mx = std::max(mx, l[j]);
    float sum = 0.f;
    for (int j = 0; j < K; ++j) sum += (o[j] = std::exp(l[j] - mx));
    for (int j = 0; j < K; ++j) o[j] /= sum;
  }
}

void depthwiseWeightGrad(const float* x, const float* dy, float* dw, long N, long IH, long IW, long C, long OH,
                         long OW, long M, long KH, long KW, long SH, long SW, long PT, long PL, long DH, long DW) {
  const long OC = C * M, W = KH * KW * OC;
  std::fill(dw, dw + W, 0.f);
#pragma omp parallel num_threads(teamFor(N * OH * OW * OC))
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
}

}  // namespace k
}  // namespace plan
}  // namespace mn
