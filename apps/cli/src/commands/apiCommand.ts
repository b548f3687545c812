import { Command } from 'commander';
import type { ApiOptions } from './commandOptions.js';


export function apiCommand(): Command {
  return new Command('api')
    .description('the REST API over the ClickHouse store (GET /api/v1/map, /healthz, /metrics)')
    .option('--clickhouse <url>', 'ClickHouse server URL (http://user:pass@host:8123/db)', process.env.WEFT_CLICKHOUSE)
    .option('--data-dir <dir>', 'embedded ClickHouse data directory, when no --clickhouse', process.env.WEFT_DATA_DIR ?? '.weft/data')
    .option('--api-addr <host:port>', 'where the API listens', process.env.WEFT_API_ADDR ?? '127.0.0.1:8080')
    .option('--api-grpc-addr <host:port>', 'where the gRPC API (weft.api.v1, with server reflection) listens', process.env.WEFT_API_GRPC_ADDR ?? '127.0.0.1:7071')
    .option('--control-db <url|file>', 'tenants and API keys: postgres://... or a SQLite file (default: control.db in --data-dir)', process.env.WEFT_CONTROL_DB)
    .option('--web-dir <dir>', 'the web app to serve at / (a static export; default: this checkout\'s apps/web/out, built by scripts/setup.sh)', process.env.WEFT_WEB_DIR)
    .action(async (options: ApiOptions) => {
      // Loaded only now: NestJS and the store stay out of other commands and of --help.
      const { runApi } = await import('./runApi.js');
      await runApi(options);
    });
}
