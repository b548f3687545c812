// SocketTracer: one loaded and attached copy of the Weft BPF skeleton, its
// ring buffer reader and the reads of its maps. It does what lib/index.js
// tells it (options are validated there) and undoes everything on close(),
// on garbage collection and at env teardown.
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <uv.h>

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "fd_poll.h"
#include "record_ring.h"
#include "weft.h"
#include "weft.skel.h"

namespace weft_native {

namespace {

// readSockets asks the kernel for at least this many entries per batch call.
constexpr size_t kMinBatch = 256;
// L7 calls kept for a reader that has not taken them yet.
constexpr size_t kMaxPendingL7 = 16u << 20;
// With the L7 ring batched (l7_wakeup_bytes), how often it is read anyway:
// a call waits at most this long, and the ring must hold this long's calls
// (a quarter of it wakes the reader at once).
constexpr uint64_t kL7ConsumeMs = 10;

// LIBBPF_OPTS is C (compound literal); this is its C++ spelling.
struct bpf_map_batch_opts BatchOpts() {
  struct bpf_map_batch_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  return opts;
}

enum class TrafficPath { kTracepoint, kFentry, kKprobe, kCounters };

class SocketTracer : public Napi::ObjectWrap<SocketTracer> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SocketTracer(const Napi::CallbackInfo& info);
  ~SocketTracer() override;

