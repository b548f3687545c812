/**
 * One pod of the demo shop: the program the demo starts inside each pod's
 * network namespace (`ip netns exec <pod> node podMain.js --pod <name>`; the
 * name is for `ps`, the configuration comes in WEFT_DEMO_POD). It serves its
 * service's protocol and calls its upstreams; the load generator sends the
 * load once told to.
 *
 * Talks to the demo over stdio: prints `{"event":"ready"}` once listening,
 * `{"event":"stats",...}` lines (load generator), and its failures on
 * stderr (the first of a kind at once, then a count a minute). Reads
 * `start` (begin the load) from stdin, and exits when stdin closes: the
 * demo is gone (even after a kill -9), so nothing is left running.
 */
import type { Server } from 'node:net';
import { createInterface } from 'node:readline';
import { CacheClient, startCacheServer } from './cacheStore.js';
import { DatabaseClient, startDatabaseServer } from './databaseStore.js';
import type { Address } from './framedConnections.js';
import { HttpUpstream } from './httpUpstream.js';
import { startHttpService } from './httpService.js';
import { LoadGenerator } from './loadGenerator.js';
import { POD_CONFIG_ENV, decodePodConfig, type PodConfig } from './podConfig.js';
import { shopRoutes, type ShopClients } from './shopHandlers.js';
import type { ShopServiceKey } from '../shop/shopTopology.js';

const emit = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** Failures on stderr: the first of each message at once, then how many more, once a minute. */
class FailureLog {
  private readonly seen = new Map<string, number>();
  private readonly timer = setInterval(() => this.flush(), 60_000).unref();

  constructor(private readonly pod: string) {}

  report(error: Error): void {
    const key = error.message.slice(0, 200);
    const count = this.seen.get(key);
    if (count === undefined) {
      if (this.seen.size >= 100) this.flush();
      this.seen.set(key, 0);
      process.stderr.write(`${this.pod}: ${key}\n`);
    } else {
      this.seen.set(key, count + 1);
    }
  }

  private flush(): void {
    for (const [message, count] of this.seen) if (count > 0) process.stderr.write(`${this.pod}: ${count} more: ${message}\n`);
    this.seen.clear();
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

function clientsOf(config: PodConfig): ShopClients & { http(service: ShopServiceKey, user?: string): HttpUpstream; close(): void } {
  /** By service, and for the load generator by service and user (each user its own connections). */
  const http = new Map<string, HttpUpstream>();
  let cache: CacheClient | null = null;
  let database: DatabaseClient | null = null;
  const addressesOf = (service: ShopServiceKey): Address[] => {
    const addresses = config.upstreams[service];
    if (!addresses || addresses.length === 0) throw new Error(`${config.service} calls ${service}, but the demo gave it no address for it`);
    return addresses;
  };
  const addressOf = (service: ShopServiceKey): Address => addressesOf(service)[0] as Address;
  return {
    http(service: ShopServiceKey, user?: string) {
      const key = user === undefined ? service : `${service}\u0000${user}`;
      let upstream = http.get(key);
      if (!upstream) {
        // checkout opens a connection per charge (as many payment SDKs do), so the
        // canary's refused connections are as many as its calls, and retries a
        // refused one once (on the next pod).
        const perCall = config.service === 'checkout' && service === 'payment';
        upstream = new HttpUpstream(service, addressesOf(service), perCall ? { keepAlive: false, retryRefused: true } : user !== undefined ? { maxSockets: 2 } : {});
        http.set(key, upstream);
      }
      return upstream;
    },
    cache() {
      cache ??= new CacheClient(addressOf('redis'));
      return cache;
    },
    database() {
      database ??= new DatabaseClient(addressOf('postgres'));
      return database;
    },
    close() {
      for (const upstream of http.values()) upstream.close();
      cache?.close();
      database?.close();
    },
  };
}

async function main(): Promise<void> {
  const config = decodePodConfig(process.env[POD_CONFIG_ENV]);
  const failures = new FailureLog(config.pod);
  const clients = clientsOf(config);
  const onError = (error: Error): void => failures.report(error);
  let server: Server | null = null;
  let load: LoadGenerator | null = null;

  if (config.protocol === 'http' && config.listen) {
    server = await startHttpService(config.listen, shopRoutes(config.service, clients), { server: `${config.service}/${config.version}`, faults: config.faults, onError });
  } else if (config.protocol === 'resp' && config.listen) {
    server = await startCacheServer(config.listen, onError);
  } else if (config.protocol === 'pg-like' && config.listen) {
    server = await startDatabaseServer(config.listen, onError);
  } else if (config.service === 'loadgenerator') {
    if (!config.rhythm) throw new Error('the load generator needs a rhythm');
    load = new LoadGenerator((user) => clients.http('frontend', user), config.rhythm, emit);
  }

  const exit = (code: number): void => {
    load?.stop();
    server?.close();
    clients.close();
    failures.close();
    process.exit(code);
  };
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      if (line.trim() === 'start') load?.start();
    })
    .on('close', () => exit(0));
  process.once('SIGTERM', () => exit(0));
  // Ctrl-C in a terminal reaches the whole process group: the demo stops the pods itself.
  process.on('SIGINT', () => undefined);
  emit({ event: 'ready', pod: config.pod, pid: process.pid });
}

main().catch((error: unknown) => {
  process.stderr.write(`pod: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
