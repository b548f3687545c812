// ConntrackWatcher: the conntrack table of a network namespace (this
// process's, or one named by path) over ctnetlink, TCP only. libmnl does the socket work (non-blocking, one
// datagram per recv, explicit ENOBUFS); libnetfilter_conntrack parses the
// messages. TS decides what to do with overflows (re-dump).
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "fd_poll.h"

namespace weft_native {

namespace {

// ctnetlink sends one event per datagram and dump parts of up to a page or
// so; 64 KiB covers both with room to spare.
constexpr size_t kReceiveBytes = 64 * 1024;
// Datagrams read per poll wakeup: bounded so a flood cannot starve the loop
// (the poll is level-triggered and comes straight back).
constexpr int kMaxReadsPerWakeup = 1024;

struct Flow {
  const char* type = nullptr;  // events only
  int family = 0;               // 4 or 6
  char orig_src[INET6_ADDRSTRLEN] = {};
  char orig_dst[INET6_ADDRSTRLEN] = {};
  char reply_src[INET6_ADDRSTRLEN] = {};
  char reply_dst[INET6_ADDRSTRLEN] = {};
  uint16_t orig_sport = 0, orig_dport = 0, reply_sport = 0, reply_dport = 0;
};

void FormatAddress(const struct nf_conntrack* ct, int af, int attr4, int attr6, char* out) {
  if (af == AF_INET) {
    uint32_t addr = nfct_get_attr_u32(ct, static_cast<enum nf_conntrack_attr>(attr4));
    inet_ntop(AF_INET, &addr, out, INET6_ADDRSTRLEN);
  } else {
    inet_ntop(AF_INET6, nfct_get_attr(ct, static_cast<enum nf_conntrack_attr>(attr6)), out, INET6_ADDRSTRLEN);
  }
}

// Parses one ctnetlink message; false for anything that is not IPv4/IPv6 TCP.
bool ParseFlow(const struct nlmsghdr* nlh, Flow* flow) {
  struct nf_conntrack* ct = nfct_new();
  if (ct == nullptr) return false;
  bool ok = nfct_nlmsg_parse(nlh, ct) >= 0 && nfct_attr_is_set(ct, ATTR_ORIG_L3PROTO) > 0 &&
            nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) == IPPROTO_TCP;
  int af = ok ? nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) : 0;
  ok = ok && (af == AF_INET || af == AF_INET6);
  if (ok) {
    flow->family = af == AF_INET ? 4 : 6;
    FormatAddress(ct, af, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, flow->orig_src);
    FormatAddress(ct, af, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, flow->orig_dst);
    FormatAddress(ct, af, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, flow->reply_src);
    FormatAddress(ct, af, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, flow->reply_dst);
    flow->orig_sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
    flow->orig_dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
    flow->reply_sport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
    flow->reply_dport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
  }
  nfct_destroy(ct);
  return ok;
}

Napi::Object FlowObject(Napi::Env env, const Flow& f) {
  Napi::Object o = Napi::Object::New(env);
  if (f.type != nullptr) o.Set("type", Napi::String::New(env, f.type));
  o.Set("family", Napi::Number::New(env, f.family));
  o.Set("origSrc", Napi::String::New(env, f.orig_src));
  o.Set("origSrcPort", Napi::Number::New(env, f.orig_sport));
  o.Set("origDst", Napi::String::New(env, f.orig_dst));
  o.Set("origDstPort", Napi::Number::New(env, f.orig_dport));
  o.Set("replySrc", Napi::String::New(env, f.reply_src));
  o.Set("replySrcPort", Napi::Number::New(env, f.reply_sport));
  o.Set("replyDst", Napi::String::New(env, f.reply_dst));
  o.Set("replyDstPort", Napi::Number::New(env, f.reply_dport));
  return o;
}

