// N-API surface of the compiled plan: create from a graph description, copy parameters and optimizer slots in and
// out, one training step per call (asynchronous: JS prepares the next batch meanwhile), inference on any batch.
#include <chrono>
#include <napi.h>
#include <omp.h>
#include <cstdlib>
#include <map>
#include <mutex>
#include "../common.h"
#include "infer.h"
#include "train.h"

namespace mn {
namespace plan {
namespace {

struct Model {
  Graph g;
  std::unique_ptr<Params> p;
  std::mutex mu;
  std::map<long, std::unique_ptr<TrainExec>> train;
  TrainBuffers trainBuffers;  // shared by the training executors (train.h)
  std::map<long, std::unique_ptr<InferExec>> infer;  // by padded batch size; dropped when weights change
  std::vector<float> padded;
  long lastTrainBatch = 0;
  double setupMs = 0;  // wall time spent building executors (primitives, buffers), all of them so far
};

/** Builds an executor, adding the time it took to m.setupMs. */
template <class Make>
auto timedSetup(Model& m, Make make) {
  const auto t0 = std::chrono::steady_clock::now();
  auto e = make();
  m.setupMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

int num(const Napi::Object& o, const char* k, int d) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : d;
}
float fnum(const Napi::Object& o, const char* k, float d) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().FloatValue() : d;
}
std::vector<int> intList(const Napi::Object& o, const char* k) {
  std::vector<int> r;
  Napi::Value v = o.Get(k);
  if (!v.IsArray()) return r;
  auto a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) r.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  return r;
}

Graph parseGraph(const Napi::Object& d) {
  Graph g;
  auto shapes = intList(d, "tensors");  // h, w, c per tensor
  if (shapes.size() % 3 != 0) throw std::runtime_error("plan: tensors must be (h, w, c) triples");
  for (size_t i = 0; i < shapes.size(); i += 3) {
    if (shapes[i] < 1 || shapes[i + 1] < 1 || shapes[i + 2] < 1) throw std::runtime_error("plan: empty tensor shape");
    g.tensors.push_back({shapes[i], shapes[i + 1], shapes[i + 2]});
  }
  for (int s : intList(d, "paramSizes")) g.paramSizes.push_back(s);
  for (int t : intList(d, "trainable")) g.trainable.push_back(t != 0);
  for (int t : intList(d, "decay")) g.decay.push_back(t != 0);
  auto ops = d.Get("ops").As<Napi::Array>();
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    auto o = ops.Get(i).As<Napi::Object>();
    Op op;
    op.type = OpType(num(o, "type", -1));
    if (int(op.type) < 0 || int(op.type) > int(OpType::Softmax)) throw std::runtime_error("plan: unknown op type");
    op.in = intList(o, "in");
    op.out = num(o, "out", -1);
    op.params = intList(o, "params");
    op.k = num(o, "k", 1), op.stride = num(o, "stride", 1), op.mult = num(o, "mult", 1);
    op.pt = num(o, "pt", 0), op.pl = num(o, "pl", 0), op.pb = num(o, "pb", 0), op.pr = num(o, "pr", 0);
    op.bias = num(o, "bias", 0) != 0;
    op.frozen = num(o, "frozen", 0) != 0;
    op.act = num(o, "act", 0);
    op.eps = fnum(o, "eps", 1e-3f), op.momentum = fnum(o, "momentum", 0.99f), op.rate = fnum(o, "rate", 0.f);
    op.scale = fnum(o, "scale", 1.f), op.offset = fnum(o, "offset", 0.f);
    Napi::Value name = o.Get("name");
    op.name = name.IsString() ? name.As<Napi::String>().Utf8Value() : std::to_string(i);
    g.ops.push_back(op);
  }
  g.output = num(d, "output", -1);
  g.finalize();
  return g;
}

Model* model(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "argument 0 must be a plan handle").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<Model>>().Data();
}

Napi::Value Create(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) return fail(info.Env(), "planCreate needs a graph description");
  try {
    auto* m = new Model();
    m->g = parseGraph(info[0].As<Napi::Object>());
    m->p = std::make_unique<Params>(m->g);
    return Napi::External<Model>::New(info.Env(), m, [](Napi::Env, Model* mm) { delete mm; });
  } catch (const std::exception& e) {
    return fail(info.Env(), e.what());
  }
}

