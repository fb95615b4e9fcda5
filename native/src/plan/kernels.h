// The plan's own kernels: memory-bound passes over NHWC buffers viewed as [R rows, C channels], fused where a
// framework would run several kernels (batchnorm + activation + residual, its whole backward in two passes),
// plus GEMM for 1×1 convolutions and dense layers. `acc` arguments: add into the output instead of writing it.
#pragma once
#include <cmath>
#include <cstdint>

namespace mn {
namespace plan {
namespace k {

/** Row-major C[M, N] = op(A)·op(B) + beta·C (oneDNN's sgemm, OpenMP threads). */
void gemm(bool ta, bool tb, long M, long N, long K, const float* A, long lda, const float* B, long ldb,
          float beta, float* C, long ldc);

/** Activation value and derivative (TF.js's gradients: relu6 passes where 0 < x ≤ 6). */
inline float actF(int act, float x) {
  switch (act) {
    case 1: return x < 0.f ? 0.f : x;
    case 2: { float v = x < 0.f ? 0.f : x; return v > 6.f ? 6.f : v; }
    case 3: return x * actF(4, x);
    case 4: {  // as the stock layers compute it: Rescaling(1/6, 1/2) → ReLU(max 1)
      float t = x * (1.f / 6.f) + 0.5f;
      t = t < 0.f ? 0.f : t;
      return t > 1.f ? 1.f : t;
    }
    default: return x;
  }
}
inline float actD(int act, float x) {  // masks as 0/1 floats: loops over it vectorise without branches
  switch (act) {
    case 1: return float(x > 0.f) * float(x <= 3.4e38f);  // (the second mask keeps GCC from a branch: 36 ms → 1.5)
    case 2: return float(x > 0.f) * float(x <= 6.f);
    case 3: return actF(4, x) + x * actD(4, x);  // d/dx x·hs(x)
    case 4: {  // ReLU(max 1)'s gradient on t = x/6 + 1/2 (passes where 0 < t ≤ 1), times 1/6
      const float t = x * (1.f / 6.f) + 0.5f;
      return float(t > 0.f) * float(t <= 1.f) * (1.f / 6.f);
    }
    default: return 1.f;
  }
}

/** Batch statistics per channel: mean and biased variance over R rows (double accumulation). */
void bnStats(const float* y, long R, int C, float* mean, float* var);
/** out = act(y·a + b) (+ res) per channel. */
void bnApply(const float* y, long R, int C, const float* a, const float* b, int act, const float* res, float* out);
/**
 * Backward of out = act(y·a + b) (+ res) where a = γ·invstd, b = β − mean·a, batch statistics:
 * dy (written, or added with accDy), dγ, dβ (written), dres += dout when dres is given (accRes: add).
 */
void bnBackward(const float* y, const float* dout, long R, int C, const float* a, const float* b,
                const float* mean, const float* invstd, const float* gamma, int act, float* dy, bool accDy,
                float* dgamma, float* dbeta, float* dres, bool accRes);

/**
 * Backward of out = act(y·a + b) (+ res) for a BN in inference mode (a, b from the moving statistics): each
 * output optional (null: not wanted): dy (+)= g·a, dγ = Σ g·(y − mean)·invstd, dβ = Σ g, dres (+)= dout, where
 * g = dout·act'. (bnBackward likewise skips dy when it is null.)
 */
void bnBackwardFrozen(const float* y, const float* dout, long R, int C, const float* a, const float* b,
                      const float* mean, const float* invstd, int act, float* dy, bool accDy, float* dgamma,
                      float* dbeta, float* dres, bool accRes);

/** out = act(x) over n values; backward dx (+)= dy·act'(x). */
void actForward(const float* x, float* out, long n, int act);
void actBackward(const float* x, const float* dy, float* dx, long n, int act, bool acc);

/** dst = a + b, or dst (+)= src. */
void add(const float* a, const float* b, float* dst, long n);
void addOrCopy(const float* src, float* dst, long n, bool acc);
/** dst (+)= src · s. */
void scaleInto(const float* src, float s, float* dst, long n, bool acc);
/** out = x · scale + offset. */
void affine(const float* x, float scale, float offset, float* out, long n);

/** Column sums of G [R, C] into out (written). */
void colSum(const float* g, long R, int C, float* out);
/** out[r, c] += bias[c] over R rows. */
void addBias(float* out, long R, int C, const float* bias);

/** Global average pooling [N, HW, C] → [N, C]; backward dx (+)= dy / HW broadcast. */
void gapForward(const float* x, long N, long HW, int C, float* out);
void gapBackward(const float* dy, long N, long HW, int C, float* dx, bool acc);

/** SE multiply: out[n, p, c] = x[n, p, c] · s[n, c]; backward dx (+)= dy·s, ds (+)= Σ_p dy·x (each optional). */
void mulForward(const float* x, const float* s, long N, long HW, int C, float* out);
void mulBackward(const float* x, const float* s, const float* dy, long N, long HW, int C, float* dx, bool accX,
                 float* ds, bool accS);

/** Dropout keep-mask bit for element i of step `step` (counter-based: the same in forward and backward). */
inline bool dropKeep(uint64_t seed, uint64_t step, uint64_t i, float rate) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull ^ (step + 1) * 0xBF58476D1CE4E5B9ull ^ (i + 1) * 0x94D049BB133111EBull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return float(z >> 40) * (1.f / 16777216.f) >= rate;
}
/** out (+)= x · keep / (1 − rate). */
void dropout(const float* x, float* out, long n, float rate, uint64_t seed, uint64_t step, bool acc);

/**
 * Softmax cross-entropy from logits [N, K] with label smoothing ε (target (1 − ε)·onehot + ε/K): returns the mean
 * loss, writes d logits = (softmax − target)/N and the number of rows whose arg-max is the label.
 */
double softmaxCrossEntropy(const float* logits, const int32_t* labels, long N, int K, float smoothing,
                           float* dlogits, long* correct);
/** Row-wise softmax [N, K]. */
void softmax(const float* x, float* out, long N, int K);

/** Depthwise weight gradient as a plain loop (oneDNN 2.6 falls back to a slow path on tiny maps). */
void depthwiseWeightGrad(const float* x, const float* dy, float* dw, long N, long IH, long IW, long C, long OH,
                         long OW, long M, long KH, long KW, long SH, long SW, long PT, long PL, long DH = 1, long DW = 1);

}  // namespace k
}  // namespace plan
}  // namespace mn
