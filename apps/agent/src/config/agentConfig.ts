import { ConfigError, parseListenAddress } from '@weft/runtime';
import { TRAFFIC_PATH_REQUESTS, type TrafficPathRequest } from '../probes/trafficPaths.js';

export type SinkKind = 'terminal' | 'json' | 'none';

/** Validated agent settings, built once at start-up and passed down. */
export interface AgentConfig {
  sink: SinkKind;
  intervalMs: number;
  /** Stop after this long (flushing the last partial interval); null: run until signalled. */
  durationMs: number | null;
  /** Network namespaces to watch, as given (names or paths); empty: all. */
  netns: string[];
  /**
   * Network namespaces whose conntrack table undoes NAT, as given; empty: the
   * agent's own (a node agent runs in the host namespace, where kube-proxy's
   * DNAT happens).
   */
  conntrackNetns: string[];
  metricsAddr: { host: string; port: number } | null;
  maxSockets: number;
  ringBufferBytes: number;
  trafficPath: TrafficPathRequest;
  /** L7 capture (request metrics): on by default; off loads none of its programs. */
  l7: boolean;
  /** TLS capture (HTTPS through OpenSSL's SSL_read/SSL_write, by uprobes on each libssl found): on by default, with L7 capture only. */
  l7Tls: boolean;
  /** HTTP/1 of connections opened while the agent runs framed and aggregated in the kernel (simple exchanges; the rest per call): on by default, with L7 capture only. */
  l7Http1Kernel: boolean;
  /** Distinct HTTP route templates reported; beyond, `{other}`. */
  l7MaxRoutes: number;
  /** L7 capture only for connections with one of these local or remote ports; null: all. */
  l7Ports: number[] | null;
  /** L7 capture only for calls of processes with one of these names (comm); null: all. */
  l7Processes: string[] | null;
  /** Rows waiting for a slow stdout before new ones are dropped (and counted). */
  maxPendingRows: number;
  /**
   * Test-only (WEFT_TEST_REFUSE_PROGRAMS, comma-separated program names): the
   * kernel is made to refuse these programs, so tests can make a traffic path
   * fail on a kernel where it works and watch the agent fall back.
   */
  refusePrograms: string[];
}

/** Raw values as they come from flags or WEFT_* variables (strings or parsed by the CLI). */
export interface AgentConfigInput {
  json?: boolean;
  quiet?: boolean;
  interval?: string;
  duration?: string;
  netns?: string[];
  conntrackNetns?: string[];
  metricsAddr?: string;
  maxSockets?: string;
  ringBufferBytes?: string;
  trafficPath?: string;
  l7?: string;
  l7Tls?: string;
  l7Http1Kernel?: string;
  l7MaxRoutes?: string;
  l7Ports?: string;
  l7Processes?: string;
}

/** Filters are looked up in a kernel map of this many entries (bpf/weft.h WEFT_L7_MAX_FILTER). */
const MAX_L7_FILTER = 64;

function listOf(raw: string | undefined, setting: string): string[] | null {
  if (raw === undefined) return null;
  const items = [...new Set(raw.split(',').map((item) => item.trim()).filter(Boolean))];
  if (items.length === 0) throw new ConfigError(`${setting} must list at least one value, got "${raw}"`, setting);
  if (items.length > MAX_L7_FILTER) throw new ConfigError(`${setting} takes at most ${MAX_L7_FILTER} values, got ${items.length}`, setting);
  return items;
}

function positiveNumber(raw: string, setting: string, { integer }: { integer: boolean }): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `${setting} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`,
      setting,
    );
  }
  return value;
}