/** planParam(h, i, f32, write: bool, which: 0 value | 1 slot1 | 2 slot2 | 3 gradient of the last step | 4 EMA) */
Napi::Value Param(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  const int i = info[1].As<Napi::Number>().Int32Value();
  const bool write = info[3].ToBoolean();
  const int which = info[4].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> lock(m->mu);
  if (i < 0 || size_t(i) >= m->g.paramSizes.size()) return fail(info.Env(), "plan: parameter id out of range");
  if (which < 0 || which > 4) return fail(info.Env(), "plan: which must be 0..4");
  if (which == 4 && m->p->ema.empty()) {  // the first write of an EMA starts it (trainable parameters only)
    if (!write) return fail(info.Env(), "plan: no EMA of the weights");
    m->p->ema.resize(m->p->value.size());
  }
  if (which == 4 && m->p->ema[size_t(i)].empty() && write && m->g.trainable[size_t(i)])
    m->p->ema[size_t(i)].resize(m->p->value[size_t(i)].size());
  auto& store = which == 0 ? m->p->value : which == 1 ? m->p->slot1 : which == 2 ? m->p->slot2 : which == 3 ? m->p->grad : m->p->ema;
  std::vector<float>& v = store[size_t(i)];
  if (v.empty()) return fail(info.Env(), "plan: parameter " + std::to_string(i) + " has no such slot");
  float* buf = f32(info, 2, v.size());
  if (!buf) return info.Env().Undefined();
  if (write) {
    std::copy(buf, buf + v.size(), v.begin());
    if (which == 0) m->infer.clear();
  } else {
    std::copy(v.begin(), v.end(), buf);
  }
  return info.Env().Undefined();
}

Napi::Value Iterations(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  std::lock_guard<std::mutex> lock(m->mu);
  if (info.Length() > 1 && info[1].IsNumber()) m->p->iterations = info[1].As<Napi::Number>().Int64Value();
  return Napi::Number::New(info.Env(), double(m->p->iterations));
}

/** The executor for batch N, keeping at most two (a full batch and an epoch's last, smaller one). */
TrainExec& trainExec(Model& m, long N) {
  auto it = m.train.find(N);
  if (it != m.train.end()) return *it->second;
  if (m.train.size() >= 2) {
    for (auto e = m.train.begin(); e != m.train.end(); ++e)
      if (e->first != m.lastTrainBatch) {
        m.train.erase(e);
        break;
      }
  }
  return *(m.train[N] = timedSetup(m, [&] { return std::make_unique<TrainExec>(m.g, *m.p, N, m.trainBuffers); }));
}

class StepWorker : public Napi::AsyncWorker {
 public:
  StepWorker(Napi::Env env, Model* m, Napi::Float32Array x, Napi::Int32Array y, long n, StepConfig cfg)
      : Napi::AsyncWorker(env), m_(m), n_(n), cfg_(cfg), deferred_(Napi::Promise::Deferred::New(env)) {
    xRef_ = Napi::Persistent(x);
    yRef_ = Napi::Persistent(y);
    x_ = x.Data();
    y_ = y.Data();
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      applyThreads();  // this libuv thread has its own OpenMP settings
      std::lock_guard<std::mutex> lock(m_->mu);
      TrainExec& e = trainExec(*m_, n_);
      m_->lastTrainBatch = n_;
      r_ = e.step(x_, y_, cfg_);
      m_->infer.clear();
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    auto o = Napi::Object::New(Env());
    o.Set("loss", r_.loss);
    o.Set("correct", double(r_.correct));
    o.Set("backwardOps", double(r_.backwardOps));
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Model* m_;
  long n_;
  StepConfig cfg_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Float32Array> xRef_;
  Napi::Reference<Napi::Int32Array> yRef_;
  const float* x_;
  const int32_t* y_;
  StepResult r_;
};

/** planTrainStep(h, x, labels, n, cfg) → Promise<{loss, correct}> */
Napi::Value TrainStep(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  const long n = info[3].As<Napi::Number>().Int64Value();
  const Shape& in = m->g.tensors[0];
  if (n < 1) return fail(info.Env(), "plan: batch must be at least 1");
  if (!f32(info, 1, size_t(n * in.size()))) return info.Env().Undefined();
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[2].As<Napi::Int32Array>().ElementLength() < size_t(n))
    return fail(info.Env(), "plan: labels must be an Int32Array of the batch size");
  const int K = int(m->g.tensors[size_t(m->g.output)].size());
  auto labels = info[2].As<Napi::Int32Array>();
  for (long i = 0; i < n; ++i)
    if (labels[size_t(i)] < 0 || labels[size_t(i)] >= K) return fail(info.Env(), "plan: label out of range");
  auto c = info[4].As<Napi::Object>();
  StepConfig cfg;
  cfg.opt.kind = num(c, "optimizer", 0);
  cfg.opt.lr = fnum(c, "lr", 1e-3f), cfg.opt.beta1 = fnum(c, "beta1", 0.9f), cfg.opt.beta2 = fnum(c, "beta2", 0.999f);
  cfg.opt.eps = fnum(c, "epsilon", 1e-7f), cfg.opt.momentum = fnum(c, "momentum", 0.f), cfg.opt.rho = fnum(c, "rho", 0.9f);
  cfg.opt.weightDecay = fnum(c, "weightDecay", 0.f);
  cfg.labelSmoothing = fnum(c, "labelSmoothing", 0.f);
  cfg.seed = uint64_t(num(c, "seed", 0));
  cfg.update = !c.Get("update").IsBoolean() || c.Get("update").ToBoolean();
  cfg.emaDecay = c.Get("emaDecay").IsNumber() ? c.Get("emaDecay").As<Napi::Number>().DoubleValue() : 0.0;
  auto* w = new StepWorker(info.Env(), m, info[1].As<Napi::Float32Array>(), labels, n, cfg);
  auto p = w->promise();
  w->Queue();
  return p;
}

