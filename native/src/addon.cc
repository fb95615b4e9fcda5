// N-API addon: neural-network kernels over oneDNN on Float32Array buffers (NHWC), nothing TF.js-specific.
#include <malloc.h>
#include <omp.h>
#include <atomic>
#include <cstdlib>
#include "common.h"

namespace mn {

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

static std::atomic<int> gThreads{0};

int desiredThreads() {
  int n = gThreads.load();
  return n > 0 ? n : omp_get_num_procs();
}

void applyThreads() {
  if (omp_get_max_threads() != desiredThreads()) omp_set_num_threads(desiredThreads());
}

std::mutex& cacheMutex() {
  static std::mutex m;
  return m;
}

Napi::Value fail(Napi::Env env, const std::string& msg) {
  Napi::Error::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

float* f32(const Napi::CallbackInfo& info, size_t i, size_t minLen) {
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  auto a = info[i].As<Napi::Float32Array>();
  if (a.ElementLength() < minLen) {
    Napi::RangeError::New(info.Env(), "argument " + std::to_string(i) + " has " +
                                          std::to_string(a.ElementLength()) + " elements, need " +
                                          std::to_string(minLen))
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return a.Data();
}

float* f32OrNull(const Napi::CallbackInfo& info, size_t i, size_t minLen) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return f32(info, i, minLen);
}

std::vector<int> ints(const Napi::CallbackInfo& info, size_t i, size_t n) {
  std::vector<int> v;
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[i].As<Napi::Int32Array>().ElementLength() != n) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an Int32Array of " +
                                         std::to_string(n))
        .ThrowAsJavaScriptException();
    return v;
  }
  auto a = info[i].As<Napi::Int32Array>();
  v.assign(a.Data(), a.Data() + n);
  return v;
}

std::string key(char tag, const std::vector<int>& v) {
  std::string k(1, tag);
  for (int x : v) k += std::to_string(x) + ",";
  return k;
}

}  // namespace mn

static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n >= 1) {
    mn::gThreads = n;
    omp_set_num_threads(n);
  }
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

static Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Training allocates and frees many multi-megabyte Float32Arrays per step. glibc serves those with
  // fresh mmap pages (a page fault per 4 KiB on first touch) and trims freed memory back to the OS;
  // keeping them in the heap measured ~100 ms/step less system time. Skipped if the user tuned malloc.
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_") && !std::getenv("MALLOC_TRIM_THRESHOLD_")) {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  const char* t = std::getenv("MOBILENET_THREADS");
  if (t && std::atoi(t) >= 1) {
    mn::gThreads = std::atoi(t);
    omp_set_num_threads(std::atoi(t));
  }
  exports.Set("version", Napi::String::New(env, "1"));
  auto v = dnnl::version();
  exports.Set("dnnlVersion", Napi::String::New(env, std::to_string(v->major) + "." +
                                                        std::to_string(v->minor) + "." +
                                                        std::to_string(v->patch)));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  mn::registerConv(env, exports);
  mn::registerMatmul(env, exports);
  mn::registerNorm(env, exports);
  mn::registerDepthwiseGrad(env, exports);
  mn::registerEltwise(env, exports);
  mn::registerPlan(env, exports);
  mn::registerInt8(env, exports);
  mn::registerV3Activations(env, exports);
  return exports;
}

NODE_API_MODULE(mobilenet_onednn, Init)
