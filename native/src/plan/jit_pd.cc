// See jit_pd.h.
#include "jit_pd.h"
#include "plan.h"

using namespace dnnl;

namespace mn {
namespace plan {

void appendPlanAct(post_ops& po, int act) {
  switch (act) {
    case kRelu: po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); break;
    case kRelu6: po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f); break;
    case kHardSwish: po.append_eltwise(1.f, algorithm::eltwise_hardswish, 0.f, 0.f); break;
    case kHardSigmoid:  // relu6(x + 3)/6 = clip(x/6 + 1/2, 0, 1)
      po.append_eltwise(1.f, algorithm::eltwise_linear, 1.f / 6.f, 0.5f);
      po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 1.f);
      break;
    default: break;
  }
}

bool jitConvPd(const convolution_forward::desc& d, const primitive_attr& attr, const char* implPrefix,
               const memory::desc& src, const memory::desc& dst, convolution_forward::primitive_desc& pd,
               std::string& impl) {
  try {
    pd = convolution_forward::primitive_desc(d, attr, planEngine());
  } catch (const dnnl::error&) {
    return false;
  }
  impl = pd.impl_info_str();
  return impl.rfind(implPrefix, 0) == 0 && pd.src_desc() == src && pd.dst_desc() == dst;
}

memory copyInto(stream& s, const memory::desc& user, const float* from, const memory::desc& want) {
  memory dst(want, planEngine());
  memory src(user, planEngine(), const_cast<float*>(from));
  reorder(src, dst).execute(s, src, dst);
  s.wait();
  return dst;
}

}  // namespace plan
}  // namespace mn
