import { existsSync, readFileSync } from 'node:fs';
import { probeFentry } from '@weft/native';
import type { KernelFeatures } from './probePathSelector.js';

const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';
// libbpf attaches kprobes through the perf PMU when present, else tracefs.
const KPROBE_MARKERS = [
  '/sys/bus/event_source/devices/kprobe/type',
  '/sys/kernel/tracing/kprobe_events',
  '/sys/kernel/debug/tracing/kprobe_events',
];

function btfMentionsAll(btf: Buffer | null, names: readonly string[]): boolean {
  // The BTF blob holds every type name as a NUL-terminated string.
  return btf !== null && names.every((name) => btf.includes(Buffer.from(`\0${name}\0`)));
}

function readBtf(): Buffer | null {
  try {
    return readFileSync(VMLINUX_BTF);
  } catch {
    return null;
  }
}

/** Measures what this kernel offers; probePathSelector decides from it. */
export function measureKernelFeatures(): KernelFeatures {
  const btfBlob = readBtf();
  const btf = btfBlob !== null;
  const fentry = btf ? probeFentry('tcp_sendmsg') : { ok: false as const, code: 'ENOENT', message: 'no BTF' };
  return {
    btf,
    fentryError: fentry.ok ? null : `loading a test program returned ${fentry.code}`,
    kprobesError: KPROBE_MARKERS.some((p) => existsSync(p))
      ? null
      : 'no kprobe PMU or kprobe_events (CONFIG_KPROBES off?)',
    sockLengthTracepoints: btfMentionsAll(btfBlob, ['btf_trace_sock_send_length', 'btf_trace_sock_recv_length']),
    // bpf_sock_from_file came with the task_file iterator's socket support (5.11).
    socketIterators: btfMentionsAll(btfBlob, ['bpf_iter__task_file', 'bpf_iter__bpf_map_elem', 'bpf_sock_from_file']),
  };
}
