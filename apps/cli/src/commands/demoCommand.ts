import { Command } from 'commander';
import type { DemoCommandOptions } from './commandOptions.js';


const ABOUT = `
What it builds (as root; nothing outside its own network namespaces, weftdemo<pid>-*):
  a web shop of 12 workloads in the namespaces shop, billing and data, 14 pods on two
  simulated nodes (node-a in zone eu-west-1a, node-b in eu-west-1b), each pod a network
  namespace running one program: loadgenerator -> frontend -> catalog, currency, cart,
  recommendation, shipping, checkout; checkout -> payment -> an external payment provider
  (203.0.113.10:443, outside the cluster); cart and currency -> redis (a Redis-like cache),
  catalog and shipping -> postgres (a PostgreSQL-like database). HTTP/1.1 between the web
  services. Every service has a ClusterIP (kube-proxy style DNAT in both nodes), and a
  fixture Kubernetes API describes nodes, workloads, pods and Services, so the map shows
  workloads, namespaces, versions and zones.
The canary: payment runs 2.3.1 on node-a and 2.4.0-rc.1 on node-b; the canary refuses 30%
  of its new connections, resets 5% of its requests and answers the rest 100-300 ms late,
  so its edge leads GET /api/v1/edges/breakdown?by=server_version.
The load: --rate requests/s at the frontend on average, following a sine over --day
  seconds (a simulated day from 09:00: 50% of the rate at night, 150% in the afternoon).
Weft runs over it as \`weft up\` does (agent, ingest, embedded store, API, in this process),
  with the admin key printed on the first start of --data-dir.
Ctrl-C (or SIGTERM, or --duration) removes every namespace, link, rule and process it
  made. After a kill -9, the next \`weft demo\` removes what the killed one left, then builds.`;

export function demoCommand(): Command {
  return new Command('demo')
    .description('build a small web shop on this machine (pods as network namespaces on two simulated nodes, Service VIPs, a Kubernetes API), keep load on it, and map it with Weft')
    .option('--data-dir <dir>', "where the demo's embedded ClickHouse and keys live (apart from weft up's)", '.weft/demo')
    .option('--api-addr <host:port>', 'where the API listens', process.env.WEFT_API_ADDR ?? '127.0.0.1:8080')
    .option('--api-grpc-addr <host:port>', 'where the gRPC API (weft.api.v1, with server reflection) listens', process.env.WEFT_API_GRPC_ADDR ?? '127.0.0.1:7071')
    .option('--control-db <url|file>', 'tenants and API keys: postgres://... or a SQLite file (default: control.db in --data-dir)')
    .option('--duration <seconds>', 'stop after this long, removing everything it made')
    .option('--rate <requests/s>', 'mean requests per second the load generator sends to the frontend', '8')
    .option('--day <seconds>', 'length of the simulated day the load follows (a sine, 50% to 150% of --rate)', '300')
    .option('--traffic-path <path>', 'how the agent counts bytes (auto, counters, tracepoint, fentry, kprobe)')
    .option('--web-dir <dir>', 'the web app to serve at / (a static export; default: this checkout\'s apps/web/out, built by scripts/setup.sh)', process.env.WEFT_WEB_DIR)
    .addHelpText('after', ABOUT)
    .action(async (options: DemoCommandOptions) => {
      // Loaded only now: the demo, the store, ingest, API and agent stay out of other commands and of --help.
      const { runDemo } = await import('./runDemo.js');
      await runDemo(options);
    });
}
