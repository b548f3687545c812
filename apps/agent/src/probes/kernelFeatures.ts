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

function btfMentionsAll(names: readonly string[]): boolean {
  // The BTF blob holds every type name as a NUL-terminated string; read it once.
  try {
    const btf = readFileSync(VMLINUX_BTF);
    return names.every((name) => btf.includes(Buffer.from(`\0${name}\0`)));
  } catch {
    return false;
  }
}

/** Measures what this kernel offers; probePathSelector decides from it. */
export function measureKernelFeatures(): KernelFeatures {
  const btf = existsSync(VMLINUX_BTF);
  const fentry = btf ? probeFentry('tcp_sendmsg') : { ok: false as const, code: 'ENOENT', message: 'no BTF' };
  return {
    btf,
    fentryError: fentry.ok ? null : `loading a test program returned ${fentry.code}`,
    kprobesError: KPROBE_MARKERS.some((p) => existsSync(p))
      ? null
      : 'no kprobe PMU or kprobe_events (CONFIG_KPROBES off?)',
    sockLengthTracepoints: btf && btfMentionsAll(['btf_trace_sock_send_length', 'btf_trace_sock_recv_length']),
  };
}
