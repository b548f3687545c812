// Shared plumbing of the addon: per-env data, BpfError construction and the
// capture of libbpf's log. C++ exceptions are off (NAPI_DISABLE_CPP_EXCEPTIONS):
// every failure becomes a pending JS exception and the method returns.
#ifndef WEFT_NATIVE_COMMON_H
#define WEFT_NATIVE_COMMON_H

#include <napi.h>

#include <string>

namespace weft_native {

// One per napi_env (main thread or worker): the JS classes the addon needs.
struct AddonData {
  Napi::FunctionReference bpfError;  // lib/errors.js BpfError, set by setup()
};

// Makes `new BpfError(op, errno, message, detail)` the pending exception.
// `err` is a positive errno (or libbpf's own 4000+ codes); the message is
// "<what>: <strerror>". Constructed here, so its stack is the JS caller's.
void ThrowBpfError(Napi::Env env, const char* op, int err, const std::string& what,
                   const std::string& detail = std::string());

// strerror that also knows libbpf's own error codes.
std::string ErrnoMessage(int err);

// libbpf reports through a process-wide print callback. While a LibbpfLog is
// alive on a thread, WARN/INFO lines are kept (bounded) instead of printed,
// so a failure can carry them in BpfError.detail; outside, they go to stderr
// as libbpf would do by default.
class LibbpfLog {
 public:
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;
  const std::string& text() const { return text_; }
  void Append(const char* line);

  static void Install();  // once per process; idempotent

 private:
  std::string text_;
  LibbpfLog* previous_;
};

Napi::Object InitSocketTracer(Napi::Env env, Napi::Object exports);
Napi::Object InitConntrack(Napi::Env env, Napi::Object exports);
Napi::Object InitLayout(Napi::Env env, Napi::Object exports);
Napi::Object InitProgramProbe(Napi::Env env, Napi::Object exports);

}  // namespace weft_native

#endif  // WEFT_NATIVE_COMMON_H
