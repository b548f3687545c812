{
  # Built by scripts/build.mjs (npm run build), never at npm install time:
  # it needs bpf/build/weft.skel.h, which `make -C bpf` produces.
  "targets": [
    {
      "target_name": "weft_native",
      "sources": [
        "src/addon.cc",
        "src/layout.cc",
        "src/socket_tracer.cc",
        "src/program_probe.cc",
        "src/conntrack_watcher.cc",
        "src/fd_poll.cc",
        "src/record_ring.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "../bpf/build",
        "../bpf"
      ],
      "defines": [
        "NAPI_VERSION=9",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      # node's common.gypi already passes -std=gnu++17 -fno-exceptions -fno-rtti.
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      # libbpf.so pulls in libelf and zlib itself.
      "libraries": ["-lbpf", "-lnetfilter_conntrack", "-lmnl"]
    }
  ]
}
