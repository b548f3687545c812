import {
  GrpcSender,
  JsonLinesSink,
  KafkaSender,
  NodeAgent,
  NullSink,
  QueuedBatchSink,
  TerminalSink,
  buildAgentConfig,
  type RowSink,
} from '@weft/agent';
// The topics module alone: the package's index brings the Kubernetes client and the store.
import { DEFAULT_TOPICS } from '@weft/ingest/dist/kafka/topics.js';
import { ConfigError } from '@weft/runtime';
import type { AgentCommandOptions } from './commandOptions.js';
import { agentBatchEncoder } from './agentBatchEncoder.js';
import { agentKeyOf } from './agentKey.js';
import { agentTlsOf } from './grpcTls.js';
import { kafkaClient } from './kafkaClient.js';

/** Where rows go: a transport when one is configured, else the terminal, JSON lines or nothing. */
function transportSink(options: AgentCommandOptions, intervalMs: number, log: (message: string) => void): QueuedBatchSink | null {
  if (options.kafka && options.grpc) throw new ConfigError('give --kafka or --grpc, not both', '--kafka');
  const maxQueuedBytes = Number(options.maxQueuedBytes);
  if (!Number.isInteger(maxQueuedBytes) || maxQueuedBytes < 1_000_000) {
    throw new ConfigError(`--max-queued-bytes must be an integer >= 1000000, got "${options.maxQueuedBytes}"`, '--max-queued-bytes');
  }
  // Read and checked now: a bad file or a missing key stops start-up, not the first send.
  const tls = agentTlsOf(options.grpc, options);
  const key = agentKeyOf(options.key, options.kafka ? '--kafka' : options.grpc ? '--grpc' : null);
  const encode = agentBatchEncoder(options.nodeId, intervalMs);
  if (options.kafka) {
    const sender = new KafkaSender(kafkaClient(options.kafka, 'agent'), DEFAULT_TOPICS.telemetry, options.nodeId, key as string);
    return new QueuedBatchSink(sender, encode, { maxQueuedBytes, retryDelayMs: 1000, log });
  }
  if (options.grpc) return new QueuedBatchSink(new GrpcSender(options.grpc, { tls, key: key as string }), encode, { maxQueuedBytes, retryDelayMs: 1000, log });
  return null;
}

/** The agent process: the kernel's connections each interval to the terminal, JSON lines, nothing, or a transport. */
export async function runAgent(options: AgentCommandOptions): Promise<void> {
  const log = {
    info: (message: string) => process.stderr.write(`weft agent: ${message}\n`),
    warn: (message: string) => process.stderr.write(`weft agent: warning: ${message}\n`),
  };
  let agent: NodeAgent;
  try {
    const config = buildAgentConfig(options);
    const transport = transportSink(options, config.intervalMs, log.warn);
    if (transport) await transport.start();
    const sink: RowSink = transport
      ? transport
      : config.sink === 'json'
        ? new JsonLinesSink(process.stdout)
        : config.sink === 'none'
          ? new NullSink()
          : new TerminalSink(process.stdout, config.intervalMs);
    agent = await NodeAgent.start(config, sink, log);
    const l7 = agent.path.l7.on ? 'on' : agent.path.l7.refused ? 'off (refused by this kernel)' : 'off';
    const tls = agent.path.tls.on ? 'on' : agent.path.tls.refused ? `off (refused by this kernel: ${agent.path.tls.refused})` : 'off';
    log.info(`ready (traffic path: ${agent.path.path} — ${agent.path.reason}; L7: ${l7}; TLS: ${tls})`);
    const stop = (): void => {
      agent.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log.warn(`stopping failed: ${(err as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (config.durationMs !== null) setTimeout(stop, config.durationMs);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`weft agent: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