 private:
  Napi::Value GetBatchLookup(const Napi::CallbackInfo& info);
  Napi::Value GetL7PendingDrops(const Napi::CallbackInfo& info);
  Napi::Value ReadSockets(const Napi::CallbackInfo& info);
  Napi::Value DrainEvents(const Napi::CallbackInfo& info);
  Napi::Value OnEvents(const Napi::CallbackInfo& info);
  Napi::Value DrainL7Calls(const Napi::CallbackInfo& info);
  Napi::Value OnL7Calls(const Napi::CallbackInfo& info);
  Napi::Value DrainL7Aggregates(const Napi::CallbackInfo& info);
  bool StartPolling(Napi::Env env);
  Napi::Value ReadCounters(const Napi::CallbackInfo& info);
  Napi::Value MapIds(const Napi::CallbackInfo& info);
  Napi::Value RefreshSockets(const Napi::CallbackInfo& info);
  Napi::Value FindOwners(const Napi::CallbackInfo& info);
  Napi::Value AdoptSockets(const Napi::CallbackInfo& info);
  Napi::Value AttachTlsLibrary(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  bool Configure(Napi::Env env, Napi::Object options);
  int RefusePrograms(Napi::Env env, Napi::Value names);
  bool EnsureOpen(Napi::Env env);
  void Release();  // native teardown only: safe from finalizers and cleanup hooks
  bool ReadBatched(Napi::Env env, size_t* count);
  bool ReadIterated(Napi::Env env, size_t* count);
  bool AttachIterators(Napi::Env env, LibbpfLog& log);
  bool RunIterator(Napi::Env env, struct bpf_link* link, const char* what, std::string* output);
  Napi::Value CountReported(Napi::Env env, struct bpf_link* link, const char* what);
  void Reserve(size_t entries);

  static void CleanupHook(void* arg);
  static int OnSample(void* ctx, void* data, size_t size);
  static int OnL7Sample(void* ctx, void* data, size_t size);
  static void OnL7Record(void* ctx, const void* data, size_t size);
  static void OnL7Poll(uv_poll_t* handle, int status, int events);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnL7Timer(uv_timer_t* handle);
  void Consume();

  napi_env env_;
  struct weft* skel_ = nullptr;
  struct ring_buffer* rb_ = nullptr;
  uv_poll_t* poll_ = nullptr;  // owned by libuv once uv_close is called
  uv_timer_t* l7_timer_ = nullptr;  // reads a batched L7 ring; owned by libuv once closed
  // The L7 ring, read by hand (record_ring.h), and its wakeups: an epoll set
  // of its fd alone, edge-triggered when batched, so the poll fires at a
  // kernel wakeup and not whenever a record waits.
  RecordRing l7_ring_;
  int l7_epoll_ = -1;
  uv_poll_t* l7_poll_ = nullptr;
  bool hook_ = false;
  bool batch_ = false;
  TrafficPath traffic_ = TrafficPath::kTracepoint;
  // Counters path only: the iterators user space runs (see bpf/socket_counters.bpf.c).
  struct bpf_program* refresh_prog_ = nullptr;  // the socket map walk chosen (socketWalk)
  struct bpf_link* refresh_link_ = nullptr;
  struct bpf_link* owners_link_ = nullptr;
  struct bpf_link* adopt_link_ = nullptr;
  int cpus_ = 0;
  size_t max_entries_ = 0;
  Napi::FunctionReference callback_;
  Napi::FunctionReference l7_callback_;
  bool l7_ = false;
  bool l7_batch_ = false;  // the kernel wakes the reader only past l7_wakeup_bytes
  bool tls_ = false;
  // TLS capture: the uprobe links of every libssl attached (attachTlsLibrary).
  std::vector<struct bpf_link*> tls_links_;
  std::vector<uint8_t> pending_;  // events gathered by one ring_buffer__consume
  // L7 calls gathered since they were last handed over (variable-length
  // struct weft_l7_call records, cut after head_len bytes of head). Bounded:
  // past kMaxPendingL7 bytes further calls are dropped and counted.
  std::vector<uint8_t> pending_l7_;
  double l7_dropped_ = 0;
  // drainL7Aggregates scratch: one batch of the aggregate map's entries.
  std::vector<struct weft_l7_agg_key> agg_keys_;
  std::vector<struct weft_l7_agg> agg_values_;
  bool agg_batch_ = true;  // lookup_and_delete_batch works on it (else entry by entry)
  std::vector<__u64> keys_;       // readSockets scratch, grown on demand
  std::vector<uint8_t> values_;
};

Napi::Function SocketTracer::Define(Napi::Env env) {
  return DefineClass(env, "SocketTracer",
                     {
                         InstanceAccessor<&SocketTracer::GetBatchLookup>("batchLookup"),
                         InstanceAccessor<&SocketTracer::GetL7PendingDrops>("l7PendingDrops"),
                         InstanceMethod<&SocketTracer::ReadSockets>("readSockets"),
                         InstanceMethod<&SocketTracer::DrainEvents>("drainEvents"),
                         InstanceMethod<&SocketTracer::OnEvents>("onEvents"),
                         InstanceMethod<&SocketTracer::DrainL7Calls>("drainL7Calls"),
                         InstanceMethod<&SocketTracer::OnL7Calls>("onL7Calls"),
                         InstanceMethod<&SocketTracer::DrainL7Aggregates>("drainL7Aggregates"),
                         InstanceMethod<&SocketTracer::ReadCounters>("readCounters"),
                         InstanceMethod<&SocketTracer::MapIds>("mapIds"),
                         InstanceMethod<&SocketTracer::RefreshSockets>("refreshSockets"),
                         InstanceMethod<&SocketTracer::FindOwners>("findOwners"),
                         InstanceMethod<&SocketTracer::AdoptSockets>("adoptSockets"),
                         InstanceMethod<&SocketTracer::AttachTlsLibrary>("attachTlsLibrary"),
                         InstanceMethod<&SocketTracer::Close>("close"),
                     });
}

// new SocketTracer({ trafficPath, socketWalk, maxSockets, ringBufferBytes, netnsInodes, refusePrograms })
SocketTracer::SocketTracer(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SocketTracer>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    Napi::TypeError::New(env, "SocketTracer(options) expects an object").ThrowAsJavaScriptException();
    return;
  }
  // On failure the wrapper deletes this object; the destructor undoes the rest.
  if (!Configure(env, info[0].As<Napi::Object>())) Release();
}

bool SocketTracer::Configure(Napi::Env env, Napi::Object options) {
  std::string path = options.Get("trafficPath").ToString().Utf8Value();
  TrafficPath traffic;
  if (path == "tracepoint") {
    traffic = TrafficPath::kTracepoint;
  } else if (path == "fentry") {
    traffic = TrafficPath::kFentry;
  } else if (path == "kprobe") {
    traffic = TrafficPath::kKprobe;
  } else if (path == "counters") {
    traffic = TrafficPath::kCounters;
  } else {
    Napi::TypeError::New(env, "unknown trafficPath " + path).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Value netnsValue = options.Get("netnsInodes");
  if (!netnsValue.IsNull() && !netnsValue.IsArray()) {
    Napi::TypeError::New(env, "netnsInodes must be null or an array").ThrowAsJavaScriptException();
    return false;
  }
  uint32_t max_sockets = options.Get("maxSockets").ToNumber().Uint32Value();
  uint32_t ring_bytes = options.Get("ringBufferBytes").ToNumber().Uint32Value();
  bool l7 = options.Get("l7").ToBoolean().Value();
  bool tls = l7 && options.Get("l7Tls").ToBoolean().Value();
  uint32_t l7_ring_bytes = options.Get("l7RingBufferBytes").ToNumber().Uint32Value();
  uint32_t page = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  if (env.IsExceptionPending()) return false;

  LibbpfLog log;
  skel_ = weft__open();
  if (skel_ == nullptr) {
    ThrowBpfError(env, "open", errno, "opening the BPF skeleton failed", log.text());
    return false;
  }

  // Exactly one traffic path is loaded; the verifier never sees the others,
  // so a kernel without kprobes or trampolines can still run the rest.
  struct bpf_program* traffic_progs[][3] = {
      {skel_->progs.weft_tp_send, skel_->progs.weft_tp_recv, nullptr},
      {skel_->progs.weft_fexit_tcp_sendmsg, skel_->progs.weft_fentry_tcp_cleanup_rbuf, nullptr},
      {skel_->progs.weft_kprobe_tcp_sendmsg, skel_->progs.weft_kretprobe_tcp_sendmsg,
       skel_->progs.weft_kprobe_tcp_cleanup_rbuf},
  };
  int err = 0;
  for (int p = 0; p < 3; p++) {
    for (struct bpf_program* prog : traffic_progs[p]) {
      if (prog != nullptr && err == 0) err = bpf_program__set_autoload(prog, p == static_cast<int>(traffic));
    }
  }
  // The counters path runs iterators instead, attached by hand (a map
  // element iterator needs its map) once the object is loaded; of the two
  // socket map walks, the one asked for.
  std::string walk = options.Get("socketWalk").ToString().Utf8Value();
  if (walk != "map_elem" && walk != "task") {
    Napi::TypeError::New(env, "unknown socketWalk " + walk).ThrowAsJavaScriptException();
    return false;
  }
  bool counters = traffic == TrafficPath::kCounters;
  refresh_prog_ = walk == "map_elem" ? skel_->progs.weft_refresh_map_elem : skel_->progs.weft_refresh_task_walk;
  struct bpf_program* iterators[] = {skel_->progs.weft_refresh_map_elem, skel_->progs.weft_refresh_task_walk,
                                     skel_->progs.weft_find_owners, skel_->progs.weft_adopt_sockets};
  for (struct bpf_program* prog : iterators) {
    bool refresh = prog == skel_->progs.weft_refresh_map_elem || prog == skel_->progs.weft_refresh_task_walk;
    if (err == 0) err = bpf_program__set_autoload(prog, counters && (!refresh || prog == refresh_prog_));
    if (err == 0) bpf_program__set_autoattach(prog, false);
  }
  // L7 capture: its programs only while it is on; its maps always exist (the
  // destroy program names them) but stay minimal when it is off.
  for (struct bpf_program* prog : {skel_->progs.weft_l7_send, skel_->progs.weft_l7_recv}) {
    if (err == 0) err = bpf_program__set_autoload(prog, l7);
  }
  // TLS capture (bpf/tls_capture.bpf.c): its uprobes only with L7 capture and
  // when asked for, attached later to each libssl user space finds.
  for (struct bpf_program* prog : {skel_->progs.weft_tls_write_enter, skel_->progs.weft_tls_write_ex_enter,
                                   skel_->progs.weft_tls_read_enter, skel_->progs.weft_tls_read_ex_enter,
                                   skel_->progs.weft_tls_return}) {
    if (err == 0) err = bpf_program__set_autoload(prog, tls);
    if (err == 0) bpf_program__set_autoattach(prog, false);
  }
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_tls_threads, tls ? WEFT_TLS_MAX_THREADS : 1);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_tls_ssl, tls ? max_sockets : 1);
  skel_->rodata->l7_tls = tls ? 1 : 0;
  tls_ = tls;
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_l7_socks, l7 ? max_sockets : 1);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_dns_udp_socks, l7 ? WEFT_DNS_MAX_UDP_SOCKETS : 1);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_l7_mmsg, l7 ? WEFT_L7_MAX_MMSG_THREADS : 1);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_l7_events, l7 ? l7_ring_bytes : page);
  skel_->rodata->l7_enabled = l7 ? 1 : 0;
  // HTTP/1 framed in the kernel (bpf/l7_http1_fast.bpf.h); its maps minimal when off.
  bool http1_kernel = l7 && options.Get("l7Http1Kernel").ToBoolean().Value();
  skel_->rodata->l7_http1_fast = http1_kernel ? 1 : 0;
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_l7_aggs, http1_kernel ? WEFT_L7_FAST_MAX_AGGREGATES : 1);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_l7_paths, http1_kernel ? WEFT_L7_FAST_MAX_PATHS : 1);
  l7_ = l7;
  l7_batch_ = l7 && options.Get("l7RingBatch").ToBoolean().Value();
  skel_->rodata->l7_wakeup_bytes = l7_batch_ ? l7_ring_bytes / 4 : 0;
  // L7 filters (the TS side validated them): flags now, entries once loaded.
  Napi::Value l7PortsValue = options.Get("l7Ports");
  Napi::Value l7ProcessesValue = options.Get("l7Processes");
  bool port_filter = l7 && l7PortsValue.IsArray();
  bool comm_filter = l7 && l7ProcessesValue.IsArray();
  skel_->rodata->l7_port_filter = port_filter ? 1 : 0;
  skel_->rodata->l7_comm_filter = comm_filter ? 1 : 0;
  if (err == 0) err = RefusePrograms(env, options.Get("refusePrograms"));
  if (env.IsExceptionPending()) return false;
  traffic_ = traffic;
  skel_->rodata->count_from_seq = traffic == TrafficPath::kCounters ? 1 : 0;
  // Only the kretprobe needs the per-thread argument map: do not allocate it otherwise.
  if (err == 0) err = bpf_map__set_autocreate(skel_->maps.weft_sendmsg_args, traffic == TrafficPath::kKprobe);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_socks, max_sockets);
  if (err == 0) err = bpf_map__set_max_entries(skel_->maps.weft_events, ring_bytes);
  if (err != 0) {
    ThrowBpfError(env, "open", err, "configuring the BPF object failed", log.text());
    return false;
  }
  skel_->rodata->filter_netns = netnsValue.IsArray() ? 1 : 0;

  err = weft__load(skel_);
  if (err != 0) {
    ThrowBpfError(env, "load", err, "loading the BPF programs failed", log.text());
    return false;
  }

  // The filter must be complete before any program runs, or foreign
  // namespaces would briefly be tracked.
  if (netnsValue.IsArray()) {
    Napi::Array inodes = netnsValue.As<Napi::Array>();
    int fd = bpf_map__fd(skel_->maps.weft_netns_filter);
    for (uint32_t i = 0; i < inodes.Length(); i++) {
      __u32 inode = inodes.Get(i).ToNumber().Uint32Value();
      __u8 one = 1;
      if (env.IsExceptionPending()) return false;
      err = bpf_map_update_elem(fd, &inode, &one, BPF_ANY);
      if (err != 0) {
        ThrowBpfError(env, "netns_filter", err, "adding netns " + std::to_string(inode) + " to the filter failed", log.text());
        return false;
      }
    }
  }

  // Like the netns filter, complete before any program runs.
  if (port_filter) {
    Napi::Array ports = l7PortsValue.As<Napi::Array>();
    int fd = bpf_map__fd(skel_->maps.weft_l7_ports);
    for (uint32_t i = 0; i < ports.Length() && err == 0; i++) {
      __u16 port = static_cast<__u16>(ports.Get(i).ToNumber().Uint32Value());
      __u8 one = 1;
      if (env.IsExceptionPending()) return false;
      err = bpf_map_update_elem(fd, &port, &one, BPF_ANY);
    }
  }
  if (comm_filter && err == 0) {
    Napi::Array names = l7ProcessesValue.As<Napi::Array>();
    int fd = bpf_map__fd(skel_->maps.weft_l7_comms);
    for (uint32_t i = 0; i < names.Length() && err == 0; i++) {
      char comm[16] = {};
      std::string name = names.Get(i).ToString().Utf8Value();
      if (env.IsExceptionPending()) return false;
      strncpy(comm, name.c_str(), sizeof(comm) - 1);
      __u8 one = 1;
      err = bpf_map_update_elem(fd, comm, &one, BPF_ANY);
    }
  }
  if (err != 0) {
    ThrowBpfError(env, "l7_filter", err, "filling the L7 port/process filter failed", log.text());
    return false;
  }

  // Probe batch lookups while the map is still certainly empty: ENOENT
  // ("no more entries") means the command works for this map type.
  {
    __u64 out_batch = 0;
    __u64 key = 0;
    std::vector<uint8_t> value(sizeof(struct weft_socket));
    __u32 count = 1;
    struct bpf_map_batch_opts batch_opts = BatchOpts();
    err = bpf_map_lookup_batch(bpf_map__fd(skel_->maps.weft_socks), nullptr, &out_batch, &key, value.data(),
                               &count, &batch_opts);
    batch_ = err == 0 || err == -ENOENT;
  }

  rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.weft_events), OnSample, this, nullptr);
  if (rb_ == nullptr) {
    ThrowBpfError(env, "load", errno, "mapping the event ring buffer failed", log.text());
    return false;
  }
  if (l7) {
    int l7_fd = bpf_map__fd(skel_->maps.weft_l7_events);
    err = l7_ring_.Open(l7_fd, bpf_map__max_entries(skel_->maps.weft_l7_events));
    if (err != 0) {
      ThrowBpfError(env, "load", -err, "mapping the L7 ring buffer failed", log.text());
      return false;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | (l7_batch_ ? EPOLLET : 0);
    ev.data.fd = l7_fd;
    l7_epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (l7_epoll_ < 0 || epoll_ctl(l7_epoll_, EPOLL_CTL_ADD, l7_fd, &ev) != 0) {
      ThrowBpfError(env, "load", errno, "polling the L7 ring buffer failed", log.text());
      return false;
    }
  }

  err = weft__attach(skel_);
  if (err != 0) {
    ThrowBpfError(env, "attach", err, "attaching the BPF programs failed", log.text());
    return false;
  }
  if (traffic == TrafficPath::kCounters && !AttachIterators(env, log)) return false;

  cpus_ = libbpf_num_possible_cpus();
  if (cpus_ <= 0) {
    ThrowBpfError(env, "load", cpus_ == 0 ? EINVAL : -cpus_, "counting possible CPUs failed");
    return false;
  }
  max_entries_ = bpf_map__max_entries(skel_->maps.weft_socks);

  // Process exit (or worker termination) detaches even without close().
  if (napi_add_env_cleanup_hook(env, CleanupHook, this) == napi_ok) hook_ = true;
  return true;
}

