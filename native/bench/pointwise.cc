// Standalone timing behind the engine's layout choice (README, "Native engine"). Build and run:
//   g++ -O2 -std=c++17 native/bench/pointwise.cc -o /tmp/pointwise -ldnnl && OMP_NUM_THREADS=1 /tmp/pointwise
// 1x1 convolution: sgemm over [N*H*W, C] vs oneDNN convolution (nhwc, and blocked via format any), CPU time, 1 thread.
#include <oneapi/dnnl/dnnl.hpp>
#include <oneapi/dnnl/dnnl.h>
#include <time.h>
#include <cstdio>
#include <vector>
#include <algorithm>
using namespace dnnl; using tag = memory::format_tag; using dt = memory::data_type;
static double cpu(){timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t); return t.tv_sec*1e3+t.tv_nsec*1e-6;}
template<class F> double best(F f){ f(); double b=1e9; for(int i=0;i<7;i++){double a=cpu(); f(); b=std::min(b,cpu()-a);} return b; }
int main(){
  engine eng(engine::kind::cpu,0); stream st(eng);
  struct S { long N, H, IC, OC; } shapes[] = {{128,14,32,96},{128,7,144,24},{128,4,192,32},{128,2,384,64},{128,1,320,1280},{128,1,960,160},{32,112,32,96},{32,56,144,24},{32,14,384,64},{32,7,960,160}};
  for (auto s: shapes) {
    long R = s.N*s.H*s.H; double macs = double(R)*s.IC*s.OC;
    std::vector<float> X(R*s.IC, 0.5f), W(s.IC*s.OC, 0.01f), Y(R*s.OC);
    double tg = best([&]{ dnnl_sgemm('N','N', R, s.OC, s.IC, 1.f, X.data(), s.IC, W.data(), s.OC, 0.f, Y.data(), s.OC); });
    double tc[2];
    for (int blk=0; blk<2; ++blk) {
      memory::desc src({s.N,s.IC,s.H,s.H}, dt::f32, blk?tag::any:tag::nhwc), dst({s.N,s.OC,s.H,s.H}, dt::f32, blk?tag::any:tag::nhwc);
      memory::desc w({s.OC,s.IC,1,1}, dt::f32, tag::any);
      convolution_forward::primitive_desc pd(convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct, src, w, memory::desc(), dst, {1,1},{0,0},{0,0}), eng);
      memory Sm(pd.src_desc(), eng), Wm(pd.weights_desc(), eng), Dm(pd.dst_desc(), eng);
      auto p = convolution_forward(pd);
      tc[blk] = best([&]{ p.execute(st, {{DNNL_ARG_SRC,Sm},{DNNL_ARG_WEIGHTS,Wm},{DNNL_ARG_DST,Dm}}); st.wait(); });
    }
    printf("N%ld %3ldx%-3ld %4ld->%-4ld  sgemm %6.2f ms (%5.1f GMAC/s)  conv nhwc %6.2f ms (%5.1f)  conv blocked %6.2f ms (%5.1f)\n", s.N, s.H, s.H, s.IC, s.OC, tg, macs/tg/1e6, tc[0], macs/tc[0]/1e6, tc[1], macs/tc[1]/1e6);
  }
}
