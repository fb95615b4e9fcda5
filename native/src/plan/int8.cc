// The int8 inference plan (see int8.h). Float arithmetic here must round exactly as src/engine/int8-arith.ts
// does: one IEEE operation at a time, never fused into an FMA, and every requantization rounds v before it adds
// the (integer) zero point: q = clamp(rne(v) + zo), as XNNPack (TFLite) and onnxruntime do.
#pragma GCC optimize("fp-contract=off")
#include "int8.h"
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <stdexcept>
#include "plan.h"
#include "slot-pool.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace int8 {

struct Exec::Step {
  const Op* op = nullptr;
  bool matmul = false;
  bool prepad = false;         // explicit padding with the input's zero point (then the primitive pads nothing)
  primitive prim;
  memory::desc src, dst, bias;
  memory W;                    // weights in the primitive's layout
  std::vector<int32_t> b;      // bias with the input zero point folded in: bias − zx·Σw
  std::vector<uint8_t> padded; // [N, H + pt + pb, W + pl + pr, C]
};

namespace {

inline uint8_t sat(float v) { return uint8_t(std::min(255.f, std::max(0.f, std::nearbyint(v)))); }

/** Output scales per channel, then the output zero point and the clip, as attributes (u8 domain). */
primitive_attr requantAttr(const Op& op, int zo) {
  primitive_attr attr;
  attr.set_output_scales(1 << 1, op.m);
  post_ops po;
  po.append_eltwise(1.f, algorithm::eltwise_round, 0.f, 0.f);  // rne(v) first: then + zo is exact
  po.append_eltwise(1.f, algorithm::eltwise_linear, 1.f, float(zo + 128));
  if (op.lo > -128 || op.hi < 127) po.append_eltwise(1.f, algorithm::eltwise_clip, float(op.lo + 128), float(op.hi + 128));
  attr.set_post_ops(po);
  return attr;
}

double cpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

bool pointwise(const Op& op) {
  return op.kind == Kind::Conv && op.k == 1 && op.stride == 1 && op.pt + op.pl + op.pb + op.pr == 0;
}

/** Σ of the weights feeding each output channel (for the zero-point compensation). */
std::vector<long> weightSums(const Op& op, long OC) {
  std::vector<long> s(size_t(OC), 0);
  for (size_t i = 0; i < op.w.size(); ++i) s[i % size_t(OC)] += op.w[i];
  return s;
}

}  // namespace

Exec::Exec(const Model& m, long N) : m_(m), N_(N), stream_(plan::planEngine()) {
  for (const Op& op : m.ops) build(op);
  allocate();
  const char* prof = std::getenv("MOBILENET_PLAN_PROFILE");
  profile_ = prof && *prof && *prof != '0';
  ms_.assign(steps_.size() + 1, 0.0);
}

void Exec::report() {
  const char* kind[] = {"conv", "depthwise", "dense", "add", "avgpool", "mul", "lut"};
  std::map<std::string, double> by;
  double total = 0;
  for (size_t i = 0; i <= steps_.size(); ++i) {
    std::string k = "quantize input";
    if (i < steps_.size()) {
      const Step& s = *steps_[i];
      k = kind[int(s.op->kind)];
      if (s.matmul) k += "/matmul";
      if (s.prepad) k += "+prepad";
    }
    by[k] += ms_[i] / double(runs_);
    total += ms_[i] / double(runs_);
  }
  std::fprintf(stderr, "int8 profile (CPU ms of the calling thread), batch %ld, %ld runs: %.3f ms\n", N_, runs_, total);
  for (auto& [k, v] : by) std::fprintf(stderr, "  %-18s %8.3f ms\n", k.c_str(), v);
}

Exec::~Exec() = default;