/** Turns raw flag/env values into an AgentConfig, or throws ConfigError naming the bad setting. */
export function buildAgentConfig(input: AgentConfigInput, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const pick = (flag: string | undefined, envName: string): string | undefined => flag ?? env[envName];

  const intervalRaw = pick(input.interval, 'WEFT_AGENT_INTERVAL');
  const intervalSeconds = intervalRaw === undefined ? 1 : positiveNumber(intervalRaw, '--interval', { integer: false });
  if (intervalSeconds < 0.1 || intervalSeconds > 60) {
    throw new ConfigError(`--interval must be between 0.1 and 60 seconds, got "${intervalRaw}"`, '--interval');
  }
  const durationRaw = pick(input.duration, 'WEFT_AGENT_DURATION');
  const durationMs = durationRaw === undefined ? null : positiveNumber(durationRaw, '--duration', { integer: false }) * 1000;

  const metricsRaw = pick(input.metricsAddr, 'WEFT_AGENT_METRICS_ADDR');
  const maxSocketsRaw = pick(input.maxSockets, 'WEFT_AGENT_MAX_SOCKETS');
  const maxSockets = maxSocketsRaw === undefined ? 65536 : positiveNumber(maxSocketsRaw, '--max-sockets', { integer: true });
  if (maxSockets > 4_194_304) {
    throw new ConfigError(`--max-sockets must be at most 4194304, got ${maxSockets}`, '--max-sockets');
  }
  const ringRaw = pick(input.ringBufferBytes, 'WEFT_AGENT_RING_BUFFER_BYTES');
  const ringBufferBytes = ringRaw === undefined ? 1 << 22 : positiveNumber(ringRaw, '--ring-buffer-bytes', { integer: true });
  if (ringBufferBytes < 4096 || (ringBufferBytes & (ringBufferBytes - 1)) !== 0) {
    throw new ConfigError(
      `--ring-buffer-bytes must be a power of two of at least 4096, got ${ringBufferBytes}`,
      '--ring-buffer-bytes',
    );
  }
  const pathRaw = pick(input.trafficPath, 'WEFT_AGENT_TRAFFIC_PATH') ?? 'auto';
  if (!(TRAFFIC_PATH_REQUESTS as readonly string[]).includes(pathRaw)) {
    throw new ConfigError(`--traffic-path must be one of ${TRAFFIC_PATH_REQUESTS.join(', ')}, got "${pathRaw}"`, '--traffic-path');
  }
  const l7Raw = pick(input.l7, 'WEFT_AGENT_L7') ?? 'on';
  if (l7Raw !== 'on' && l7Raw !== 'off') {
    throw new ConfigError(`--l7 must be on or off, got "${l7Raw}"`, '--l7');
  }
  const l7TlsRaw = pick(input.l7Tls, 'WEFT_AGENT_L7_TLS') ?? 'on';
  if (l7TlsRaw !== 'on' && l7TlsRaw !== 'off') {
    throw new ConfigError(`--l7-tls must be on or off, got "${l7TlsRaw}"`, '--l7-tls');
  }
  const l7KernelRaw = pick(input.l7Http1Kernel, 'WEFT_AGENT_L7_HTTP1_KERNEL') ?? 'on';
  if (l7KernelRaw !== 'on' && l7KernelRaw !== 'off') {
    throw new ConfigError(`--l7-http1-kernel must be on or off, got "${l7KernelRaw}"`, '--l7-http1-kernel');
  }
  const routesRaw = pick(input.l7MaxRoutes, 'WEFT_AGENT_L7_MAX_ROUTES');
  const l7MaxRoutes = routesRaw === undefined ? 1000 : positiveNumber(routesRaw, '--l7-max-routes', { integer: true });
  if (l7MaxRoutes > 100_000) {
    throw new ConfigError(`--l7-max-routes must be at most 100000, got ${l7MaxRoutes}`, '--l7-max-routes');
  }
  const l7Ports = listOf(pick(input.l7Ports, 'WEFT_AGENT_L7_PORTS'), '--l7-ports')?.map((item) => {
    const port = /^\d{1,5}$/.test(item) ? Number(item) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new ConfigError(`--l7-ports takes ports 1-65535, got "${item}"`, '--l7-ports');
    return port;
  }) ?? null;
  const l7Processes = listOf(pick(input.l7Processes, 'WEFT_AGENT_L7_PROCESSES'), '--l7-processes');
  for (const name of l7Processes ?? []) {
    if (Buffer.byteLength(name) > 15) {
      throw new ConfigError(`--l7-processes takes process names as the kernel keeps them (at most 15 bytes), got "${name}"`, '--l7-processes');
    }
  }
  const envNetns = env.WEFT_AGENT_NETNS?.split(',').filter(Boolean);
  const netns = input.netns && input.netns.length > 0 ? input.netns : envNetns ?? [];
  if (input.json && input.quiet) {
    throw new ConfigError('--json and --quiet cannot be used together', '--json');
  }

  return {
    sink: input.json ? 'json' : input.quiet ? 'none' : 'terminal',
    intervalMs: Math.round(intervalSeconds * 1000),
    durationMs,
    netns,
    conntrackNetns: input.conntrackNetns && input.conntrackNetns.length > 0 ? input.conntrackNetns : env.WEFT_AGENT_CONNTRACK_NETNS?.split(',').filter(Boolean) ?? [],
    metricsAddr: metricsRaw === undefined ? null : parseListenAddress(metricsRaw, '--metrics-addr'),
    maxSockets,
    ringBufferBytes,
    trafficPath: pathRaw as TrafficPathRequest,
    l7: l7Raw === 'on',
    l7Tls: l7Raw === 'on' && l7TlsRaw === 'on',
    l7Http1Kernel: l7Raw === 'on' && l7KernelRaw === 'on',
    l7MaxRoutes,
    l7Ports,
    l7Processes,
    maxPendingRows: 200_000,
    refusePrograms: env.WEFT_TEST_REFUSE_PROGRAMS?.split(',').filter(Boolean) ?? [],
  };
}
