// The int8 inference plan: the int8 IR of src/engine/int8-ir.ts executed with oneDNN's u8×s8 convolution and
// matmul primitives (int32 accumulation, per-channel output scales, the output zero point and the fused ReLU/ReLU6
// clip as post-ops) and small integer loops for the add, the global average pool, the SE multiply and the
// activation tables. Activations live as u8 = int8 + 128 (so a ReLU output's zero point is 0, what oneDNN wants);
// one quantizing pass at the input, one dequantizing pass at the logits. The multipliers and tables come from JS
// (src/engine/int8-arith.ts), so this plan and the JS reference round alike.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mn {
namespace int8 {

enum class Kind { Conv = 0, Depthwise = 1, Dense = 2, Add = 3, AvgPool = 4, Mul = 5, Lut = 6 };

struct Tensor {
  int h = 1, w = 1, c = 1;
  float scale = 1.f;
  int zp = 0;  // int8 zero point (u8: zp + 128)
  long size() const { return long(h) * w * c; }
};

struct Op {
  Kind kind;
  std::vector<int> in;
  int out = -1;
  int k = 1, stride = 1, pt = 0, pl = 0, pb = 0, pr = 0, mult = 1;
  std::vector<int8_t> w;     // IR layout: conv hwio, depthwise hwcm, dense io
  std::vector<int32_t> bias;
  std::vector<float> m;      // per output channel (weight ops), [ma, mb] (add), [m] (pool, mul)
  int lo = -128, hi = 127;   // int8 clip range
  std::vector<int8_t> lut;   // 256 entries (Lut)
  std::string name;
};

struct Model {
  std::vector<Tensor> tensors;  // 0: the input
  std::vector<Op> ops;
  int output = -1;
  double macsPerImage = 0;
};

/** One batch size's executor: primitives built, weights reordered and buffers allocated once. */
class Exec {
 public:
  Exec(const Model& m, long N);
  ~Exec();
  /** x [N, H, W, C] float (normalised) → logits [N, K] float (dequantized). */
  void run(const float* x, float* y);
  /** The same, int8 logits [N, K] (for tests against the reference). */
  void runInt8(const float* x, int8_t* y);
  long batch() const { return N_; }

 private:
  struct Step;
  void build(const Op& op);
  void allocate();
  void forward(const float* x);
  uint8_t* buf(int t) { return bufs_[size_t(slot_[size_t(t)])].data(); }

  void report();

  const Model& m_;
  long N_;
  bool profile_ = false;  // MOBILENET_PLAN_PROFILE=1: per-kind CPU times on stderr every 10 runs
  std::vector<double> ms_;
  long runs_ = 0;
  dnnl::stream stream_;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<int> slot_;
  std::vector<std::vector<uint8_t>> bufs_;
};

}  // namespace int8
}  // namespace mn
