import { ConfigError } from './configError.js';
import type { TrafficPathRequest } from '../probes/probePathSelector.js';

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
  /** Rows waiting for a slow stdout before new ones are dropped (and counted). */
  maxPendingRows: number;
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
}

const TRAFFIC_PATHS = ['auto', 'counters', 'tracepoint', 'fentry', 'kprobe'] as const;

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

export function parseListenAddress(raw: string, setting: string): { host: string; port: number } {
  // host:port, [v6]:port or :port (all interfaces).
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(`${setting} must look like HOST:PORT (e.g. 127.0.0.1:9464), got "${raw}"`, setting);
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
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
  if (!(TRAFFIC_PATHS as readonly string[]).includes(pathRaw)) {
    throw new ConfigError(`--traffic-path must be one of ${TRAFFIC_PATHS.join(', ')}, got "${pathRaw}"`, '--traffic-path');
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
    maxPendingRows: 200_000,
  };
}
