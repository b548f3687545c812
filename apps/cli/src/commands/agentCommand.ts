import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import type { AgentCommandOptions } from './commandOptions.js';


/** Telemetry batches held while the transport is down, by default. */
const DEFAULT_QUEUED_BYTES = 64 * 1024 * 1024;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function agentCommand(): Command {
  return new Command('agent')
    .description('watch every TCP connection on this host from the kernel and report it each second')
    .option('--json', 'one JSON object per line per connection active in each interval, instead of the live table')
    .option('--quiet', 'no output (use with --metrics-addr)')
    .option('--duration <seconds>', 'exit after this long, flushing the last partial interval')
    .option('--netns <name>', 'only sockets of this network namespace (an `ip netns` name or a path); repeatable', collect, [])
    .option('--conntrack-netns <name>', 'undo NAT from the conntrack table of this network namespace instead of the agent\'s own (the node\'s host namespace when the agent runs elsewhere); repeatable', collect, [])
    .option('--metrics-addr <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (off by default)')
    .option('--interval <seconds>', 'reporting interval', undefined)
    .option('--max-sockets <n>', 'bound of the kernel socket map (a full map is counted, never fatal)')
    .option('--ring-buffer-bytes <n>', 'size of the kernel event ring buffer (power of two)')
    .addOption(
      new Option('--traffic-path <path>', 'how bytes are counted; auto takes the first that this kernel loads (weft doctor lists them)').choices([
        'auto',
        'counters',
        'tracepoint',
        'fentry',
        'kprobe',
      ]),
    )
    .addOption(new Option('--l7 <on|off>', 'request metrics (HTTP/1) from the bytes of each send and receive').choices(['on', 'off']))
    .addOption(new Option('--l7-tls <on|off>', 'with --l7 on: HTTPS request metrics from the plaintext of OpenSSL\'s SSL_read/SSL_write (uprobes on each libssl processes map; default on)').choices(['on', 'off']))
    .addOption(new Option('--l7-http1-kernel <on|off>', 'with --l7 on: simple HTTP/1 exchanges (Content-Length or no body, one at a time) of connections opened while the agent runs are framed and aggregated in the kernel, the rest parsed per call (default on)').choices(['on', 'off']))
    .option('--l7-ports <ports>', 'request metrics only for connections with one of these local or remote ports (comma-separated)')
    .option('--l7-processes <names>', 'request metrics only for these processes (comma-separated names as in ps -o comm, at most 15 bytes)')
    .option('--l7-max-routes <n>', 'distinct HTTP route templates reported (ids already collapse); beyond, {other} (default 1000)')
    .addHelpText(
      'after',
      '\nNeeds root or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, and a kernel with BTF.\n' +
        'Every flag also reads from WEFT_AGENT_<FLAG> (e.g. WEFT_AGENT_METRICS_ADDR); flags win.',
    )
    .option('--kafka <brokers>', 'send telemetry to Kafka (HOST:PORT[,...]) instead of printing it', process.env.WEFT_KAFKA)
    .option('--grpc <host:port>', 'send telemetry to an ingest over gRPC instead of printing it', process.env.WEFT_GRPC)
    // No default from WEFT_AGENT_KEY here: commander would show it in --help. agentKey.ts reads it.
    .option('--key <key>', 'with --grpc or --kafka: the API key (ingest scope) the ingest takes batches with; else WEFT_AGENT_KEY (never printed)')
    .option('--tls-ca <file>', 'with --grpc: TLS, trusting only this CA (PEM) to have signed the ingest\'s certificate')
    .option('--tls-server-name <name>', 'with --tls-ca: the name the ingest\'s certificate must carry (default: the host of --grpc)')
    .option('--tls-cert <file>', 'with --tls-ca: this client certificate (PEM), for an ingest with --tls-client-ca')
    .option('--tls-key <file>', 'with --tls-cert: its private key (PEM)')
    .option('--grpc-plaintext', 'with --grpc: send plaintext to an ingest that is not on loopback (without --tls-ca, only loopback is allowed)')
    .option('--node-id <id>', 'this node\'s name in the map', process.env.WEFT_NODE_ID ?? hostname())
    .option('--max-queued-bytes <n>', 'telemetry held while Kafka or the ingest is unreachable (oldest dropped, counted)', String(DEFAULT_QUEUED_BYTES))
    .action(async (options: AgentCommandOptions) => {
      // Loaded only now: the agent and its BPF addon stay out of other commands and of --help.
      const { runAgent } = await import('./runAgent.js');
      await runAgent(options);
    });
}
