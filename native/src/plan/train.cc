// The training executor (see train.h). Backward walks the ops in reverse; a tensor's gradient buffer is written
// by its first writer and added into by the others (residual branches), tracked per step in gradSet_.
#include "train.h"
#include <omp.h>
#include <cmath>
#include <time.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include "kernels.h"

namespace mn {
namespace plan {
namespace {

/** Milliseconds of CPU this thread has used: with one thread, a timing that other processes cannot inflate. */
double cpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/** Grows v to at least n elements (never shrinks: another executor may need the size). */
void grow(Buffer& v, long n) {
  if (long(v.size()) < n) v.resize(size_t(n));
}

}  // namespace

TrainExec::TrainExec(const Graph& g, Params& p, long N, TrainBuffers& buffers)
    : g_(g), p_(p), N_(N), stream_(planEngine()), buf_(buffers) {
  const size_t T = g.tensors.size();
  root_.resize(T);
  for (size_t t = 0; t < T; ++t) root_[t] = int(t);
  needGrad_.assign(T, 0);
  for (const Op& op : g.ops) {
    if (op.type == OpType::Reshape) root_[op.out] = root_[op.in[0]];
    bool ng = false;
    for (int t : op.in) ng = ng || needGrad_[t];
    for (int q : op.params) ng = ng || g.trainable[q];
    needGrad_[op.out] = ng;
  }
  buf_.val.resize(T);
  buf_.grad.resize(T);
  buf_.pre.resize(g.ops.size());
  val_.assign(T, nullptr);
  grad_.assign(T, nullptr);
  long maxElems = 0;
  for (size_t t = 0; t < T; ++t) {
    maxElems = std::max(maxElems, elems(int(t)));
    if (root_[t] != int(t)) continue;
    if (t != 0) grow(buf_.val[t], elems(int(t)));
    if (needGrad_[t]) grow(buf_.grad[t], elems(int(t)));
  }
  gradSet_.assign(T, 0);
  const char* prof = std::getenv("MOBILENET_PLAN_PROFILE");
  profile_ = prof && *prof && *prof != '0';
  fwdMs_.assign(g.ops.size() + 1, 0.0);
  bwdMs_.assign(g.ops.size() + 1, 0.0);
  grow(buf_.scratchG, maxElems);
  grow(buf_.scratchX, maxElems);
  st_.resize(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    OpState& s = st_[i];
    const Shape& is = g.tensors[op.in[0]];
    const Shape& os = g.tensors[op.out];
    switch (op.type) {
      case OpType::Conv:
      case OpType::Depthwise: {
        bool dw = op.type == OpType::Depthwise;
        s.gemm = !dw && op.k == 1 && op.stride == 1 && op.pt + op.pl + op.pb + op.pr == 0;
        if (!s.gemm) {
          ConvGeom cg{N, is.h, is.w, is.c, os.h, os.w, os.c, op.k, op.stride, op.pt, op.pl, op.pb, op.pr,
                      dw ? is.c : 1};
          s.conv = std::make_unique<DnnlConv>(cg, true, op.bias);
          s.smallDwGrad = dw && long(os.h) * os.w <= 4;
        }
        s.pre = op.act != kNone;
        break;
      }
      case OpType::Dense:
        s.gemm = true;
        s.pre = op.act != kNone;
        break;
      case OpType::BatchNorm:
        s.mean.resize(os.c), s.var.resize(os.c), s.invstd.resize(os.c), s.a.resize(os.c), s.b.resize(os.c);
        break;
      default:
        break;
    }
    if (s.pre) grow(buf_.pre[i], elems(op.out));
  }
}

void TrainExec::bind() {
  for (size_t t = 0; t < val_.size(); ++t) {
    const int r = root_[t];
    if (r != 0) val_[t] = buf_.val[size_t(r)].data();
    grad_[t] = needGrad_[size_t(r)] ? buf_.grad[size_t(r)].data() : nullptr;
  }
}

float* TrainExec::gradFor(int t, bool* acc) {
  int r = root_[t];
  *acc = gradSet_[r] != 0;
  gradSet_[r] = 1;
  return grad_[t];
}

void TrainExec::forwardOp(size_t i, uint64_t seed, uint64_t step, bool updateStats) {
  const Op& op = g_.ops[i];
  OpState& s = st_[i];
  const Shape& is = g_.tensors[op.in[0]];
  const Shape& os = g_.tensors[op.out];
  const float* x = val_[op.in[0]];
  float* y = val_[op.out];
  switch (op.type) {
    case OpType::Conv:
    case OpType::Depthwise:
    case OpType::Dense: {
      const float* w = p_.value[op.params[0]].data();
      const float* bias = op.bias ? p_.value[op.params[1]].data() : nullptr;
      float* z = s.pre ? buf_.pre[i].data() : y;  // pre-activation
      if (s.gemm) {
        long R = op.type == OpType::Dense ? N_ : rows(op.out);
        long IC = op.type == OpType::Dense ? is.size() : is.c;
        k::gemm(false, false, R, os.c, IC, x, IC, w, os.c, 0.f, z, os.c);
        if (bias) k::addBias(z, R, os.c, bias);
      } else {
        s.conv->setWeights(stream_, w);
        s.conv->forward(stream_, x, bias, z);
        stream_.wait();
      }
      if (op.act != kNone) k::actForward(z, y, elems(op.out), op.act);
      break;
    }
    case OpType::BatchNorm: {
      const long R = rows(op.out);
      const int C = os.c;
      const float* gamma = p_.value[op.params[0]].data();
      const float* beta = p_.value[op.params[1]].data();
      if (op.frozen) {  // inference mode: the moving statistics normalise (as Keras runs a frozen BN)
        const float* mm = p_.value[op.params[2]].data();
        const float* mv = p_.value[op.params[3]].data();
        std::copy(mm, mm + C, s.mean.begin());
        std::copy(mv, mv + C, s.var.begin());
      } else {
        k::bnStats(x, R, C, s.mean.data(), s.var.data());
      }
      for (int c = 0; c < C; ++c) {
        s.invstd[c] = 1.f / std::sqrt(s.var[c] + op.eps);
        s.a[c] = gamma[c] * s.invstd[c];
        s.b[c] = beta[c] - s.mean[c] * s.a[c];
      }
      const float* res = op.in.size() > 1 ? val_[op.in[1]] : nullptr;
      k::bnApply(x, R, C, s.a.data(), s.b.data(), op.act, res, y);
      if (updateStats && !op.frozen) {  // tfjs-layers: v ← v − (v − batch)·(1 − momentum)
        const float om = float(1.0 - double(op.momentum));
        float* mm = p_.value[op.params[2]].data();
        float* mv = p_.value[op.params[3]].data();
        for (int c = 0; c < C; ++c) {
          mm[c] = mm[c] - (mm[c] - s.mean[c]) * om;
          mv[c] = mv[c] - (mv[c] - s.var[c]) * om;
        }
      }
      break;
    }
    case OpType::Act: k::actForward(x, y, elems(op.out), op.act); break;
    case OpType::Add: k::add(x, val_[op.in[1]], y, elems(op.out)); break;
    case OpType::Mul: k::mulForward(x, val_[op.in[1]], N_, long(os.h) * os.w, os.c, y); break;
    case OpType::GlobalAvgPool: k::gapForward(x, N_, long(is.h) * is.w, is.c, y); break;
    case OpType::Dropout:
      if (op.rate > 0.f) k::dropout(x, y, elems(op.out), op.rate, seed, step, false);
      else k::addOrCopy(x, y, elems(op.out), false);
      break;
    case OpType::Reshape: break;
    case OpType::Rescale: k::affine(x, op.scale, op.offset, y, elems(op.out)); break;
    case OpType::Softmax: k::softmax(x, y, N_, os.size()); break;
  }
}

bool TrainExec::backwardOp(size_t i, uint64_t seed, uint64_t step) {
  const Op& op = g_.ops[i];
  if (!needGrad_[op.out] || !gradSet_[root_[op.out]] || op.type == OpType::Reshape) return false;
  OpState& s = st_[i];
  const Shape& is = g_.tensors[op.in[0]];
  const Shape& os = g_.tensors[op.out];
  const float* x = val_[op.in[0]];
  const float* G = grad_[op.out];
  const long n = elems(op.out);
  const bool wantX = needGrad_[op.in[0]];
  bool acc = false;
  switch (op.type) {
    case OpType::Conv:
    case OpType::Depthwise:
    case OpType::Dense: {
      if (op.act != kNone) {  // gradient before the activation
        k::actBackward(buf_.pre[i].data(), G, buf_.scratchG.data(), n, op.act, false);
        G = buf_.scratchG.data();
      }
      const float* w = p_.value[op.params[0]].data();
      const bool trainW = g_.trainable[size_t(op.params[0])];  // frozen: no weight gradient, input gradient only
      float* dw = trainW ? p_.grad[op.params[0]].data() : nullptr;
      float* db = op.bias && g_.trainable[size_t(op.params[1])] ? p_.grad[op.params[1]].data() : nullptr;
      if (s.gemm) {
        long R = op.type == OpType::Dense ? N_ : rows(op.out);
        long IC = op.type == OpType::Dense ? is.size() : is.c;
        if (dw) k::gemm(true, false, IC, os.c, R, x, IC, G, os.c, 0.f, dw, os.c);  // dW = Xᵀ·G
        if (db) k::colSum(G, R, os.c, db);
        if (wantX) {
          float* dx = gradFor(op.in[0], &acc);
          k::gemm(false, true, R, IC, os.c, G, os.c, w, os.c, acc ? 1.f : 0.f, dx, IC);  // dX = G·Wᵀ
        }
        break;
      }
      if (!dw) {
        if (db) k::colSum(G, rows(op.out), os.c, db);
      } else if (s.smallDwGrad) {
        k::depthwiseWeightGrad(x, G, dw, N_, is.h, is.w, is.c, os.h, os.w, op.mult, op.k, op.k, op.stride,
                               op.stride, op.pt, op.pl);
        if (db) k::colSum(G, rows(op.out), os.c, db);
      } else {
        s.conv->backwardWeights(stream_, x, G, dw, db);
        stream_.wait();
      }
      if (wantX) {
        float* dx = gradFor(op.in[0], &acc);
        float* into = acc ? buf_.scratchX.data() : dx;  // oneDNN writes; add into a claimed gradient afterwards
        s.conv->backwardData(stream_, G, into);
        stream_.wait();
        if (acc) k::addOrCopy(into, dx, elems(op.in[0]), true);
      }
      break;
    }
    case OpType::BatchNorm: {
      const long R = rows(op.out);
      const int C = os.c;
      const float* gamma = p_.value[op.params[0]].data();
      float* dgamma = g_.trainable[size_t(op.params[0])] ? p_.grad[op.params[0]].data() : nullptr;
      float* dbeta = g_.trainable[size_t(op.params[1])] ? p_.grad[op.params[1]].data() : nullptr;
      float* dres = nullptr;
      bool accRes = false;
      if (op.in.size() > 1 && needGrad_[op.in[1]]) dres = gradFor(op.in[1], &accRes);
      float* dy = wantX ? gradFor(op.in[0], &acc) : nullptr;
      if (op.frozen)  // inference mode: out = act(y·a + b), a and b constants of the batch
        k::bnBackwardFrozen(x, G, R, C, s.a.data(), s.b.data(), s.mean.data(), s.invstd.data(), op.act, dy, acc,
                            dgamma, dbeta, dres, accRes);
      else
        k::bnBackward(x, G, R, C, s.a.data(), s.b.data(), s.mean.data(), s.invstd.data(), gamma, op.act, dy, acc,
                      dgamma, dbeta, dres, accRes);
      break;
    }
    case OpType::Act:
      if (wantX) {
        float* dx = gradFor(op.in[0], &acc);  // (before reading acc: argument order is unspecified)
        k::actBackward(x, G, dx, n, op.act, acc);
      }
      break;
    case OpType::Add:
      for (int t : op.in) {
        if (!needGrad_[t]) continue;
        float* d = gradFor(t, &acc);
        k::addOrCopy(G, d, n, acc);
      }
      break;
    case OpType::Mul: {
      float* dx = nullptr;
      bool accS = false;
      if (wantX) dx = gradFor(op.in[0], &acc);
      float* ds = needGrad_[op.in[1]] ? gradFor(op.in[1], &accS) : nullptr;
      k::mulBackward(x, val_[op.in[1]], G, N_, long(os.h) * os.w, os.c, dx, acc, ds, accS);
      break;
    }
    case OpType::GlobalAvgPool:
      if (wantX) {
        float* dx = gradFor(op.in[0], &acc);
        k::gapBackward(G, N_, long(is.h) * is.w, is.c, dx, acc);
      }
      break;
    case OpType::Dropout:
      if (!wantX) break;
      if (op.rate > 0.f) {
        float* dx = gradFor(op.in[0], &acc);
        k::dropout(G, dx, n, op.rate, seed, step, acc);
      } else {
        float* dx = gradFor(op.in[0], &acc);
        k::addOrCopy(G, dx, n, acc);
      }
      break;
    case OpType::Rescale:
      if (wantX) {
        float* dx = gradFor(op.in[0], &acc);
        k::scaleInto(G, op.scale, dx, n, acc);
      }
      break;
    case OpType::Reshape:
    case OpType::Softmax:
      throw std::runtime_error("plan: " + op.name + " cannot be trained through");
  }
  return true;
}

const float* TrainExec::forward(const float* x, uint64_t seed, uint64_t step, bool updateStats) {
  bind();
  val_[0] = const_cast<float*>(x);
  for (size_t t = 0; t < val_.size(); ++t)
    if (root_[t] == 0) val_[t] = val_[0];
  for (size_t i = 0; i < g_.ops.size(); ++i) {
    const double t0 = profile_ ? cpuMs() : 0;
    forwardOp(i, seed, step, updateStats);
    if (profile_) fwdMs_[i] += cpuMs() - t0;
  }
  return val_[g_.output];
}

void TrainExec::batchStats(int op, float* mean, float* var) const {
  const OpState& s = st_.at(size_t(op));
  std::copy(s.mean.begin(), s.mean.end(), mean);
  std::copy(s.var.begin(), s.var.end(), var);
}

StepResult TrainExec::step(const float* x, const int32_t* labels, const StepConfig& cfg) {
  const uint64_t step = uint64_t(p_.iterations);
  forward(x, cfg.seed, step, true);
  std::fill(gradSet_.begin(), gradSet_.end(), 0);
  StepResult r;
  const Shape& out = g_.tensors[g_.output];
  bool acc = false;
  float* dl = gradFor(g_.output, &acc);
  r.loss = k::softmaxCrossEntropy(val_[g_.output], labels, N_, int(out.size()), cfg.labelSmoothing, dl, &r.correct);
  for (size_t i = g_.ops.size(); i-- > 0;) {
    const double t0 = profile_ ? cpuMs() : 0;
    if (backwardOp(i, cfg.seed, step)) r.backwardOps++;
    if (profile_) bwdMs_[i] += cpuMs() - t0;
  }
  if (cfg.update) {
    const double t0 = profile_ ? cpuMs() : 0;
    applyOptimizer(g_, p_, cfg.opt);
    p_.iterations++;
    if (cfg.emaDecay > 0 && !p_.ema.empty()) applyEma(g_, p_, cfg.emaDecay, p_.iterations);
    if (profile_) fwdMs_.back() += cpuMs() - t0;
  }
  if (profile_ && ++profiled_ % 10 == 0) report();
  return r;
}

void TrainExec::report() {
  const char* kind[] = {"conv", "depthwise", "bn", "act", "add", "mul", "gap", "dense", "dropout", "reshape", "rescale", "softmax"};
  std::map<std::string, std::pair<double, double>> by;
  double tf = 0, tb = 0;
  for (size_t i = 0; i < g_.ops.size(); ++i) {
    const Op& op = g_.ops[i];
    std::string k = kind[int(op.type)];
    if (op.type == OpType::Conv) k += st_[i].gemm ? "/gemm" : "/onednn";
    if (op.type == OpType::Depthwise && st_[i].smallDwGrad) k += "/small";
    by[k].first += fwdMs_[i] / profiled_;
    by[k].second += bwdMs_[i] / profiled_;
    tf += fwdMs_[i] / profiled_;
    tb += bwdMs_[i] / profiled_;
  }
  std::fprintf(stderr, "plan profile (CPU ms of the calling thread), batch %ld, %ld steps: forward %.2f ms, backward %.2f ms, optimizer %.2f ms\n", N_,
               profiled_, tf, tb, fwdMs_.back() / profiled_);
  for (auto& [k, v] : by) std::fprintf(stderr, "  %-18s fwd %7.2f  bwd %7.2f ms\n", k.c_str(), v.first, v.second);
}

void applyEma(const Graph& g, Params& p, double decay, long t) {
  const double d = std::min(decay, (1.0 + double(t)) / (10.0 + double(t))), a = 1.0 - d;
#pragma omp parallel
  for (size_t q = 0; q < p.value.size(); ++q) {
    if (!g.trainable[q] || p.ema[q].empty()) continue;
    float* e = p.ema[q].data();
    const float* w = p.value[q].data();
    const long n = long(p.value[q].size());
#pragma omp for simd schedule(static) nowait
    for (long i = 0; i < n; ++i) e[i] = float(d * double(e[i]) + a * double(w[i]));  // as train/ema.ts in JS
  }
}

void applyOptimizer(const Graph& g, Params& p, const OptConfig& o) {
  const double t = double(p.iterations + 1);
  const float c1 = float(1.0 - std::pow(double(o.beta1), t)), c2 = float(1.0 - std::pow(double(o.beta2), t));
  const float a1 = float(1.0 - double(o.beta1)), a2 = float(1.0 - double(o.beta2));
  const float lr = o.lr, decay = o.lr * o.weightDecay;
#pragma omp parallel
  for (size_t q = 0; q < p.value.size(); ++q) {
    if (!g.trainable[q]) continue;
    float* w = p.value[q].data();
    const float* gr = p.grad[q].data();
    float* m = p.slot1[q].data();
    float* v = p.slot2[q].data();
    const long n = long(p.value[q].size());
    const bool wd = decay > 0.f && g.decay[q];
    if (o.kind == 0) {  // Adam, as tfjs-core (and the addon's adam kernel): same operations, same order
#pragma omp for simd schedule(static) nowait
      for (long i = 0; i < n; ++i) {
        const float wi = wd ? w[i] - decay * w[i] : w[i];
        const float m1 = m[i] * o.beta1 + gr[i] * a1;
        const float v1 = v[i] * o.beta2 + (gr[i] * gr[i]) * a2;
        m[i] = m1;
        v[i] = v1;
        w[i] = (m1 / c1) / (std::sqrt(v1 / c2) + o.eps) * -lr + wi;
      }
    } else if (o.kind == 1) {  // MomentumOptimizer: acc = m·acc + g; w = −lr·acc + w
#pragma omp for simd schedule(static) nowait
      for (long i = 0; i < n; ++i) {
        const float wi = wd ? w[i] - decay * w[i] : w[i];
        const float a = o.momentum * m[i] + gr[i];
        m[i] = a;
        w[i] = -lr * a + wi;
      }
    } else {  // RMSPropOptimizer (not centred): ms = ms·ρ + g²(1 − ρ); mom = mom·μ + g·lr/√(ms + ε); w −= mom
      const float r1 = float(1.0 - double(o.rho));
#pragma omp for simd schedule(static) nowait
      for (long i = 0; i < n; ++i) {
        const float wi = wd ? w[i] - decay * w[i] : w[i];
        const float ms = m[i] * o.rho + (gr[i] * gr[i]) * r1;
        const float mo = v[i] * o.momentum + (gr[i] * lr) / std::sqrt(ms + o.eps);
        m[i] = ms;
        v[i] = mo;
        w[i] = wi - mo;
      }
    }
  }
}

}  // namespace plan
}  // namespace mn
