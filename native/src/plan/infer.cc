// The inference executor (see infer.h).
#include "infer.h"
#include <algorithm>
#include <cmath>
#include <time.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include "fused_dw.h"
#include "kernels.h"
#include "slot-pool.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace mn {
namespace plan {
namespace {

double cpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

bool isPointwise(const Op& op) {
  return op.type == OpType::Conv && op.k == 1 && op.stride == 1 && op.pt + op.pl + op.pb + op.pr == 0;
}

}  // namespace

InferExec::InferExec(const Graph& g, const Params& p, long N) : g_(g), N_(N), stream_(planEngine()) {
  prepare(p);
  allocate();
  const char* prof = std::getenv("MOBILENET_PLAN_PROFILE");
  profile_ = prof && *prof && *prof != '0';
  ms_.assign(steps_.size(), 0.0);
}

void InferExec::report() {
  const char* kind[] = {"conv", "depthwise", "bn", "act", "add", "mul", "gap", "dense", "dropout", "reshape", "rescale", "softmax"};
  std::map<std::string, double> by;
  double total = 0;
  for (size_t i = 0; i < steps_.size(); ++i) {
    std::string k = kind[int(steps_[i].op->type)];
    if (steps_[i].matmul) k += "/matmul";
    if (steps_[i].fused) k += "+depthwise";
    if (steps_[i].bconv) k += "+blocked";
    by[k] += ms_[i] / runs_;
    total += ms_[i] / runs_;
  }
  std::fprintf(stderr, "inference profile (CPU ms of the calling thread), batch %ld, %ld runs: %.2f ms\n", N_, runs_, total);
  for (auto& [k, v] : by) std::fprintf(stderr, "  %-18s %7.2f ms\n", k.c_str(), v);
}

/** The BN folded into op i (the one BN that alone reads its output): w·scale, (bias − mean)·scale + beta. */
InferExec::Fold InferExec::foldBn(const Params& p, size_t i, std::vector<float>& w, std::vector<float>& bias) const {
  const Op& op = g_.ops[i];
  Fold f{op.out, op.act, -1, -1};
  if (op.act != kNone || op.type == OpType::Dense || g_.consumers[op.out] != 1) return f;
  const long OC = g_.tensors[op.out].c;
  for (size_t j = i + 1; j < g_.ops.size(); ++j) {
    const Op& bn = g_.ops[j];
    if (bn.type != OpType::BatchNorm || bn.in[0] != op.out) continue;
    const float *gm = p.value[bn.params[0]].data(), *bt = p.value[bn.params[1]].data();
    const float *mu = p.value[bn.params[2]].data(), *var = p.value[bn.params[3]].data();
    for (long c = 0; c < OC; ++c) {
      const float sc = gm[c] / std::sqrt(var[c] + bn.eps);
      for (size_t q = size_t(c); q < w.size(); q += size_t(OC)) w[q] *= sc;
      bias[size_t(c)] = (bias[size_t(c)] - mu[c]) * sc + bt[c];
    }
    return {bn.out, bn.act, bn.in.size() > 1 ? bn.in[1] : -1, int(j)};
  }
  return f;
}

/** Op i's weights and bias (zeros without one), [.., OC]. */
void InferExec::weightsOf(const Params& p, size_t i, std::vector<float>& w, std::vector<float>& bias) const {
  const Op& op = g_.ops[i];
  w = p.value[op.params[0]];
  bias.assign(size_t(g_.tensors[op.out].c), 0.f);
  if (op.bias) bias = p.value[op.params[1]];
}

/**
 * The 1×1 convolution at op i (BN folded: f) with the 3×3 depthwise that alone reads its output fused in, when
 * oneDNN has a fused kernel for it; marks the depthwise and its BN absorbed. False: run them apart.
 */
bool InferExec::tryFuse(const Params& p, size_t i, const Fold& f, const std::vector<float>& w,
                        const std::vector<float>& bias, Step& s, std::vector<char>& absorbed) {
  if (!fuseDw_ || f.residual >= 0 || g_.consumers[f.out] != 1) return false;
  size_t j = i + 1;
  while (j < g_.ops.size() && !(g_.ops[j].in[0] == f.out)) ++j;
  if (j == g_.ops.size()) return false;
  const Op& dw = g_.ops[j];
  const Shape &ms = g_.tensors[f.out], &os = g_.tensors[dw.out];
  if (dw.type != OpType::Depthwise || dw.mult != 1 || dw.in.size() != 1 ||
      !FusedPwDw::fits(ms.h, ms.w, dw.k, dw.stride, dw.pt, dw.pl, dw.pb, dw.pr, os.h, os.w))
    return false;
  std::vector<float> dwW, dwB;
  weightsOf(p, j, dwW, dwB);
  const Fold df = foldBn(p, j, dwW, dwB);
  if (df.residual >= 0) return false;
  const Shape& is = g_.tensors[s.op->in[0]];
  PwDwGeom geom{N_, is.h, is.w, is.c, ms.c, dw.stride, dw.pt, dw.pl, os.h, os.w, f.act, df.act};
  auto fused = std::make_unique<FusedPwDw>(geom, stream_, w.data(), bias.data(), dwW.data(), dwB.data());
  // (bufElems sizes a blocked tensor's buffer the same way)
  if (!fused->ok() || fused->blockedOutSize() != N_ * os.h * os.w * ((os.c + 15) / 16 * 16)) return false;
  s.fused = std::move(fused);
  s.out = df.out;
  absorbed[j] = 1;
  if (df.bn >= 0) absorbed[size_t(df.bn)] = 1;
  return true;
}

void InferExec::prepare(const Params& p) {
  const char* fuse = std::getenv("MOBILENET_PLAN_FUSE_DW");
  fuseDw_ = !(fuse && *fuse == '0');
  const char* blocked = std::getenv("MOBILENET_PLAN_BLOCKED");
  blockedChain_ = fuseDw_ && !(blocked && *blocked == '0');
  std::vector<char> absorbed(g_.ops.size(), 0);
  for (size_t i = 0; i < g_.ops.size(); ++i) {
    if (absorbed[i]) continue;
    const Op& op = g_.ops[i];
    Step s;
    s.op = &op;
    s.out = op.out;
    s.act = op.act;
    const Shape& is = g_.tensors[op.in[0]];
    if (op.type == OpType::Conv || op.type == OpType::Depthwise || op.type == OpType::Dense) {
      const long OC = g_.tensors[op.out].c;
      std::vector<float> w;
      weightsOf(p, i, w, s.bias);
      const Fold f = foldBn(p, i, w, s.bias);
      if (f.bn >= 0) absorbed[size_t(f.bn)] = 1;
      s.out = f.out;
      s.act = f.act;
      s.residual = f.residual;
      if (isPointwise(op) && tryFuse(p, i, f, w, s.bias, s, absorbed)) {
        steps_.push_back(std::move(s));
        continue;
      }
      const Shape& os = g_.tensors[s.out];
      auto attr = planPostOps(s.act, s.residual >= 0);
      if (isPointwise(op) || op.type == OpType::Dense) {
        const long M = op.type == OpType::Dense ? N_ : N_ * long(is.h) * is.w;
        const long K = op.type == OpType::Dense ? is.size() : is.c;
        s.matmul = true;
        s.mmSrc = memory::desc({M, K}, dt::f32, tag::ab);
        s.mmDst = memory::desc({M, OC}, dt::f32, tag::ab);
        s.mmBias = memory::desc({1, OC}, dt::f32, tag::ab);
        memory::desc wAny({K, OC}, dt::f32, tag::any);
        matmul::primitive_desc pd(matmul::desc(s.mmSrc, wAny, s.mmBias, s.mmDst), attr, planEngine());
        s.mm = matmul(pd);
        s.mmW = memory(pd.weights_desc(), planEngine());
        memory user({{K, OC}, dt::f32, tag::ab}, planEngine(), w.data());
        reorder(user, s.mmW).execute(stream_, user, s.mmW);
        stream_.wait();
        if (blockedChain_ && op.type == OpType::Conv) s.twinW = w;
      } else {
        ConvGeom cg{N_, is.h, is.w, is.c, os.h, os.w, OC, op.k, op.stride, op.pt, op.pl, op.pb, op.pr,
                    op.type == OpType::Depthwise ? is.c : 1};
        s.conv = std::make_unique<DnnlConv>(cg, false, true, attr);
        s.conv->setWeights(stream_, w.data());  // copies into the primitive's layout
        stream_.wait();
        if (blockedChain_) s.twinW = w;
        if (s.conv->keepsUserWeights()) s.w = std::move(w);  // the primitive reads them in place
      }
    } else if (op.type == OpType::BatchNorm) {
      const int C = g_.tensors[op.out].c;
      const float *gm = p.value[op.params[0]].data(), *bt = p.value[op.params[1]].data();
      const float *mu = p.value[op.params[2]].data(), *var = p.value[op.params[3]].data();
      s.a.resize(size_t(C));
      s.b.resize(size_t(C));
      for (int c = 0; c < C; ++c) {
        s.a[size_t(c)] = gm[c] / std::sqrt(var[c] + op.eps);
        s.b[size_t(c)] = bt[c] - mu[c] * s.a[size_t(c)];
      }
      if (op.in.size() > 1) s.residual = op.in[1];
    }
    steps_.push_back(std::move(s));
  }
  buildTwins();
}

void InferExec::allocate() {
  const size_t T = g_.tensors.size();
  chooseLayouts();
  size_t toB = 0, fromB = 0;
  for (Step& s : steps_) {
    if (s.fused && !s.inBlocked) toB = std::max(toB, size_t(s.fused->blockedInSize()));
    if (s.fused && !s.outBlocked) fromB = std::max(fromB, size_t(s.fused->blockedOutSize()));
    if (s.bconv) toB = std::max(toB, size_t(s.bconv->plainInSize()));
    if (s.bconv && !s.outBlocked) fromB = std::max(fromB, size_t(s.bconv->blockedOutSize()));
  }
  toBlocked_.resize(toB);
  fromBlocked_.resize(fromB);
  root_.resize(T);
  std::vector<int>& root = root_;
  for (size_t t = 0; t < T; ++t) root[t] = int(t);
  for (const Step& s : steps_)
    if (s.op->type == OpType::Reshape || s.op->type == OpType::Dropout) root[s.out] = root[s.op->in[0]];
  std::vector<int> lastUse(T, -1);
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (int t : steps_[i].op->in) lastUse[root[t]] = int(i);
    if (steps_[i].residual >= 0) lastUse[root[steps_[i].residual]] = int(i);
  }
  lastUse[root[g_.output]] = int(steps_.size());
  slot_.assign(T, -1);
  SlotPool pool;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    const int out = root[s.out];
    if (out != s.out) continue;  // an alias: nothing to compute or allocate
    const int res = s.residual >= 0 ? root[s.residual] : -1;
    const bool inPlace = res > 0 && lastUse[res] == int(i) && res != root[s.op->in[0]];
    if (inPlace) {
      slot_[out] = slot_[res];
      lastUse[res] = -2;  // its buffer now belongs to `out`
    } else {
      slot_[out] = pool.take(bufElems(out));
    }
    for (int t : s.op->in) {
      int r = root[t];
      if (r > 0 && lastUse[r] == int(i)) pool.release(slot_[r]);
    }
    if (res > 0 && lastUse[res] == int(i)) pool.release(slot_[res]);
  }
  pool.allocate(bufs_);
  for (Step& s : steps_)
    s.inPlace = s.residual >= 0 && root[s.residual] > 0 && slot_[root[s.residual]] == slot_[root[s.out]];
}

