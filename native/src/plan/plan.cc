// Graph checks (every shape and parameter size an executor relies on) and parameter storage.
#include "plan.h"
#include <stdexcept>

namespace mn {
namespace plan {
namespace {

void need(bool ok, const Op& op, const std::string& what) {
  if (!ok) throw std::runtime_error("plan: op " + op.name + ": " + what);
}

long outSize(long in, int k, int s, int padBefore, int padAfter) { return (in + padBefore + padAfter - k) / s + 1; }

}  // namespace

dnnl::engine& planEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

void Graph::finalize() {
  const int T = int(tensors.size());
  const int P = int(paramSizes.size());
  if (T == 0 || output < 0 || output >= T) throw std::runtime_error("plan: bad output tensor");
  if (int(trainable.size()) != P || int(decay.size()) != P) throw std::runtime_error("plan: bad parameter flags");
  consumers.assign(size_t(T), 0);
  macsPerImage = 0;
  std::vector<char> defined(size_t(T), 0);
  defined[0] = 1;
  for (const Op& op : ops) {
    need(op.out > 0 && op.out < T && !defined[size_t(op.out)], op, "bad or repeated output tensor");
    need(!op.in.empty(), op, "no input");
    for (int t : op.in) {
      need(t >= 0 && t < T && defined[size_t(t)], op, "input tensor not defined before use");
      consumers[size_t(t)]++;
    }
    for (int q : op.params) need(q >= 0 && q < P, op, "bad parameter id");
    const Shape& i = tensors[size_t(op.in[0])];
    const Shape& o = tensors[size_t(op.out)];
    auto psize = [&](size_t j) { return j < op.params.size() ? paramSizes[size_t(op.params[j])] : -1; };
    switch (op.type) {
      case OpType::Conv:
      case OpType::Depthwise: {
        bool dw = op.type == OpType::Depthwise;
        need(op.k >= 1 && op.stride >= 1 && op.mult >= 1, op, "bad kernel, stride or multiplier");
        need(o.h == outSize(i.h, op.k, op.stride, op.pt, op.pb) && o.w == outSize(i.w, op.k, op.stride, op.pl, op.pr),
             op, "output size does not follow from input, kernel, stride and padding");
        need(!dw || o.c == i.c * op.mult, op, "depthwise output channels must be input channels × multiplier");
        need(psize(0) == long(op.k) * op.k * (dw ? i.c * op.mult : long(i.c) * o.c), op, "kernel size mismatch");
        need(op.params.size() == (op.bias ? 2u : 1u) && (!op.bias || psize(1) == o.c), op, "bias size mismatch");
        macsPerImage += double(o.h) * o.w * o.c * op.k * op.k * (dw ? 1 : i.c);
        break;
      }
      case OpType::Dense:
        need(o.h == 1 && o.w == 1, op, "dense output must be flat");
        need(psize(0) == i.size() * o.c, op, "kernel size mismatch");
        macsPerImage += double(i.size()) * o.c;
        need(op.params.size() == (op.bias ? 2u : 1u) && (!op.bias || psize(1) == o.c), op, "bias size mismatch");
        break;
      case OpType::BatchNorm:
        need(op.params.size() == 4, op, "needs gamma, beta, moving mean, moving variance");
        for (size_t j = 0; j < 4; ++j) need(psize(j) == o.c, op, "parameter size mismatch");
        need(i.size() == o.size() && i.c == o.c, op, "shape changes");
        need(op.in.size() <= 2, op, "at most one residual");
        need(op.in.size() == 1 || tensors[size_t(op.in[1])].size() == o.size(), op, "residual shape mismatch");
        need(!trainable[size_t(op.params[2])] && !trainable[size_t(op.params[3])], op, "moving statistics cannot be trainable");
        need(op.frozen || (trainable[size_t(op.params[0])] && trainable[size_t(op.params[1])]), op,
             "a BN in training mode needs trainable gamma and beta");
        break;
      case OpType::Add:
        need(op.in.size() == 2, op, "add needs two inputs");
        need(tensors[size_t(op.in[1])].size() == o.size() && i.size() == o.size(), op, "add input shape mismatch");
        break;
      case OpType::Mul:
        need(op.in.size() == 2, op, "multiply needs x and a scale");
        need(tensors[size_t(op.in[1])].size() == o.c && i.size() == o.size(), op, "multiply needs a [1, 1, C] scale");
        break;
      case OpType::GlobalAvgPool: need(o.size() == i.c && o.c == i.c, op, "pooled shape mismatch"); break;
      case OpType::Softmax:
      case OpType::Act:
      case OpType::Dropout:
      case OpType::Reshape:
      case OpType::Rescale: need(i.size() == o.size(), op, "element count changes"); break;
    }
    need(op.params.empty() || op.type == OpType::Conv || op.type == OpType::Depthwise || op.type == OpType::Dense ||
             op.type == OpType::BatchNorm,
         op, "this op takes no parameters");
    defined[size_t(op.out)] = 1;
  }
  if (!defined[size_t(output)]) throw std::runtime_error("plan: output tensor is never computed");
}

Params::Params(const Graph& g) {
  const size_t P = g.paramSizes.size();
  value.resize(P), grad.resize(P), slot1.resize(P), slot2.resize(P);
  for (size_t q = 0; q < P; ++q) {
    const size_t n = size_t(g.paramSizes[q]);
    value[q].assign(n, 0.f);
    if (!g.trainable[q]) continue;
    grad[q].assign(n, 0.f);
    slot1[q].assign(n, 0.f);
    slot2[q].assign(n, 0.f);
  }
}

}  // namespace plan
}  // namespace mn