// Test-only (lib/index.js documents it): the named programs are handed to the
// kernel as socket filters, a type their attach target and helpers do not
// fit, so the verifier refuses them at load as a kernel without the feature
// would. Lets a test make one traffic path fail on a kernel where it works.
int SocketTracer::RefusePrograms(Napi::Env env, Napi::Value names) {
  if (names.IsUndefined() || names.IsNull()) return 0;
  Napi::Array list = names.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    std::string name = list.Get(i).ToString().Utf8Value();
    struct bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, name.c_str());
    if (prog == nullptr) {
      Napi::TypeError::New(env, "refusePrograms: no BPF program named " + name).ThrowAsJavaScriptException();
      return -EINVAL;
    }
    int err = bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
    if (err != 0) return err;
  }
  return 0;
}

SocketTracer::~SocketTracer() { Release(); }

void SocketTracer::CleanupHook(void* arg) {
  SocketTracer* self = static_cast<SocketTracer*>(arg);
  self->hook_ = false;  // Node drops the hook after running it
  self->Release();
}

void DeleteClosedTimer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

void SocketTracer::Release() {
  // Stop before the epoll fd goes away with the ring buffer.
  StopFdPoll(poll_);
  StopFdPoll(l7_poll_);
  if (l7_epoll_ >= 0) close(l7_epoll_);
  l7_epoll_ = -1;
  l7_ring_.Close();
  if (l7_timer_ != nullptr) {
    l7_timer_->data = nullptr;
    uv_timer_stop(l7_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(l7_timer_), DeleteClosedTimer);
    l7_timer_ = nullptr;
  }
  if (rb_ != nullptr) {
    ring_buffer__free(rb_);
    rb_ = nullptr;
  }
  for (struct bpf_link** link : {&refresh_link_, &owners_link_, &adopt_link_}) {
    if (*link != nullptr) bpf_link__destroy(*link);
    *link = nullptr;
  }
  for (struct bpf_link* link : tls_links_) bpf_link__destroy(link);
  tls_links_.clear();
  if (skel_ != nullptr) {
    weft__destroy(skel_);  // destroys the links (detach), programs and maps
    skel_ = nullptr;
  }
  if (hook_) {
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
    hook_ = false;
  }
}