/** planPredict(h, x, n, out): inference-mode outputs for n images (batches padded to a power of two). */
Napi::Value Predict(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  const long n = info[2].As<Napi::Number>().Int64Value();
  const long inSize = m->g.tensors[0].size(), outSize = m->g.tensors[size_t(m->g.output)].size();
  if (n < 1) return fail(info.Env(), "plan: batch must be at least 1");
  float* x = f32(info, 1, size_t(n * inSize));
  float* out = x ? f32(info, 3, size_t(n * outSize)) : nullptr;
  if (!out) return info.Env().Undefined();
  try {
    // A call this small runs faster on one thread than it takes to wake a team for each of its ~60 ops
    // (V2 28×28, batch 1: 0.33 ms on one thread, 0.96 ms on two); executors are built and run alike per N.
    static const double kSmall = std::getenv("MOBILENET_SMALL_CALL_MACS") ? std::atof(std::getenv("MOBILENET_SMALL_CALL_MACS")) : 3.2e7;
    applyThreads();
    std::lock_guard<std::mutex> lock(m->mu);
    long N = 1;  // small batches (serving) share power-of-two executors; larger ones run at their own size
    while (N < n) N *= 2;
    if (n > 32) N = n;
    struct Restore { ~Restore() { applyThreads(); } } restore;  // the per-kernel backend shares this thread
    if (double(N) * m->g.macsPerImage < kSmall) omp_set_num_threads(1);
    auto it = m->infer.find(N);
    if (it == m->infer.end()) {
      if (m->infer.size() >= 6) m->infer.erase(m->infer.begin());
      it = m->infer.emplace(N, timedSetup(*m, [&] { return std::make_unique<InferExec>(m->g, *m->p, N); })).first;
    }
    const float* src = x;
    if (N != n) {
      m->padded.assign(size_t(N * inSize), 0.f);
      std::copy(x, x + n * inSize, m->padded.begin());
      src = m->padded.data();
    }
    const float* y = it->second->run(src);
    std::copy(y, y + n * outSize, out);
  } catch (const std::exception& e) {
    return fail(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

/**
 * planBatchNormStats(h, x, n) → [{ op, mean, variance }] for every BatchNorm op: the batch statistics of its input
 * in a training-mode forward of x (moving statistics untouched): what precise BN averages.
 */
Napi::Value BatchNormStats(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  const long n = info[2].As<Napi::Number>().Int64Value();
  if (n < 2) return fail(info.Env(), "plan: batch statistics need at least 2 images");
  float* x = f32(info, 1, size_t(n * m->g.tensors[0].size()));
  if (!x) return info.Env().Undefined();
  auto out = Napi::Array::New(info.Env());
  try {
    applyThreads();
    std::lock_guard<std::mutex> lock(m->mu);
    TrainExec& e = trainExec(*m, n);
    e.forward(x, 0, 0, false);
    uint32_t k = 0;
    for (size_t i = 0; i < m->g.ops.size(); ++i) {
      const Op& op = m->g.ops[i];
      if (op.type != OpType::BatchNorm || op.frozen) continue;  // frozen: inference mode, statistics kept
      const size_t C = size_t(m->g.tensors[size_t(op.out)].c);
      auto mean = Napi::Float32Array::New(info.Env(), C), var = Napi::Float32Array::New(info.Env(), C);
      e.batchStats(int(i), mean.Data(), var.Data());
      auto o = Napi::Object::New(info.Env());
      o.Set("param", op.params[2]);  // the moving mean's parameter id
      o.Set("mean", mean);
      o.Set("variance", var);
      out.Set(k++, o);
    }
  } catch (const std::exception& err) {
    return fail(info.Env(), err.what());
  }
  return out;
}

/** planTrim(h): drops every executor (their buffers); parameters and optimizer state stay. */
Napi::Value Trim(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  std::lock_guard<std::mutex> lock(m->mu);
  m->train.clear();
  m->trainBuffers = TrainBuffers();
  m->infer.clear();
  std::vector<float>().swap(m->padded);
  return info.Env().Undefined();
}

/** planSetupMs(h) → milliseconds spent building executors (primitives, buffers) since the plan was created. */
Napi::Value SetupMs(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  std::lock_guard<std::mutex> lock(m->mu);
  return Napi::Number::New(info.Env(), m->setupMs);
}

/** The inference executor batch n runs in (the batch rounded as Predict does); null: none built yet. */
InferExec* inferFor(Model* m, const Napi::CallbackInfo& info) {
  long N = 1;
  const long n = info[1].As<Napi::Number>().Int64Value();
  while (N < n) N *= 2;
  if (n > 32) N = n;
  auto it = m->infer.find(N);
  return it == m->infer.end() ? nullptr : it->second.get();
}

/** planFusedSteps(h, n) → 1×1 + depthwise pairs fused in the inference executor batch n runs in; -1: none built. */
Napi::Value FusedSteps(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  std::lock_guard<std::mutex> lock(m->mu);
  InferExec* e = inferFor(m, info);
  return Napi::Number::New(info.Env(), e ? e->fusedSteps() : -1);
}

/**
 * planBlockedSteps(h, n) → [1×1 convolutions run over nChw16c in chains of fused steps, those of them adding a residual,
 * all convolutions so run (the stem and depthwise ones too), NHWC ↔ nChw16c conversions per run] in the inference
 * executor batch n runs in; undefined: none built.
 */
Napi::Value BlockedSteps(const Napi::CallbackInfo& info) {
  Model* m = model(info);
  if (!m) return info.Env().Undefined();
  std::lock_guard<std::mutex> lock(m->mu);
  InferExec* e = inferFor(m, info);
  if (!e) return info.Env().Undefined();
  Napi::Array r = Napi::Array::New(info.Env(), 4);
  r.Set(uint32_t(0), Napi::Number::New(info.Env(), e->blockedSteps(true, false)));
  r.Set(uint32_t(1), Napi::Number::New(info.Env(), e->blockedSteps(true, true)));
  r.Set(uint32_t(2), Napi::Number::New(info.Env(), e->blockedSteps(false, false)));
  r.Set(uint32_t(3), Napi::Number::New(info.Env(), e->conversions()));
  return r;
}

}  // namespace
}  // namespace plan

void registerPlan(Napi::Env env, Napi::Object exports) {
  exports.Set("planCreate", Napi::Function::New(env, plan::Create));
  exports.Set("planParam", Napi::Function::New(env, plan::Param));
  exports.Set("planIterations", Napi::Function::New(env, plan::Iterations));
  exports.Set("planTrainStep", Napi::Function::New(env, plan::TrainStep));
  exports.Set("planPredict", Napi::Function::New(env, plan::Predict));
  exports.Set("planTrim", Napi::Function::New(env, plan::Trim));
  exports.Set("planSetupMs", Napi::Function::New(env, plan::SetupMs));
  exports.Set("planFusedSteps", Napi::Function::New(env, plan::FusedSteps));
  exports.Set("planBlockedSteps", Napi::Function::New(env, plan::BlockedSteps));
  exports.Set("planBatchNormStats", Napi::Function::New(env, plan::BatchNormStats));
}

}  // namespace mn
