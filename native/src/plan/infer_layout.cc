// The inference executor's choice of which tensors stay in oneDNN's blocked layout nChw16c (see infer.h).
#include "infer.h"

namespace mn {
namespace plan {

/**
 * A tensor stays blocked when the step that writes it and every step that reads it (as input or as the residual of
 * a sum post-op) run over nChw16c: fused 1×1 + depthwise steps, which convert an NHWC side themselves, and 1×1 steps
 * prepared with a blocked twin (bpw), which need a blocked input, and a blocked output when they add a residual (the
 * sum post-op reads the skip tensor in the output's layout). Dropping a bpw step unblocks its neighbours: repeat
 * until nothing changes. bpw steps left out run their NHWC matmul.
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
      if (!s.fused && !s.bpw) continue;
      blockedReads[size_t(s.op->in[0])]++;
      if (s.residual >= 0) blockedReads[size_t(s.residual)]++;
    }
    for (size_t t = 1; t < T; ++t) {
      const int p = producer[t];
      blocked_[t] = p >= 0 && int(t) != g_.output && (steps_[size_t(p)].fused || steps_[size_t(p)].bpw) &&
                    blockedReads[t] == g_.consumers[t];
    }
    for (Step& s : steps_) {
      if (!s.bpw) continue;
      const bool ok = blocked_[size_t(s.op->in[0])] &&
                      (s.residual < 0 || (blocked_[size_t(s.residual)] && blocked_[size_t(s.out)]));
      if (!ok) {
        s.bpw.reset();
        changed = true;
      }
    }
  }
  for (Step& s : steps_) {
    if (!s.fused && !s.bpw) continue;
    s.inBlocked = blocked_[size_t(s.op->in[0])];
    s.outBlocked = blocked_[size_t(s.out)];
  }
}

}  // namespace plan
}  // namespace mn