int DumpCallback(const struct nlmsghdr* nlh, void* data) {
  Flow flow;
  if (ParseFlow(nlh, &flow)) static_cast<std::vector<Flow>*>(data)->push_back(flow);
  return MNL_CB_OK;
}

int EventCallback(const struct nlmsghdr* nlh, void* data) {
  Flow flow;
  switch (nlh->nlmsg_type & 0xff) {
    case IPCTNL_MSG_CT_NEW:
      // The kernel marks the creation of an entry with CREATE|EXCL.
      flow.type = (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) ? "new" : "update";
      break;
    case IPCTNL_MSG_CT_DELETE:
      flow.type = "destroy";
      break;
    default:
      return MNL_CB_OK;
  }
  if (ParseFlow(nlh, &flow)) static_cast<std::vector<Flow>*>(data)->push_back(flow);
  return MNL_CB_OK;
}

// A netlink socket belongs to the namespace of the thread that created it.
// Opens one in the namespace `netns_fd` (-1: the caller's own) by moving
// this thread there for the socket() call only and straight back; sets errno
// and returns null on failure. Entering a namespace needs CAP_SYS_ADMIN.
struct mnl_socket* OpenNetlinkIn(int netns_fd, int flags) {
  if (netns_fd < 0) return mnl_socket_open2(NETLINK_NETFILTER, flags);
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return nullptr;
  if (setns(netns_fd, CLONE_NEWNET) != 0) {
    int err = errno;
    close(home);
    errno = err;
    return nullptr;
  }
  struct mnl_socket* nl = mnl_socket_open2(NETLINK_NETFILTER, flags);
  int err = errno;
  // Coming back cannot fail for a namespace we were in a moment ago; if it
  // ever did, this thread would be in the wrong namespace for good.
  if (setns(home, CLONE_NEWNET) != 0) abort();
  close(home);
  errno = err;
  return nl;
}

class ConntrackWatcher : public Napi::ObjectWrap<ConntrackWatcher> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ConntrackWatcher(const Napi::CallbackInfo& info);
  ~ConntrackWatcher() override;

 private:
  Napi::Value Dump(const Napi::CallbackInfo& info);
  Napi::Value OnEvents(const Napi::CallbackInfo& info);
  Napi::Value GetOverflows(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bool Open(Napi::Env env, Napi::Object options);
  bool EnsureOpen(Napi::Env env);
  void Release();
  static void CleanupHook(void* arg);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  void ReadPending(std::vector<Flow>& flows);

  napi_env env_;
  struct mnl_socket* events_ = nullptr;
  int netns_fd_ = -1;  // the watched namespace, when not our own
  uv_poll_t* poll_ = nullptr;
  bool hook_ = false;
  double overflows_ = 0;
  Napi::FunctionReference callback_;
  std::vector<char> buffer_;
};

Napi::Function ConntrackWatcher::Define(Napi::Env env) {
  return DefineClass(env, "ConntrackWatcher",
                     {
                         InstanceMethod<&ConntrackWatcher::Dump>("dump"),
                         InstanceMethod<&ConntrackWatcher::OnEvents>("onEvents"),
                         InstanceMethod<&ConntrackWatcher::Drain>("drain"),
                         InstanceAccessor<&ConntrackWatcher::GetOverflows>("overflows"),
                         InstanceMethod<&ConntrackWatcher::Close>("close"),
                     });
}

// new ConntrackWatcher({ updates, receiveBufferBytes, netnsPath })
ConntrackWatcher::ConntrackWatcher(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<ConntrackWatcher>(info), env_(info.Env()), buffer_(kReceiveBytes) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    Napi::TypeError::New(env, "ConntrackWatcher(options) expects an object").ThrowAsJavaScriptException();
    return;
  }
  if (!Open(env, info[0].As<Napi::Object>())) Release();
}

