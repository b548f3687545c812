import { ConfigError } from '../config/configError.js';

export type TrafficPath = 'tracepoint' | 'fentry' | 'kprobe';
export type TrafficPathRequest = TrafficPath | 'auto';

/** What the kernel offers, as measured at start-up (kernelFeatures.ts). */
export interface KernelFeatures {
  btf: boolean;
  /** A tiny fentry program on tcp_sendmsg loaded: null when it did, else why not. */
  fentryError: string | null;
  /** The kprobe PMU or tracefs kprobe_events exists: null when it does, else why not. */
  kprobesError: string | null;
  /** tp_btf sock_send_length/sock_recv_length exist in the kernel's BTF. */
  sockLengthTracepoints: boolean;
}

export interface PathChoice {
  path: TrafficPath;
  reason: string;
}

/**
 * Picks how application bytes are counted. fentry/fexit on tcp_sendmsg and
 * tcp_cleanup_rbuf is cheapest and also sees spliced reads; kprobes are the
 * same hooks with pt_regs overhead; the sock_*_length tracepoints (5.19+ only)
 * need neither and are what kernels with kprobes and fentry disabled offer.
 */
export function selectTrafficPath(features: KernelFeatures, request: TrafficPathRequest): PathChoice {
  if (!features.btf) {
    throw new ConfigError(
      'this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): Weft needs a kernel built with CONFIG_DEBUG_INFO_BTF=y',
    );
  }
  const unavailable: Record<TrafficPath, string | null> = {
    fentry: features.fentryError === null ? null : `fentry unavailable: ${features.fentryError}`,
    kprobe: features.kprobesError === null ? null : `kprobes unavailable: ${features.kprobesError}`,
    tracepoint: features.sockLengthTracepoints
      ? null
      : 'tracepoints sock_send_length/sock_recv_length missing (kernel older than 5.19)',
  };

  if (request !== 'auto') {
    const why = unavailable[request];
    if (why !== null) {
      throw new ConfigError(`--traffic-path ${request} cannot be used here: ${why}`, '--traffic-path');
    }
    return { path: request, reason: 'requested with --traffic-path' };
  }

  const skipped: string[] = [];
  for (const path of ['fentry', 'kprobe', 'tracepoint'] as const) {
    const why = unavailable[path];
    if (why === null) {
      const rest = skipped.length > 0 ? `; ${skipped.join('; ')}` : '';
      return { path, reason: `${path} is the best available${rest}` };
    }
    skipped.push(why);
  }
  throw new ConfigError(`no way to count TCP bytes on this kernel: ${skipped.join('; ')}`);
}
