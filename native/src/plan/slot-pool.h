// Best-fit reuse of activation buffers for an inference executor: a tensor takes the smallest free slot that holds
// it (a new slot when none does) and gives it back after its last reader. Shared by the float and int8 plans.
#pragma once
#include <cstddef>
#include <vector>

namespace mn {
namespace plan {

struct SlotPool {
  std::vector<char> busy;
  std::vector<long> size;

  /** A free slot of at least n elements, marked busy. */
  int take(long n) {
    int best = -1;
    for (size_t k = 0; k < busy.size(); ++k)
      if (!busy[k] && size[k] >= n && (best < 0 || size[k] < size[size_t(best)])) best = int(k);
    if (best < 0) {
      best = int(busy.size());
      busy.push_back(0);
      size.push_back(n);
    }
    busy[size_t(best)] = 1;
    return best;
  }

  void release(int slot) { busy[size_t(slot)] = 0; }

  /** One buffer a slot, each as large as the largest tensor that used it. */
  template <class Buffer>
  void allocate(std::vector<Buffer>& bufs) const {
    bufs.resize(size.size());
    for (size_t k = 0; k < size.size(); ++k) bufs[k].resize(size_t(size[k]));
  }
};

}  // namespace plan
}  // namespace mn
