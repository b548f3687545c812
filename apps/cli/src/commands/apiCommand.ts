import { Command } from 'commander';
import { ConfigError, parseListenAddress } from '@weft/agent';
import { ApiListenError, StoreServiceMapReader, startApiServer } from '@weft/api';
import { openEdgeStore } from '@weft/store';
import { storeConfigOf } from './storeOptions.js';

export function apiCommand(): Command {
  return new Command('api')
    .description('the REST API over the ClickHouse store (GET /api/v1/map, /healthz, /metrics)')
    .option('--clickhouse <url>', 'ClickHouse server URL (http://user:pass@host:8123/db)', process.env.WEFT_CLICKHOUSE)
    .option('--data-dir <dir>', 'embedded ClickHouse data directory, when no --clickhouse', process.env.WEFT_DATA_DIR ?? '.weft/data')
    .option('--api-addr <host:port>', 'where the API listens', process.env.WEFT_API_ADDR ?? '127.0.0.1:8080')
    .action(async (options: { clickhouse?: string; dataDir: string; apiAddr: string }) => {
      const say = (message: string): void => void process.stderr.write(`weft api: ${message}\n`);
      try {
        const addr = parseListenAddress(options.apiAddr, '--api-addr');
        const store = await openEdgeStore(storeConfigOf(options));
        let server;
        try {
          server = await startApiServer(new StoreServiceMapReader(store), { host: addr.host, port: addr.port });
        } catch (err) {
          await store.close();
          if (err instanceof ApiListenError) throw new ConfigError(`--api-addr: ${err.message}`, '--api-addr');
          throw err;
        }
        say(`API at ${server.url}`);
        const stop = (): void => {
          server.close().then(() => store.close()).then(() => process.exit(0), () => process.exit(1));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (err) {
        if (err instanceof ConfigError) {
          say(err.message);
          process.exit(2);
        }
        throw err;
      }
    });
}
