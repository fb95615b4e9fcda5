// Shared helpers for the oneDNN addon: one engine + stream, buffer access, argument checks.
#pragma once
#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <mutex>
#include <string>
#include <vector>

namespace mn {

/** The process-wide CPU engine. */
dnnl::engine& engine();
/** The process-wide in-order stream. */
dnnl::stream& stream();
/**
 * The OpenMP thread count the user asked for (setThreads / MOBILENET_THREADS). OpenMP keeps it per calling thread,
 * so code running on a libuv worker thread calls applyThreads() first.
 */
int desiredThreads();
void applyThreads();
/** Guards the primitive caches and the stream (worker threads may load the addon too). */
std::mutex& cacheMutex();

/** Float32Array argument i as a raw pointer; throws a JS TypeError when it is not one. */
float* f32(const Napi::CallbackInfo& info, size_t i, size_t minLen);
/** Float32Array argument i, or nullptr when it is null/undefined. */
float* f32OrNull(const Napi::CallbackInfo& info, size_t i, size_t minLen);
/** Int32Array argument i copied into a vector of exactly n ints. */
std::vector<int> ints(const Napi::CallbackInfo& info, size_t i, size_t n);
/** Throws a JS Error with message and returns undefined (for NAPI_DISABLE_CPP_EXCEPTIONS). */
Napi::Value fail(Napi::Env env, const std::string& msg);
/** Cache key from a list of ints. */
std::string key(char tag, const std::vector<int>& v);

void registerConv(Napi::Env env, Napi::Object exports);
void registerMatmul(Napi::Env env, Napi::Object exports);
void registerNorm(Napi::Env env, Napi::Object exports);
void registerDepthwiseGrad(Napi::Env env, Napi::Object exports);
void registerEltwise(Napi::Env env, Napi::Object exports);
void registerPlan(Napi::Env env, Napi::Object exports);
void registerInt8(Napi::Env env, Napi::Object exports);
void registerV3Activations(Napi::Env env, Napi::Object exports);

}  // namespace mn
