/**
 * A shop service's HTTP/1.1 server (node:http, keep-alive): routes by method
 * and path, JSON (or an HTML page) padded to the size the real page or answer
 * would have, and an upstream's failure passed on as 502. A canary's faults
 * are applied here: a share of its requests answered by resetting the
 * connection, the rest delayed by 100-300 ms.
 */
import http from 'node:http';
import type { Address } from './framedConnections.js';
import { UpstreamError } from './httpUpstream.js';

const MAX_REQUEST_BYTES = 1024 * 1024;

export interface ServiceRequest {
  method: string;
  path: string;
  /** The pattern's capture groups. */
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

export interface ServiceReply {
  status?: number;
  body: Record<string, unknown>;
  /** Pad the answer to about this many bytes (a page, a product list). */
  bytes?: number;
  html?: boolean;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (request: ServiceRequest) => Promise<ServiceReply>;
}

export interface ServiceFaults {
  resetShare: number;
  addedLatencyMs: readonly [number, number];
}

export interface HttpServiceOptions {
  /** `name/version`, sent as the Server header. */
  server: string;
  faults: ServiceFaults | null;
  /** Failures that are not an upstream's (a bug, a bad request): reported, not swallowed. */
  onError: (error: Error) => void;
}

const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ';

function render(reply: ServiceReply): { type: string; body: Buffer } {
  const json = JSON.stringify(reply.body);
  const target = reply.bytes ?? 0;
  if (reply.html) {
    const head = `<!doctype html><html><head><title>Weft demo shop</title></head><body><script type="application/json" id="data">${json}</script>`;
    const rows = Math.max(0, Math.ceil((target - head.length - 14) / (FILLER.length + 11)));
    return { type: 'text/html; charset=utf-8', body: Buffer.from(`${head}${`<p>${FILLER}</p>\n`.repeat(rows)}</body></html>`) };
  }
  if (json.length >= target) return { type: 'application/json', body: Buffer.from(json) };
  const padding = FILLER.repeat(Math.ceil((target - json.length) / FILLER.length)).slice(0, Math.max(0, target - json.length - 14));
  return { type: 'application/json', body: Buffer.from(JSON.stringify({ ...reply.body, description: padding })) };
}

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) request.destroy(new Error(`a request body over ${MAX_REQUEST_BYTES} bytes`));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.length === 0 ? null : JSON.parse(text));
      } catch {
        reject(new Error(`a request body that is not JSON: ${text.slice(0, 60)}`));
      }
    });
    request.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function startHttpService(listen: Address, routes: readonly Route[], options: HttpServiceOptions): Promise<http.Server> {
  const send = (response: http.ServerResponse, status: number, reply: ServiceReply): void => {
    const { type, body } = render(reply);
    response.writeHead(status, { 'content-type': type, 'content-length': body.length, server: options.server });
    response.end(body);
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://service');
    const handle = async (): Promise<void> => {
      if (options.faults) {
        if (Math.random() < options.faults.resetShare) {
          // The canary's crash: the client sees its connection reset.
          request.socket.resetAndDestroy();
          return;
        }
        const [min, max] = options.faults.addedLatencyMs;
        await sleep(min + Math.random() * (max - min));
      }
      const body = await readBody(request);
      for (const route of routes) {
        if (route.method !== request.method) continue;
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        const reply = await route.handle({ method: route.method, path: url.pathname, params: match.slice(1), query: url.searchParams, body });
        send(response, reply.status ?? 200, reply);
        return;
      }
      send(response, 404, { body: { error: `no route ${request.method} ${url.pathname}` } });
    };
    handle().catch((error: unknown) => {
      if (response.headersSent || response.destroyed) return;
      if (error instanceof UpstreamError) {
        send(response, 502, { body: { error: error.message } });
        return;
      }
      options.onError(error as Error);
      send(response, 500, { body: { error: (error as Error).message } });
    });
  });
  server.keepAliveTimeout = 15_000;
  server.headersTimeout = 20_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, backlog: 1024 }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
