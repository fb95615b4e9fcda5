// Placeholder module: the oneDNN kernels land with the native-compute issue.
#include <napi.h>

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, "0"));
  return exports;
}

NODE_API_MODULE(mobilenet_onednn, Init)
