// probePrograms(): loads each program of the Weft skeleton alone, then
// attaches it, and says what the kernel answered. This is what `weft doctor`
// reports: what a kernel allows is decided by loading, never by its version
// or by names in its BTF (a kernel can list a program type and still refuse
// it, as lockdown with the BPF LSM does).
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common.h"
#include "weft.h"
#include "weft.skel.h"

namespace weft_native {

namespace {

// What libbpf said about the program itself ("prog 'x': BPF program load
// failed: ...", "prog 'x': failed to create kprobe ..."), and the verifier's
// summary when it ran ("processed 0 insns" when it was never allowed to
// start); the rest of the log is the skeleton giving up.
std::string Reason(const std::string& log) {
  std::string program;
  std::string verifier;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    if (program.empty() && line.find("prog '") != std::string::npos) program = line;
    if (line.rfind("processed ", 0) == 0) verifier = line.substr(0, line.find(" (limit"));
    start = end + 1;
  }
  if (program.rfind("libbpf: ", 0) == 0) program.erase(0, 8);
  if (!verifier.empty()) program += (program.empty() ? "" : "; verifier: ") + verifier;
  return program;
}

Napi::Object Outcome(Napi::Env env, int err, const std::string& log) {
  Napi::Object outcome = Napi::Object::New(env);
  outcome.Set("ok", Napi::Boolean::New(env, err == 0));
  if (err != 0) {
    if (err < 0) err = -err;
    outcome.Set("errno", Napi::Number::New(env, err));
    outcome.Set("message", Napi::String::New(env, ErrnoMessage(err)));
    outcome.Set("log", Napi::String::New(env, Reason(log)));
  }
  return outcome;
}

// One program alone: the object's maps at their smallest, every other
// program left out. Fills `result` with { load, attach? }.
void ProbeOne(Napi::Env env, const std::string& name, Napi::Object result) {
  LibbpfLog log;
  struct weft* skel = weft__open();
  if (skel == nullptr) {
    result.Set("load", Outcome(env, errno == 0 ? EINVAL : errno, log.text()));
    return;
  }
  struct bpf_program* target = nullptr;
  struct bpf_program* prog = nullptr;
  int err = 0;
  bpf_object__for_each_program(prog, skel->obj) {
    bool wanted = name == bpf_program__name(prog);
    if (wanted) target = prog;
    if (err == 0) err = bpf_program__set_autoload(prog, wanted);
  }
  const char* section = target != nullptr ? bpf_program__section_name(target) : "";
  bool kprobe = strncmp(section, "kprobe/", 7) == 0 || strncmp(section, "kretprobe/", 10) == 0;
  if (err == 0) err = bpf_map__set_autocreate(skel->maps.weft_sendmsg_args, kprobe);
  if (err == 0) err = bpf_map__set_max_entries(skel->maps.weft_socks, 1);
  if (err == 0) err = bpf_map__set_max_entries(skel->maps.weft_events, static_cast<__u32>(sysconf(_SC_PAGESIZE)));
  if (err == 0) err = weft__load(skel);
  result.Set("load", Outcome(env, err, log.text()));
  if (err == 0 && target != nullptr) {
    // Iterators attach without a target; uprobes (TLS capture, whose target
    // is each libssl found at run time) to this process's own executable, at
    // its first byte (in no executable mapping, so it never fires);
    // everything else to what its section names.
    bool iterator = strncmp(section, "iter/", 5) == 0;
    bool uretprobe = strcmp(section, "uretprobe") == 0;
    bool uprobe = uretprobe || strcmp(section, "uprobe") == 0;
    struct bpf_link* link = nullptr;
    if (iterator) {
      link = bpf_program__attach_iter(target, nullptr);
    } else if (uprobe) {
      struct bpf_uprobe_opts opts;
      memset(&opts, 0, sizeof(opts));
      opts.sz = sizeof(opts);
      opts.retprobe = uretprobe;
      link = bpf_program__attach_uprobe_opts(target, getpid(), "/proc/self/exe", 0, &opts);
    } else {
      link = bpf_program__attach(target);
    }
    int attach_err = link == nullptr ? (errno == 0 ? EINVAL : errno) : 0;
    result.Set("attach", Outcome(env, attach_err, log.text()));
    if (link != nullptr) bpf_link__destroy(link);
  }
  weft__destroy(skel);
}

// probePrograms() -> [{ name, section, load: Outcome, attach?: Outcome }]
Napi::Value ProbePrograms(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array results = Napi::Array::New(env);
  // The names and sections come from the skeleton itself, so a program added
  // to bpf/ is probed without a change here.
  struct weft* skel = weft__open();
  if (skel == nullptr) {
    ThrowBpfError(env, "open", errno, "opening the BPF skeleton failed");
    return env.Undefined();
  }
  struct bpf_program* prog = nullptr;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, skel->obj) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("name", Napi::String::New(env, bpf_program__name(prog)));
    result.Set("section", Napi::String::New(env, bpf_program__section_name(prog)));
    results.Set(i++, result);
  }
  weft__destroy(skel);
  for (uint32_t j = 0; j < results.Length(); j++) {
    Napi::Object result = results.Get(j).As<Napi::Object>();
    ProbeOne(env, result.Get("name").As<Napi::String>().Utf8Value(), result);
  }
  return results;
}

}  // namespace

Napi::Object InitProgramProbe(Napi::Env env, Napi::Object exports) {
  exports.Set("probePrograms", Napi::Function::New(env, ProbePrograms, "probePrograms"));
  return exports;
}

}  // namespace weft_native