bool SocketTracer::EnsureOpen(Napi::Env env) {
  if (skel_ != nullptr) return true;
  ThrowBpfError(env, "closed", EBADF, "the SocketTracer is closed");
  return false;
}

Napi::Value SocketTracer::GetBatchLookup(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), batch_);
}

Napi::Value SocketTracer::GetL7PendingDrops(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), l7_dropped_);
}

void SocketTracer::Reserve(size_t entries) {
  if (keys_.size() >= entries) return;
  keys_.resize(entries);
  values_.resize(entries * sizeof(struct weft_socket));
}

// Batches walk the hash buckets in order; ENOENT marks the end (and may come
// with the last entries). ENOSPC means one bucket holds more entries than we
// offered room for. Concurrent inserts can make the total exceed max_entries,
// hence the growth.
bool SocketTracer::ReadBatched(Napi::Env env, size_t* count) {
  int fd = bpf_map__fd(skel_->maps.weft_socks);
  struct bpf_map_batch_opts opts = BatchOpts();
  __u64 in_batch = 0;
  __u64 out_batch = 0;
  bool first = true;
  size_t n = 0;
  for (;;) {
    if (keys_.size() - n < kMinBatch) Reserve(keys_.size() * 2);
    __u32 chunk = static_cast<__u32>(keys_.size() - n);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch, &keys_[n],
                                   &values_[n * sizeof(struct weft_socket)], &chunk, &opts);
    if (err == 0 || err == -ENOENT) n += chunk;
    if (err == -ENOENT) break;
    if (err == -ENOSPC) {
      Reserve(keys_.size() * 2);
      continue;
    }
    if (err != 0) {
      ThrowBpfError(env, "read", err, "batch lookup of weft_socks failed");
      return false;
    }
    in_batch = out_batch;
    first = false;
  }
  *count = n;
  return true;
}