void Exec::build(const Op& op) {
  auto s = std::make_unique<Step>();
  s->op = &op;
  if (op.kind == Kind::Conv || op.kind == Kind::Depthwise || op.kind == Kind::Dense) {
    const Tensor& ti = m_.tensors[size_t(op.in[0])];
    const Tensor& to = m_.tensors[size_t(op.out)];
    const long OC = to.c;
    const int zx = ti.zp + 128;
    const auto sums = weightSums(op, OC);
    s->b.resize(size_t(OC));
    for (long c = 0; c < OC; ++c) s->b[size_t(c)] = int32_t(long(op.bias[size_t(c)]) - long(zx) * sums[size_t(c)]);
    const auto attr = requantAttr(op, to.zp);
    const auto& eng = plan::planEngine();
    if (op.kind == Kind::Dense || pointwise(op)) {
      const long M = op.kind == Kind::Dense ? N_ : N_ * long(ti.h) * ti.w;
      const long K = op.kind == Kind::Dense ? ti.size() : ti.c;
      s->matmul = true;
      s->src = memory::desc({M, K}, dt::u8, tag::ab);
      s->dst = memory::desc({M, OC}, dt::u8, tag::ab);
      s->bias = memory::desc({1, OC}, dt::s32, tag::ab);
      matmul::primitive_desc pd(matmul::desc(s->src, memory::desc({K, OC}, dt::s8, tag::any), s->bias, s->dst), attr, eng);
      s->prim = matmul(pd);
      s->W = memory(pd.weights_desc(), eng);
      memory user({{K, OC}, dt::s8, tag::ab}, eng, const_cast<int8_t*>(op.w.data()));
      reorder(user, s->W).execute(stream_, user, s->W);
    } else {
      const bool dw = op.kind == Kind::Depthwise;
      s->prepad = zx != 0 && op.pt + op.pl + op.pb + op.pr > 0;
      const long IH = ti.h + (s->prepad ? op.pt + op.pb : 0), IW = ti.w + (s->prepad ? op.pl + op.pr : 0);
      memory::dims pl = s->prepad ? memory::dims{0, 0} : memory::dims{op.pt, op.pl};
      memory::dims pr = s->prepad ? memory::dims{0, 0} : memory::dims{op.pb, op.pr};
      if (s->prepad) s->padded.assign(size_t(N_ * IH * IW * ti.c), uint8_t(zx));
      s->src = memory::desc({N_, ti.c, IH, IW}, dt::u8, tag::nhwc);
      s->dst = memory::desc({N_, OC, to.h, to.w}, dt::u8, tag::nhwc);
      s->bias = memory::desc({OC}, dt::s32, tag::x);
      memory::dims wd = dw ? memory::dims{ti.c, op.mult, 1, op.k, op.k} : memory::dims{OC, ti.c, op.k, op.k};
      memory::desc user(wd, dt::s8, dw ? tag::hwigo : tag::hwio), any(wd, dt::s8, tag::any);
      convolution_forward::primitive_desc pd(
          convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct, s->src, any, s->bias,
                                    s->dst, {op.stride, op.stride}, pl, pr),
          attr, eng);
      s->prim = convolution_forward(pd);
      s->W = memory(pd.weights_desc(), eng);
      memory u(user, eng, const_cast<int8_t*>(op.w.data()));
      reorder(u, s->W).execute(stream_, u, s->W);
    }
    stream_.wait();
  }
  steps_.push_back(std::move(s));
}

void Exec::allocate() {
  const size_t T = m_.tensors.size();
  std::vector<int> lastUse(T, -1);
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int t : steps_[i]->op->in) lastUse[size_t(t)] = int(i);
  lastUse[size_t(m_.output)] = int(steps_.size());
  slot_.assign(T, -1);
  plan::SlotPool pool;
  slot_[0] = pool.take(N_ * m_.tensors[0].size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Op& op = *steps_[i]->op;
    slot_[size_t(op.out)] = pool.take(N_ * m_.tensors[size_t(op.out)].size());
    for (int t : op.in)
      if (lastUse[size_t(t)] == int(i)) pool.release(slot_[size_t(t)]);
  }
  pool.allocate(bufs_);
}

