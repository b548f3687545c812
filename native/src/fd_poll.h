// Readability polling of a file descriptor on the env's libuv loop, and the
// delivery of what a poll callback gathered to JS: shared by the classes that
// hand kernel events to an onEvents() callback.
#ifndef WEFT_NATIVE_FD_POLL_H
#define WEFT_NATIVE_FD_POLL_H

#include <napi.h>
#include <uv.h>

namespace weft_native {

// Starts polling `fd` for readability on env's loop; `callback` runs with
// handle->data == data. Returns the handle, or nullptr with a BpfError "poll"
// pending ("polling <what> failed", e.g. what = "the ring buffer").
uv_poll_t* StartFdPoll(Napi::Env env, int fd, uv_poll_cb callback, void* data, const char* what);

// Stops `poll` and hands it to libuv, which frees it after the loop has let
// go of it; data is cleared first, so a callback must check it for nullptr.
// Sets `poll` to nullptr; does nothing if it already is.
void StopFdPoll(uv_poll_t*& poll);

// onEvents(callback): keeps `arg` in `callback` (replacing any earlier one),
// or returns false with a TypeError pending if it is not a function.
bool SetEventCallback(Napi::Env env, Napi::Value arg, Napi::FunctionReference& callback);

// Calls `callback` with `arg` from a libuv callback. MakeCallback runs the
// microtask queue afterwards, as for any I/O callback; a throw goes to
// process 'uncaughtException', since there is no JS caller to take it.
// The callback may close() the receiver's owner: callers must touch nothing
// of it after this returns.
void DeliverFromPoll(Napi::Env env, const Napi::FunctionReference& callback, Napi::Object receiver,
                     Napi::Value arg);

}  // namespace weft_native

#endif  // WEFT_NATIVE_FD_POLL_H
