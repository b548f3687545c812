import { createServer, type Server } from 'node:http';
import { evaluateHealth, type HealthCheck } from './healthCheck.js';

/**
 * What the server needs of a metrics registry: prom-client's Registry has
 * this shape. Typed by shape so this library depends on no metrics package.
 */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * Serves Prometheus text at /metrics and /healthz: 200 when every check
 * passes, 503 with the reasons when one does not (JSON, as the API's).
 */
export async function startMetricsServer(registry: MetricsRegistry, host: string, port: number, health: readonly HealthCheck[] = []): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
    } else if (req.url === '/healthz') {
      void evaluateHealth(health).then(({ healthy, body }) => {
        res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(body)}\n`);
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
