// The inference executor's blocked chains: which convolutions run over oneDNN's blocked layout nChw16c and which
// tensors stay in it between steps (see infer.h).
#include <cstdio>
#include <cstdlib>
#include "infer.h"

namespace mn {
namespace plan {

/**
 * Builds the nChw16c twin of each convolution that could join a chain of fused 1×1 + depthwise steps: one whose
 * input a fused step or another twin writes, or a first convolution (under 16 input channels) reading NHWC. None
 * without a fused step (small maps: everything stays NHWC). chooseLayouts keeps the twins that fit.
 */
void InferExec::buildTwins() {
  bool anyFused = false;
  for (const Step& s : steps_) anyFused = anyFused || s.fused;
  std::vector<char> chain(g_.tensors.size(), 0);  // written by a fused step or a twin
  for (Step& s : steps_) {
    if (s.fused) chain[size_t(s.out)] = 1;
    if (s.twinW.empty()) continue;
    const Op& op = *s.op;
    const Shape &is = g_.tensors[op.in[0]], &os = g_.tensors[s.out];
    const bool first = !s.matmul && op.type == OpType::Conv && is.c < 16;
    if (anyFused && (chain[size_t(op.in[0])] || first)) {
      ConvGeom cg{N_, is.h, is.w, is.c, os.h, os.w, os.c, op.k, op.stride, op.pt, op.pl, op.pb, op.pr,
                  op.type == OpType::Depthwise ? is.c : 1};
      s.bconv = std::make_unique<BlockedConv>(cg, bool(chain[size_t(op.in[0])]), stream_, s.twinW.data(),
                                              s.bias.data(), planPostOps(s.act, s.residual >= 0));
      if (std::getenv("MOBILENET_PLAN_LAYOUT")) std::fprintf(stderr, "twin %s: %s%s\n", op.name.c_str(), s.bconv->impl().c_str(), s.bconv->ok() ? "" : " (not used)");
      if (!s.bconv->ok()) s.bconv.reset();
      chain[size_t(s.out)] = s.bconv != nullptr;
    }
    std::vector<float>().swap(s.twinW);
  }
}

/**
 * A tensor stays blocked when the step that writes it and every step that reads it (as input or as the residual of
 * a sum post-op) run over nChw16c: fused steps, which convert an NHWC side themselves, and twins (bconv), which read
 * their input in the layout they were built for and write a blocked output where they add a residual (the sum
 * post-op reads the skip tensor in the output's layout) or are not 1×1 (nothing gained otherwise). Dropping a twin
 * unblocks its neighbours: repeat until nothing changes. Steps whose twin is dropped run their NHWC primitive.
 */
void InferExec::chooseLayouts() {
  const size_t T = g_.tensors.size();
  std::vector<int> producer(T, -1);
  for (size_t i = 0; i < steps_.size(); ++i) producer[size_t(steps_[i].out)] = int(i);
  blocked_.assign(T, 0);
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<int> blockedReads(T, 0);
    for (const Step& s : steps_) {
      if (s.fused || (s.bconv && s.bconv->srcBlocked())) blockedReads[size_t(s.op->in[0])]++;
      if (s.bconv && s.residual >= 0) blockedReads[size_t(s.residual)]++;
    }
    for (size_t t = 1; t < T; ++t) {
      const int p = producer[t];
      blocked_[t] = p >= 0 && int(t) != g_.output && (steps_[size_t(p)].fused || steps_[size_t(p)].bconv) &&
                    blockedReads[t] == g_.consumers[t];
    }
    for (Step& s : steps_) {
      if (!s.bconv) continue;
      const bool out = blocked_[size_t(s.out)];
      const bool ok = bool(blocked_[size_t(s.op->in[0])]) == s.bconv->srcBlocked() && (s.matmul || out) &&
                      (s.residual < 0 || (blocked_[size_t(s.residual)] && out));
      if (!ok) {
        s.bconv.reset();
        changed = true;
      }
    }
  }
  const bool dbg = std::getenv("MOBILENET_PLAN_LAYOUT") && *std::getenv("MOBILENET_PLAN_LAYOUT") == '1';
  for (Step& s : steps_) {
    if (dbg)
      std::fprintf(stderr, "%-26s %s%s in %s out %s\n", s.op->name.c_str(), s.fused ? "fused " : "",
                   s.bconv ? s.bconv->impl().c_str() : "", blocked_[size_t(s.op->in[0])] ? "nChw16c" : "nhwc",
                   blocked_[size_t(s.out)] ? "nChw16c" : "nhwc");
    if (!s.fused && !s.bconv) continue;
    s.inBlocked = blocked_[size_t(s.op->in[0])];
    s.outBlocked = blocked_[size_t(s.out)];
  }
}

}  // namespace plan
}  // namespace mn
