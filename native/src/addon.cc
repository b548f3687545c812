// Module entry: setup() (receives the JS error class) and
// the error/log plumbing declared in common.h.
#include "common.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace weft_native {

namespace {

// The verifier log can be megabytes; its end says what went wrong.
constexpr size_t kMaxLogBytes = 64 * 1024;

thread_local LibbpfLog* current_log = nullptr;

int LibbpfPrintFn(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  LibbpfLog* log = current_log;
  if (log == nullptr) return vfprintf(stderr, fmt, args);
  char line[1024];
  int n = vsnprintf(line, sizeof(line), fmt, args);
  log->Append(line);
  return n;
}

}  // namespace

LibbpfLog::LibbpfLog() : previous_(current_log) { current_log = this; }
LibbpfLog::~LibbpfLog() { current_log = previous_; }

void LibbpfLog::Append(const char* line) {
  text_ += line;
  if (text_.size() > kMaxLogBytes) text_.erase(0, text_.size() - kMaxLogBytes);
}

void LibbpfLog::Install() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(LibbpfPrintFn); });
}

std::string ErrnoMessage(int err) {
  char buf[256];
  // Knows libbpf's own codes (LIBBPF_ERRNO__*) as well as errno values.
  if (libbpf_strerror(err, buf, sizeof(buf)) != 0) snprintf(buf, sizeof(buf), "error %d", err);
  return buf;
}

void ThrowBpfError(Napi::Env env, const char* op, int err, const std::string& what,
                   const std::string& detail) {
  if (err < 0) err = -err;
  std::string message = what + ": " + ErrnoMessage(err);
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr || data->bpfError.IsEmpty()) {
    // setup() not called (someone required the .node directly): still fail loudly.
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("op", Napi::String::New(env, op));
    e.Set("errno", Napi::Number::New(env, err));
    e.ThrowAsJavaScriptException();
    return;
  }
  Napi::Value detailValue = detail.empty() ? env.Undefined() : Napi::String::New(env, detail);
  Napi::Object error = data->bpfError.New({Napi::String::New(env, op), Napi::Number::New(env, err),
                                           Napi::String::New(env, message), detailValue});
  if (env.IsExceptionPending()) return;  // the constructor itself threw
  Napi::Error(env, error).ThrowAsJavaScriptException();
}

namespace {

// setup({ BpfError }): lib/index.js hands over the error class once per env.
Napi::Value Setup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[0].As<Napi::Object>().Get("BpfError").IsFunction()) {
    Napi::TypeError::New(env, "setup({ BpfError }) expects the error class").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  AddonData* data = env.GetInstanceData<AddonData>();
  data->bpfError = Napi::Persistent(info[0].As<Napi::Object>().Get("BpfError").As<Napi::Function>());
  return env.Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  LibbpfLog::Install();
  env.SetInstanceData(new AddonData());
  exports.Set("setup", Napi::Function::New(env, Setup, "setup"));
  InitLayout(env, exports);
  InitSocketTracer(env, exports);
  InitProgramProbe(env, exports);
  InitConntrack(env, exports);
  return exports;
}

}  // namespace weft_native

// The macro pastes the name into an identifier: no qualified names.
static Napi::Object InitWeftNative(Napi::Env env, Napi::Object exports) { return weft_native::Init(env, exports); }

NODE_API_MODULE(weft_native, InitWeftNative)