// The event socket is opened and subscribed here: joining the ctnetlink
// groups is what requires CAP_NET_ADMIN, so this is the permission check,
// and events from now on queue in the kernel until onEvents() reads them.
bool ConntrackWatcher::Open(Napi::Env env, Napi::Object options) {
  bool updates = options.Get("updates").ToBoolean().Value();
  int rcvbuf = static_cast<int>(options.Get("receiveBufferBytes").ToNumber().Int32Value());
  Napi::Value netns = options.Get("netnsPath");
  if (env.IsExceptionPending()) return false;
  if (netns.IsString()) {
    std::string path = netns.As<Napi::String>().Utf8Value();
    netns_fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd_ < 0) {
      ThrowBpfError(env, "conntrack_open", errno, "opening the network namespace " + path + " failed");
      return false;
    }
  }

  events_ = OpenNetlinkIn(netns_fd_, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (events_ == nullptr) {
    ThrowBpfError(env, "conntrack_open", errno,
                  netns_fd_ < 0 ? "opening a netfilter netlink socket failed"
                                : "opening a netfilter netlink socket in the given network namespace failed");
    return false;
  }
  int fd = mnl_socket_get_fd(events_);
  // FORCE ignores net.core.rmem_max (needs CAP_NET_ADMIN, which we need anyway).
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

  // Let the kernel drop non-TCP events (DNS over UDP would otherwise wake us
  // for nothing). Best effort: ParseFlow filters again.
  struct nfct_filter* filter = nfct_filter_create();
  if (filter != nullptr) {
    nfct_filter_add_attr_u32(filter, NFCT_FILTER_L4PROTO, IPPROTO_TCP);
    nfct_filter_attach(fd, filter);
    nfct_filter_destroy(filter);
  }

  unsigned groups = NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_DESTROY;
  if (updates) groups |= NF_NETLINK_CONNTRACK_UPDATE;
  if (mnl_socket_bind(events_, groups, MNL_SOCKET_AUTOPID) != 0) {
    ThrowBpfError(env, "conntrack_open", errno, "subscribing to conntrack events failed");
    return false;
  }
  if (napi_add_env_cleanup_hook(env, CleanupHook, this) == napi_ok) hook_ = true;
  return true;
}

ConntrackWatcher::~ConntrackWatcher() { Release(); }

void ConntrackWatcher::CleanupHook(void* arg) {
  ConntrackWatcher* self = static_cast<ConntrackWatcher*>(arg);
  self->hook_ = false;
  self->Release();
}

void ConntrackWatcher::Release() {
  StopFdPoll(poll_);
  if (events_ != nullptr) {
    mnl_socket_close(events_);
    events_ = nullptr;
  }
  if (netns_fd_ >= 0) {
    close(netns_fd_);
    netns_fd_ = -1;
  }
  if (hook_) {
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
    hook_ = false;
  }
}

bool ConntrackWatcher::EnsureOpen(Napi::Env env) {
  if (events_ != nullptr) return true;
  ThrowBpfError(env, "closed", EBADF, "the ConntrackWatcher is closed");
  return false;
}

// A dump on a socket of its own, so it never interleaves with events.
Napi::Value ConntrackWatcher::Dump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  std::vector<Flow> flows;
  struct mnl_socket* nl = OpenNetlinkIn(netns_fd_, SOCK_CLOEXEC);
  if (nl == nullptr) {
    ThrowBpfError(env, "conntrack_dump", errno, "opening a netfilter netlink socket failed");
    return env.Undefined();
  }
  int err = 0;
  const char* step = "binding the dump socket";
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) != 0) err = errno;

  uint32_t seq = static_cast<uint32_t>(time(nullptr));
  if (err == 0) {
    char request[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr* nlh = mnl_nlmsg_put_header(request);
    nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq;
    struct nfgenmsg* nfh = static_cast<struct nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(struct nfgenmsg)));
    nfh->nfgen_family = AF_UNSPEC;  // IPv4 and IPv6 in one dump
    nfh->version = NFNETLINK_V0;
    nfh->res_id = 0;
    step = "sending the dump request";
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) err = errno;
  }
  if (err == 0) {
    step = "reading the conntrack dump";
    unsigned portid = mnl_socket_get_portid(nl);
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(nl, buffer_.data(), buffer_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      int ret = mnl_cb_run(buffer_.data(), n, seq, portid, DumpCallback, &flows);
      if (ret < 0) {  // an NLMSG_ERROR from the kernel, e.g. EPERM
        err = errno;
        break;
      }
      if (ret == MNL_CB_STOP) break;  // NLMSG_DONE
    }
  }
  mnl_socket_close(nl);
  if (err != 0) {
    ThrowBpfError(env, "conntrack_dump", err, std::string(step) + " failed");
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, flows.size());
  for (size_t i = 0; i < flows.size(); i++) result.Set(static_cast<uint32_t>(i), FlowObject(env, flows[i]));
  return result;
}

