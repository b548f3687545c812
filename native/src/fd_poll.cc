#include "fd_poll.h"

#include <cerrno>
#include <string>

#include "common.h"

namespace weft_native {

namespace {

void DeleteClosed(uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); }

}  // namespace

uv_poll_t* StartFdPoll(Napi::Env env, int fd, uv_poll_cb callback, void* data, const char* what) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    ThrowBpfError(env, "poll", EINVAL, "no event loop");
    return nullptr;
  }
  uv_poll_t* poll = new uv_poll_t;
  int err = uv_poll_init(loop, poll, fd);
  if (err != 0) {
    delete poll;  // not yet known to the loop
    ThrowBpfError(env, "poll", -err, std::string("polling ") + what + " failed");
    return nullptr;
  }
  poll->data = data;
  err = uv_poll_start(poll, UV_READABLE, callback);
  if (err != 0) {
    StopFdPoll(poll);
    ThrowBpfError(env, "poll", -err, std::string("polling ") + what + " failed");
    return nullptr;
  }
  return poll;
}

void StopFdPoll(uv_poll_t*& poll) {
  if (poll == nullptr) return;
  poll->data = nullptr;
  uv_poll_stop(poll);
  uv_close(reinterpret_cast<uv_handle_t*>(poll), DeleteClosed);
  poll = nullptr;
}

bool SetEventCallback(Napi::Env env, Napi::Value arg, Napi::FunctionReference& callback) {
  if (!arg.IsFunction()) {
    Napi::TypeError::New(env, "onEvents(callback) expects a function").ThrowAsJavaScriptException();
    return false;
  }
  callback = Napi::Persistent(arg.As<Napi::Function>());
  return true;
}

void DeliverFromPoll(Napi::Env env, const Napi::FunctionReference& callback, Napi::Object receiver,
                     Napi::Value arg) {
  callback.MakeCallback(receiver, {arg});
  if (env.IsExceptionPending()) {
    Napi::Error error = env.GetAndClearPendingException();
    napi_fatal_exception(env, error.Value());
  }
}

}  // namespace weft_native