void InferExec::exec(Step& s) {
  const Op& op = *s.op;
  if (op.type == OpType::Reshape || op.type == OpType::Dropout) return;  // aliases: same buffer
  const float* x = buf(op.in[0]);
  float* y = buf(s.out);
  const Shape& is = g_.tensors[op.in[0]];
  const Shape& os = g_.tensors[s.out];
  if (s.residual >= 0 && !s.inPlace && (s.matmul || s.conv)) std::memcpy(y, buf(s.residual), size_t(bufElems(s.out)) * 4);
  if (s.bconv) {
    s.bconv->forward(stream_, x, y, s.outBlocked, toBlocked_.data(), fromBlocked_.data());
    stream_.wait();
    return;
  }
  if (s.matmul) {
    memory X(s.mmSrc, planEngine(), const_cast<float*>(x)), Y(s.mmDst, planEngine(), y);
    memory B(s.mmBias, planEngine(), s.bias.data());
    s.mm.execute(stream_, {{DNNL_ARG_SRC, X}, {DNNL_ARG_WEIGHTS, s.mmW}, {DNNL_ARG_BIAS, B}, {DNNL_ARG_DST, Y}});
    stream_.wait();
    return;
  }
  if (s.fused) {
    s.fused->forward(stream_, x, s.inBlocked, y, s.outBlocked, toBlocked_.data(), fromBlocked_.data());
    stream_.wait();
    return;
  }
  if (s.conv) {
    s.conv->forward(stream_, x, s.bias.data(), y);
    stream_.wait();
    return;
  }
  switch (op.type) {
    case OpType::BatchNorm:
      k::bnApply(x, rows(s.out), os.c, s.a.data(), s.b.data(), op.act, s.residual >= 0 ? buf(s.residual) : nullptr, y);
      break;
    case OpType::Act: k::actForward(x, y, elems(s.out), op.act); break;
    case OpType::Add: k::add(x, buf(op.in[1]), y, elems(s.out)); break;
    case OpType::Mul: k::mulForward(x, buf(op.in[1]), N_, long(os.h) * os.w, os.c, y); break;
    case OpType::GlobalAvgPool: k::gapForward(x, N_, long(is.h) * is.w, is.c, y); break;
    case OpType::Rescale: k::affine(x, op.scale, op.offset, y, elems(s.out)); break;
    case OpType::Softmax: k::softmax(x, y, N_, os.size()); break;
    case OpType::Reshape:
    case OpType::Dropout: break;
    default: throw std::runtime_error("plan: no inference kernel for " + op.name);
  }
}

const float* InferExec::run(const float* x) {
  input_ = const_cast<float*>(x);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const double t0 = profile_ ? cpuMs() : 0;
    exec(steps_[i]);
    if (profile_) ms_[i] += cpuMs() - t0;
  }
  if (profile_ && ++runs_ % 10 == 0) report();
  return buf(g_.output);
}

}  // namespace plan
}  // namespace mn