// Fallback for kernels without batch ops. A key deleted between two calls
// makes get_next_key restart from the first key; the bound keeps that from
// looping (duplicates are possible then, and TS keys by (sk, created_ns)).
bool SocketTracer::ReadIterated(Napi::Env env, size_t* count) {
  int fd = bpf_map__fd(skel_->maps.weft_socks);
  __u64 key = 0;
  __u64 next = 0;
  bool first = true;
  size_t n = 0;
  size_t steps = 0;
  const size_t max_steps = 2 * max_entries_ + kMinBatch;
  for (;;) {
    int err = bpf_map_get_next_key(fd, first ? nullptr : &key, &next);
    if (err == -ENOENT) break;
    if (err != 0) {
      ThrowBpfError(env, "read", err, "iterating weft_socks failed");
      return false;
    }
    first = false;
    key = next;
    if (n == keys_.size()) Reserve(keys_.size() * 2);
    err = bpf_map_lookup_elem(fd, &key, &values_[n * sizeof(struct weft_socket)]);
    if (err == 0) {
      keys_[n] = key;
      n++;
    } else if (err != -ENOENT) {  // ENOENT: the socket closed meanwhile
      ThrowBpfError(env, "read", err, "looking up a weft_socks entry failed");
      return false;
    }
    if (++steps >= max_steps) break;
  }
  *count = n;
  return true;
}

Napi::Value SocketTracer::ReadSockets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  Reserve(max_entries_ > kMinBatch ? max_entries_ : kMinBatch);
  size_t n = 0;
  if (!(batch_ ? ReadBatched(env, &n) : ReadIterated(env, &n))) return env.Undefined();
  return Napi::Buffer<uint8_t>::Copy(env, values_.data(), n * sizeof(struct weft_socket));
}

int SocketTracer::OnSample(void* ctx, void* data, size_t size) {
  SocketTracer* self = static_cast<SocketTracer*>(ctx);
  // Every record is a struct weft_event; anything else is a build mismatch.
  if (size != sizeof(struct weft_event)) return 0;
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  self->pending_.insert(self->pending_.end(), bytes, bytes + size);
  return 0;
}

void SocketTracer::OnL7Record(void* ctx, const void* data, size_t size) {
  OnL7Sample(ctx, const_cast<void*>(data), size);
}

