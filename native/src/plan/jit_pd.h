// What the inference plan's blocked steps (blocked_conv.h, fused_dw.h) share when they build a oneDNN convolution:
// the plan's activation codes as post-ops, a primitive accepted only when oneDNN gives it a jit kernel over exactly
// the layouts asked for, and user-layout parameters copied into the primitive's layout.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

namespace mn {
namespace plan {

/** Appends the plan's activation code (plan.h's Act; kNone appends nothing) as eltwise post-ops. */
void appendPlanAct(dnnl::post_ops& po, int act);

/**
 * Builds the forward convolution primitive_desc for `d` with `attr`; true only when oneDNN has one, its
 * implementation name starts with `implPrefix` ("jit", "jit_1x1": its reference fallbacks bring no gain) and it
 * keeps the src and dst descs given (no reorders around it). `impl` gets the implementation name when one was built.
 */
bool jitConvPd(const dnnl::convolution_forward::desc& d, const dnnl::primitive_attr& attr, const char* implPrefix,
               const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
               dnnl::convolution_forward::primitive_desc& pd, std::string& impl);

/** A new memory of desc `want` holding `from` (user layout `user`), reordered and waited for. */
dnnl::memory copyInto(dnnl::stream& s, const dnnl::memory::desc& user, const float* from,
                      const dnnl::memory::desc& want);

}  // namespace plan
}  // namespace mn
