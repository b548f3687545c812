import { Command, Option } from 'commander';
import {
  ConfigError,
  JsonLinesSink,
  NodeAgent,
  NullSink,
  TerminalSink,
  buildAgentConfig,
  type AgentConfigInput,
  type RowSink,
} from '@weft/agent';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function agentCommand(): Command {
  return new Command('agent')
    .description('watch every TCP connection on this host from the kernel and report it each second')
    .option('--json', 'one JSON object per line per connection active in each interval, instead of the live table')
    .option('--quiet', 'no output (use with --metrics-addr)')
    .option('--duration <seconds>', 'exit after this long, flushing the last partial interval')
    .option('--netns <name>', 'only sockets of this network namespace (an `ip netns` name or a path); repeatable', collect, [])
    .option('--metrics-addr <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (off by default)')
    .option('--interval <seconds>', 'reporting interval', undefined)
    .option('--max-sockets <n>', 'bound of the kernel socket map (a full map is counted, never fatal)')
    .option('--ring-buffer-bytes <n>', 'size of the kernel event ring buffer (power of two)')
    .addOption(
      new Option('--traffic-path <path>', 'how bytes are counted; auto picks the best the kernel offers').choices([
        'auto',
        'counters',
        'tracepoint',
        'fentry',
        'kprobe',
      ]),
    )
    .addHelpText(
      'after',
      '\nNeeds root or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, and a kernel with BTF.\n' +
        'Every flag also reads from WEFT_AGENT_<FLAG> (e.g. WEFT_AGENT_METRICS_ADDR); flags win.',
    )
    .action(async (options: AgentConfigInput) => {
      await runAgent(options);
    });
}

async function runAgent(options: AgentConfigInput): Promise<void> {
  const log = {
    info: (message: string) => process.stderr.write(`weft agent: ${message}\n`),
    warn: (message: string) => process.stderr.write(`weft agent: warning: ${message}\n`),
  };
  let agent: NodeAgent;
  try {
    const config = buildAgentConfig(options);
    const sink: RowSink =
      config.sink === 'json'
        ? new JsonLinesSink(process.stdout)
        : config.sink === 'none'
          ? new NullSink()
          : new TerminalSink(process.stdout, config.intervalMs);
    agent = await NodeAgent.start(config, sink, log);
    log.info(`ready (traffic path: ${agent.path.path} — ${agent.path.reason})`);
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