int SocketTracer::OnL7Sample(void* ctx, void* data, size_t size) {
  SocketTracer* self = static_cast<SocketTracer*>(ctx);
  const size_t header = offsetof(struct weft_l7_call, head);
  if (size < header || size > WEFT_TLS_RECORD_BYTES) return 0;  // a build mismatch
  // A record assembled in the ring (TLS) is longer than its head: keep the
  // header and the head, as the plain path sends them.
  size_t head_len = static_cast<const struct weft_l7_call*>(data)->head_len;
  if (head_len > WEFT_L7_HEAD_BYTES) return 0;
  if (size > header + head_len) size = header + head_len;
  if (self->pending_l7_.size() + size > kMaxPendingL7) {
    self->l7_dropped_ += 1;
    return 0;
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  self->pending_l7_.insert(self->pending_l7_.end(), bytes, bytes + size);
  return 0;
}

// L7 calls consumed so far (by this call, drainEvents or the poll) and not
// yet handed to a callback.
Napi::Value SocketTracer::DrainL7Calls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  // Socket events consumed here stay in pending_ for the next drainEvents.
  int err = ring_buffer__consume(rb_);
  l7_ring_.Consume(OnL7Record, this);
  if (err < 0) {
    ThrowBpfError(env, "read", err, "consuming the ring buffers failed");
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::Copy(env, pending_l7_.data(), pending_l7_.size());
  pending_l7_.clear();
  return buffer;
}

Napi::Value SocketTracer::DrainEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  // Events consumed earlier by drainL7Calls are in pending_ already: handed over with these.
  int err = ring_buffer__consume(rb_);
  l7_ring_.Consume(OnL7Record, this);
  if (err < 0) {
    ThrowBpfError(env, "read", err, "consuming the event ring buffer failed");
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::Copy(env, pending_.data(), pending_.size());
  pending_.clear();
  return buffer;
}

void SocketTracer::OnPoll(uv_poll_t* handle, int status, int events) {
  (void)status;
  (void)events;
  SocketTracer* self = static_cast<SocketTracer*>(handle->data);
  if (self != nullptr) self->Consume();
}

void SocketTracer::OnL7Poll(uv_poll_t* handle, int status, int events) {
  (void)status;
  (void)events;
  SocketTracer* self = static_cast<SocketTracer*>(handle->data);
  if (self == nullptr) return;
  // Takes the edge (the set holds one fd): the next poll is the next wakeup.
  struct epoll_event ev;
  epoll_wait(self->l7_epoll_, &ev, 1, 0);
  self->Consume();
}

void SocketTracer::OnL7Timer(uv_timer_t* handle) {
  SocketTracer* self = static_cast<SocketTracer*>(handle->data);
  if (self != nullptr) self->Consume();
}

// Reads both rings and hands what they held to the callbacks. May delete
// this (a callback may close() the owner): nothing of it is touched after.
void SocketTracer::Consume() {
  if (rb_ == nullptr) return;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  // Errors here have no caller to go to; lost events show in the counters.
  ring_buffer__consume(rb_);
  l7_ring_.Consume(OnL7Record, this);
  Napi::Object receiver = Value();
  bool have_events = !pending_.empty() && !callback_.IsEmpty();
  bool calls = !pending_l7_.empty() && !l7_callback_.IsEmpty();
  Napi::Value event_buffer = env.Undefined();
  Napi::Value call_buffer = env.Undefined();
  if (have_events) {
    event_buffer = Napi::Buffer<uint8_t>::Copy(env, pending_.data(), pending_.size());
    pending_.clear();
  }
  if (calls) {
    call_buffer = Napi::Buffer<uint8_t>::Copy(env, pending_l7_.data(), pending_l7_.size());
    pending_l7_.clear();
  }
  // Both buffers are copied out first: a callback may close() us, so touch
  // nothing of this after the first call but what was taken before it.
  Napi::FunctionReference* l7_callback = calls ? &l7_callback_ : nullptr;
  if (have_events) DeliverFromPoll(env, callback_, receiver, event_buffer);
  if (l7_callback != nullptr && !l7_callback->IsEmpty()) DeliverFromPoll(env, *l7_callback, receiver, call_buffer);
}

// The kernel's HTTP/1 aggregates (weft_l7_aggs), read and deleted: what
// was completed since the last call. Each entry comes as a compact record
// (native/lib/index.d.ts): its key, its count, and its non-empty histogram
// buckets as (index, count) pairs. Bounded by the map's bound.
Napi::Value SocketTracer::DrainL7Aggregates(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  int fd = bpf_map__fd(skel_->maps.weft_l7_aggs);
  size_t max_entries = bpf_map__max_entries(skel_->maps.weft_l7_aggs);
  std::vector<uint8_t> out;
  auto append = [&out](const struct weft_l7_agg_key& key, const struct weft_l7_agg& value) {
    __u32 pairs = 0;
    for (__u32 b = 0; b < WEFT_L7_AGG_BUCKETS; b++) pairs += value.buckets[b] != 0;
    struct {
      __u64 sk, created_ns, path_hash;
      __u32 count;
      __u16 status;
      __u8 method;
      __u8 buckets;
    } header = {key.sk, key.created_ns, key.path_hash, value.count, key.status, key.method, static_cast<__u8>(pairs)};
    static_assert(sizeof(header) == 32, "aggregate record header");
    static_assert(WEFT_L7_AGG_BUCKETS <= 255, "bucket count fits the header's byte");
    const uint8_t* h = reinterpret_cast<const uint8_t*>(&header);
    out.insert(out.end(), h, h + sizeof(header));
    for (__u32 b = 0; b < WEFT_L7_AGG_BUCKETS; b++) {
      if (value.buckets[b] == 0) continue;
      __u32 pair[2] = {b, value.buckets[b]};
      const uint8_t* p = reinterpret_cast<const uint8_t*>(pair);
      out.insert(out.end(), p, p + sizeof(pair));
    }
  };
  if (agg_keys_.empty()) {
    agg_keys_.resize(kMinBatch);
    agg_values_.resize(kMinBatch);
  }
  if (agg_batch_) {
    struct bpf_map_batch_opts opts = BatchOpts();
    struct weft_l7_agg_key in_batch;
    struct weft_l7_agg_key out_batch;
    bool first = true;
    size_t taken = 0;
    for (;;) {
      __u32 chunk = static_cast<__u32>(agg_keys_.size());
      int err = bpf_map_lookup_and_delete_batch(fd, first ? nullptr : &in_batch, &out_batch, agg_keys_.data(),
                                                agg_values_.data(), &chunk, &opts);
      if (err == 0 || err == -ENOENT) {
        for (__u32 i = 0; i < chunk; i++) append(agg_keys_[i], agg_values_[i]);
        taken += chunk;
      }
      if (err == -ENOENT) break;
      if (err == -ENOSPC) {
        // One hash bucket holds more entries than the chunk: a bigger one.
        agg_keys_.resize(agg_keys_.size() * 2);
        agg_values_.resize(agg_values_.size() * 2);
        continue;
      }
      if (first && taken == 0 && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */)) {
        agg_batch_ = false;  // an older kernel: entry by entry from now on
        break;
      }
      if (err != 0) {
        ThrowBpfError(env, "read", err, "batch lookup-and-delete of weft_l7_aggs failed");
        return env.Undefined();
      }
      in_batch = out_batch;
      first = false;
      // Entries made while it runs could keep it going: the bound stops it.
      if (taken >= 2 * max_entries) break;
    }
  }
  if (!agg_batch_) {
    struct weft_l7_agg_key key;
    struct weft_l7_agg value;
    for (size_t steps = 0; steps < 2 * max_entries; steps++) {
      // The first key each time: the one before it was deleted.
      int err = bpf_map_get_next_key(fd, nullptr, &key);
      if (err == -ENOENT) break;
      if (err == 0) err = bpf_map_lookup_and_delete_elem(fd, &key, &value);
      if (err == -ENOENT) continue;
      if (err != 0) {
        ThrowBpfError(env, "read", err, "reading weft_l7_aggs failed");
        return env.Undefined();
      }
      append(key, value);
    }
  }
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

Napi::Value SocketTracer::OnEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  if (!SetEventCallback(env, info[0], callback_)) return env.Undefined();
  StartPolling(env);
  return env.Undefined();
}

