{
  "targets": [
    {
      "target_name": "mobilenet_onednn",
      "sources": ["src/addon.cc", "src/conv.cc", "src/matmul.cc", "src/norm.cc", "src/dwgrad.cc", "src/eltwise.cc", "src/v3act.cc",
                  "src/plan/plan.cc", "src/plan/kernels.cc", "src/plan/dnnl_conv.cc", "src/plan/train.cc",
                  "src/plan/infer.cc", "src/plan/infer_layout.cc", "src/plan/fused_dw.cc", "src/plan/blocked_conv.cc", "src/plan/jit_pd.cc", "src/plan/binding.cc",
                  "src/plan/int8.cc", "src/plan/int8_binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-march=x86-64-v3", "-fexceptions", "-fno-math-errno"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