void Exec::forward(const float* x) {
  const Tensor& t0 = m_.tensors[0];
  double t = profile_ ? cpuMs() : 0;
  {
    uint8_t* q = buf(0);
    const float s = t0.scale, z = float(t0.zp + 128);
    const long n = N_ * t0.size();
#pragma omp parallel for if (n > 16384)
    for (long i = 0; i < n; ++i) q[i] = sat(std::nearbyint(x[i] / s) + z);
  }
  if (profile_) ms_[steps_.size()] += cpuMs() - t;
  const auto& eng = plan::planEngine();
  for (size_t si = 0; si < steps_.size(); ++si) {
    Step& s = *steps_[si];
    if (profile_) t = cpuMs();
    const Op& op = *s.op;
    const Tensor& ti = m_.tensors[size_t(op.in[0])];
    const Tensor& to = m_.tensors[size_t(op.out)];
    const uint8_t* a = buf(op.in[0]);
    uint8_t* y = buf(op.out);
    switch (op.kind) {
      case Kind::Conv:
      case Kind::Depthwise:
      case Kind::Dense: {
        if (s.prepad) {  // copy the image into the middle of the zero-point-filled buffer
          const long PH = ti.h + op.pt + op.pb, PW = ti.w + op.pl + op.pr, C = ti.c;
#pragma omp parallel for collapse(2)
          for (long b = 0; b < N_; ++b)
            for (long r = 0; r < ti.h; ++r)
              std::memcpy(&s.padded[size_t(((b * PH + r + op.pt) * PW + op.pl) * C)], a + ((b * ti.h + r) * ti.w) * C,
                          size_t(ti.w * C));
          a = s.padded.data();
        }
        memory X(s.src, eng, const_cast<uint8_t*>(a)), Y(s.dst, eng, y), B(s.bias, eng, s.b.data());
        s.prim.execute(stream_, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, s.W}, {DNNL_ARG_BIAS, B}, {DNNL_ARG_DST, Y}});
        stream_.wait();
        break;
      }
      case Kind::Add: {
        const uint8_t* b = buf(op.in[1]);
        const float ma = op.m[0], mb = op.m[1];
        const int za = ti.zp + 128, zb = m_.tensors[size_t(op.in[1])].zp + 128;
        const float zo = float(to.zp + 128), lo = float(op.lo + 128), hi = float(op.hi + 128);
        const long n = N_ * to.size();
#pragma omp parallel for if (n > 16384)
        for (long i = 0; i < n; ++i) {
          const float fa = ma * float(a[i] - za);
          const float fb = mb * float(b[i] - zb);
          const float v = fa + fb;
          y[i] = uint8_t(std::min(hi, std::max(lo, std::nearbyint(v) + zo)));
        }
        break;
      }
      case Kind::AvgPool: {  // channels innermost (they are contiguous in NHWC): Σ qx − P·zx, exact in int32
        const long P = long(ti.h) * ti.w, C = ti.c;
        const int zx = ti.zp + 128;
        const float M = op.m[0], zo = float(to.zp + 128);
#pragma omp parallel for if (N_ * P * C > 65536)
        for (long b = 0; b < N_; ++b) {
          std::vector<int32_t> acc(size_t(C), 0);
          for (long p = 0; p < P; ++p) {
            const uint8_t* row = a + (b * P + p) * C;
            for (long c = 0; c < C; ++c) acc[size_t(c)] += row[c];
          }
          for (long c = 0; c < C; ++c) {
            const float v = float(long(acc[size_t(c)]) - P * zx) * M;
            y[b * C + c] = sat(std::nearbyint(v) + zo);
          }
        }
        break;
      }
      case Kind::Mul: {
        const uint8_t* g = buf(op.in[1]);
        const long P = long(ti.h) * ti.w, C = ti.c;
        const int zx = ti.zp + 128, zs = m_.tensors[size_t(op.in[1])].zp + 128;
        const float M = op.m[0], zo = float(to.zp + 128);
#pragma omp parallel for collapse(2) if (N_ * P * C > 16384)
        for (long b = 0; b < N_; ++b)
          for (long p = 0; p < P; ++p)
            for (long c = 0; c < C; ++c) {
              const long i = (b * P + p) * C + c;
              const float v = float((int(a[i]) - zx) * (int(g[b * C + c]) - zs)) * M;
              y[i] = sat(std::nearbyint(v) + zo);
            }
        break;
      }
      case Kind::Lut: {
        uint8_t lut[256];
        for (int i = 0; i < 256; ++i) lut[i] = uint8_t(op.lut[size_t(i)] + 128);
        const long n = N_ * to.size();
#pragma omp parallel for if (n > 16384)
        for (long i = 0; i < n; ++i) y[i] = lut[a[i]];
        break;
      }
    }
    if (profile_) ms_[si] += cpuMs() - t;
  }
  if (profile_ && ++runs_ % 10 == 0) report();
}

void Exec::run(const float* x, float* y) {
  forward(x);
  const Tensor& t = m_.tensors[size_t(m_.output)];
  const uint8_t* q = buf(m_.output);
  const int zp = t.zp + 128;
  for (long i = 0; i < N_ * t.size(); ++i) y[i] = t.scale * float(int(q[i]) - zp);
}

void Exec::runInt8(const float* x, int8_t* y) {
  forward(x);
  const Tensor& t = m_.tensors[size_t(m_.output)];
  const uint8_t* q = buf(m_.output);
  for (long i = 0; i < N_ * t.size(); ++i) y[i] = int8_t(int(q[i]) - 128);
}

}  // namespace int8
}  // namespace mn