Napi::Value SocketTracer::OnL7Calls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  if (!l7_) {
    ThrowBpfError(env, "l7", EINVAL, "L7 capture is off for this tracer (construct it with l7: true)");
    return env.Undefined();
  }
  if (!SetEventCallback(env, info[0], l7_callback_)) return env.Undefined();
  StartPolling(env);
  return env.Undefined();
}

bool SocketTracer::StartPolling(Napi::Env env) {
  if (poll_ != nullptr) return true;  // already polling: just the new callback
  poll_ = StartFdPoll(env, ring_buffer__epoll_fd(rb_), OnPoll, this, "the ring buffers");
  if (poll_ == nullptr) return false;
  if (l7_epoll_ >= 0) {
    l7_poll_ = StartFdPoll(env, l7_epoll_, OnL7Poll, this, "the L7 ring buffer");
    if (l7_poll_ == nullptr) return false;
  }
  if (l7_batch_) {
    // The batched L7 ring wakes the poll only when a quarter full: read it
    // on a timer too. Unreferenced: the poll keeps the loop alive as before.
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    l7_timer_ = new uv_timer_t;
    uv_timer_init(loop, l7_timer_);
    l7_timer_->data = this;
    uv_timer_start(l7_timer_, OnL7Timer, kL7ConsumeMs, kL7ConsumeMs);
    uv_unref(reinterpret_cast<uv_handle_t*>(l7_timer_));
  }
  // While events can arrive, the tracer must not be collected silently.
  Ref();
  return true;
}

Napi::Value SocketTracer::ReadCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  int fd = bpf_map__fd(skel_->maps.weft_counters);
  std::vector<__u64> per_cpu(cpus_);  // __u64 values need no per-CPU padding
  Napi::Array result = Napi::Array::New(env, WEFT_CNT_MAX);
  for (__u32 key = 0; key < WEFT_CNT_MAX; key++) {
    int err = bpf_map_lookup_elem(fd, &key, per_cpu.data());
    if (err != 0) {
      ThrowBpfError(env, "read", err, "reading weft_counters failed");
      return env.Undefined();
    }
    __u64 sum = 0;
    for (__u64 v : per_cpu) sum += v;
    result.Set(key, Napi::Number::New(env, static_cast<double>(sum)));
  }
  return result;
}

Napi::Value SocketTracer::MapIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  struct {
    const char* name;
    struct bpf_map* map;
  } maps[] = {
      {"sockets", skel_->maps.weft_socks},
      {"events", skel_->maps.weft_events},
      {"counters", skel_->maps.weft_counters},
  };
  Napi::Object result = Napi::Object::New(env);
  for (const auto& m : maps) {
    struct bpf_map_info map_info;
    __u32 len = sizeof(map_info);
    memset(&map_info, 0, sizeof(map_info));
    // bpf_map_get_info_by_fd only exists from libbpf 1.2.
    int err = bpf_obj_get_info_by_fd(bpf_map__fd(m.map), &map_info, &len);
    if (err != 0) {
      ThrowBpfError(env, "read", err, std::string("reading the info of map ") + m.name + " failed");
      return env.Undefined();
    }
    result.Set(m.name, Napi::Number::New(env, map_info.id));
  }
  return result;
}

bool SocketTracer::AttachIterators(Napi::Env env, LibbpfLog& log) {
  // bpf_iter_attach_opts through its C++ spelling (LIBBPF_OPTS is C only).
  union bpf_iter_link_info link_info;
  memset(&link_info, 0, sizeof(link_info));
  struct bpf_iter_attach_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.sz = sizeof(opts);
  opts.link_info = &link_info;
  opts.link_info_len = sizeof(link_info);
  if (refresh_prog_ == skel_->progs.weft_refresh_map_elem) {
    link_info.map.map_fd = bpf_map__fd(skel_->maps.weft_socks);
    refresh_link_ = bpf_program__attach_iter(refresh_prog_, &opts);
  } else {
    // Restricted to this thread where the kernel can (6.1+), so one read
    // visits one task instead of all of them.
    link_info.task.tid = static_cast<__u32>(gettid());
    refresh_link_ = bpf_program__attach_iter(refresh_prog_, &opts);
    if (refresh_link_ == nullptr) refresh_link_ = bpf_program__attach_iter(refresh_prog_, nullptr);
  }
  if (refresh_link_ == nullptr) {
    ThrowBpfError(env, "attach", errno,
                  std::string("attaching the socket map walk (") + bpf_program__name(refresh_prog_) + ") failed",
                  log.text());
    return false;
  }
  owners_link_ = bpf_program__attach_iter(skel_->progs.weft_find_owners, nullptr);
  if (owners_link_ == nullptr) {
    ThrowBpfError(env, "attach", errno, "attaching the owner scan iterator (weft_find_owners) failed", log.text());
    return false;
  }
  adopt_link_ = bpf_program__attach_iter(skel_->progs.weft_adopt_sockets, nullptr);
  if (adopt_link_ == nullptr) {
    ThrowBpfError(env, "attach", errno, "attaching the adoption iterator (weft_adopt_sockets) failed", log.text());
    return false;
  }
  return true;
}