// What the kernel has queued on the event socket, without blocking (at most
// kMaxReadsPerWakeup datagrams).
void ConntrackWatcher::ReadPending(std::vector<Flow>& flows) {
  int fd = mnl_socket_get_fd(events_);
  for (int i = 0; i < kMaxReadsPerWakeup; i++) {
    ssize_t n = recv(fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The socket buffer overflowed and the kernel dropped events; the
      // socket keeps working. TS sees the count and re-dumps.
      if (errno == ENOBUFS) {
        overflows_++;
        continue;
      }
      break;  // EAGAIN: drained (anything else: nothing better to do than wait)
    }
    mnl_cb_run(buffer_.data(), n, 0, 0, EventCallback, &flows);
  }
}

void ConntrackWatcher::OnPoll(uv_poll_t* handle, int status, int events) {
  (void)status;
  (void)events;
  ConntrackWatcher* self = static_cast<ConntrackWatcher*>(handle->data);
  if (self == nullptr || self->events_ == nullptr) return;
  std::vector<Flow> flows;
  self->ReadPending(flows);
  if (flows.empty()) return;

  Napi::Env env(self->env_);
  Napi::HandleScope scope(env);
  Napi::Array array = Napi::Array::New(env, flows.size());
  for (size_t i = 0; i < flows.size(); i++) array.Set(static_cast<uint32_t>(i), FlowObject(env, flows[i]));
  // The callback may close() us: touch nothing of self after this call.
  DeliverFromPoll(env, self->callback_, self->Value(), array);
}

Napi::Value ConntrackWatcher::OnEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  if (!SetEventCallback(env, info[0], callback_)) return env.Undefined();
  if (poll_ != nullptr) return env.Undefined();

  poll_ = StartFdPoll(env, mnl_socket_get_fd(events_), OnPoll, this, "the conntrack socket");
  if (poll_ == nullptr) return env.Undefined();
  Ref();  // a watcher that can still deliver must not be collected silently
  return env.Undefined();
}

// drain(): the events queued right now, read synchronously. The event loop's
// poll may not have run since the kernel queued a connection's NEW; a caller
// about to use the table (the agent's interval) drains first.
Napi::Value ConntrackWatcher::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  std::vector<Flow> flows;
  ReadPending(flows);
  Napi::Array array = Napi::Array::New(env, flows.size());
  for (size_t i = 0; i < flows.size(); i++) array.Set(static_cast<uint32_t>(i), FlowObject(env, flows[i]));
  return array;
}

Napi::Value ConntrackWatcher::GetOverflows(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), overflows_);
}

Napi::Value ConntrackWatcher::Close(const Napi::CallbackInfo& info) {
  bool polling = poll_ != nullptr;
  Release();
  if (polling) Unref();
  callback_.Reset();
  return info.Env().Undefined();
}

}  // namespace

Napi::Object InitConntrack(Napi::Env env, Napi::Object exports) {
  exports.Set("ConntrackWatcher", ConntrackWatcher::Define(env));
  return exports;
}

}  // namespace weft_native