// Runs one pass of an iterator into *output. False with a pending exception
// when it could not.
bool SocketTracer::RunIterator(Napi::Env env, struct bpf_link* link, const char* what, std::string* output) {
  int fd = bpf_iter_create(bpf_link__fd(link));
  if (fd < 0) {
    ThrowBpfError(env, "read", fd, std::string("starting the ") + what + " iterator failed");
    return false;
  }
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      output->append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      ThrowBpfError(env, "read", err, std::string("reading the ") + what + " iterator failed");
      return false;
    }
    break;
  }
  close(fd);
  return true;
}

// The owner scan and the adoption write one byte per socket they report.
Napi::Value SocketTracer::CountReported(Napi::Env env, struct bpf_link* link, const char* what) {
  if (link == nullptr) return Napi::Number::New(env, 0);  // not the counters path: nothing to do
  std::string output;
  if (!RunIterator(env, link, what, &output)) return env.Undefined();
  return Napi::Number::New(env, static_cast<double>(output.size()));
}

// The refresh writes one __u32: how many sockets want an owner scan.
Napi::Value SocketTracer::RefreshSockets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  if (refresh_link_ == nullptr) return Napi::Number::New(env, 0);
  std::string output;
  if (!RunIterator(env, refresh_link_, "socket map walk", &output)) return env.Undefined();
  __u32 unclaimed = 0;
  if (output.size() != sizeof(unclaimed)) {
    ThrowBpfError(env, "read", EPROTO,
                  "the socket map walk wrote " + std::to_string(output.size()) + " bytes instead of one count");
    return env.Undefined();
  }
  memcpy(&unclaimed, output.data(), sizeof(unclaimed));
  return Napi::Number::New(env, unclaimed);
}

Napi::Value SocketTracer::FindOwners(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  return CountReported(env, owners_link_, "owner scan");
}

Napi::Value SocketTracer::AdoptSockets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  return CountReported(env, adopt_link_, "adoption");
}

// attachTlsLibrary(path): the TLS programs at SSL_write, SSL_write_ex,
// SSL_read and SSL_read_ex of the library file at `path` (a uprobe on a file
// covers every process that maps it, now and later). The _ex forms are
// optional (OpenSSL before 1.1.1 has none). Returns how many functions were
// attached; on failure nothing of this library stays attached.
Napi::Value SocketTracer::AttachTlsLibrary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!EnsureOpen(env)) return env.Undefined();
  if (!tls_) {
    ThrowBpfError(env, "tls_attach", EINVAL, "TLS capture is off for this tracer (construct it with l7Tls: true)");
    return env.Undefined();
  }
  std::string path = info[0].ToString().Utf8Value();
  if (env.IsExceptionPending()) return env.Undefined();
  struct Target {
    const char* function;
    struct bpf_program* entry;
    bool required;
  } targets[] = {
      {"SSL_write", skel_->progs.weft_tls_write_enter, true},
      {"SSL_read", skel_->progs.weft_tls_read_enter, true},
      {"SSL_write_ex", skel_->progs.weft_tls_write_ex_enter, false},
      {"SSL_read_ex", skel_->progs.weft_tls_read_ex_enter, false},
  };
  LibbpfLog log;
  std::vector<struct bpf_link*> links;
  int attached = 0;
  for (const Target& target : targets) {
    // The entry first: a return whose entry was not seen is counted as lost.
    struct bpf_link* pair[2] = {nullptr, nullptr};
    for (int ret = 0; ret < 2; ret++) {
      struct bpf_uprobe_opts opts;
      memset(&opts, 0, sizeof(opts));
      opts.sz = sizeof(opts);
      opts.func_name = target.function;
      opts.retprobe = ret == 1;
      struct bpf_program* prog = ret == 1 ? skel_->progs.weft_tls_return : target.entry;
      pair[ret] = bpf_program__attach_uprobe_opts(prog, -1, path.c_str(), 0, &opts);
      if (pair[ret] == nullptr) break;
    }
    if (pair[0] != nullptr && pair[1] != nullptr) {
      links.push_back(pair[0]);
      links.push_back(pair[1]);
      attached++;
      continue;
    }
    int err = errno;
    if (pair[0] != nullptr) bpf_link__destroy(pair[0]);
    // A missing optional function is no failure; anything else undoes the library.
    if (!target.required && pair[0] == nullptr && (err == ENOENT || err == ESRCH)) continue;
    for (struct bpf_link* link : links) bpf_link__destroy(link);
    ThrowBpfError(env, "tls_attach", err, std::string("attaching to ") + target.function + " in " + path + " failed",
                  log.text());
    return env.Undefined();
  }
  tls_links_.insert(tls_links_.end(), links.begin(), links.end());
  return Napi::Number::New(env, attached);
}

Napi::Value SocketTracer::Close(const Napi::CallbackInfo& info) {
  bool polling = poll_ != nullptr;
  Release();
  if (polling) Unref();
  callback_.Reset();
  l7_callback_.Reset();
  return info.Env().Undefined();
}

}  // namespace

Napi::Object InitSocketTracer(Napi::Env env, Napi::Object exports) {
  exports.Set("SocketTracer", SocketTracer::Define(env));
  return exports;
}

}  // namespace weft_native
