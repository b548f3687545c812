/**
 * A service's HTTP/1.1 client for one upstream: its Service VIP, or a
 * headless Service's pods taken in turn call by call (client-side
 * balancing, as gRPC clients do). Keep-alive connections by default, as
 * service clients keep, or a connection per call; a timeout per call;
 * answers of 5xx and network errors are failures (UpstreamError) the caller
 * passes on.
 */
import http from 'node:http';
import type { Address } from './framedConnections.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class UpstreamError extends Error {
  constructor(
    readonly upstream: string,
    /** The HTTP status, or the network error's code (ECONNREFUSED, ECONNRESET, ETIMEDOUT ...). */
    readonly reason: number | string,
  ) {
    super(`${upstream}: ${typeof reason === 'number' ? `HTTP ${reason}` : reason}`);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamOptions {
  /** Keep connections open between calls (default true). */
  keepAlive?: boolean;
  /** Most connections open at once (default 8); further calls wait for one. */
  maxSockets?: number;
  timeoutMs?: number;
  /** Call once more when the connection was refused (a client library's retry). */
  retryRefused?: boolean;
}

export interface UpstreamResponse {
  status: number;
  body: Buffer;
}

export class HttpUpstream {
  /** One connection pool per address. */
  private readonly targets: Array<{ address: Address; agent: http.Agent }>;
  private next = 0;
  private readonly timeoutMs: number;
  private readonly retryRefused: boolean;

  constructor(
    readonly name: string,
    addresses: readonly Address[],
    options: UpstreamOptions = {},
  ) {
    if (addresses.length === 0) throw new Error(`upstream ${name}: no address`);
    const keepAlive = options.keepAlive ?? true;
    this.targets = addresses.map((address) => ({
      address,
      agent: new http.Agent({ keepAlive, maxSockets: options.maxSockets ?? 8, maxFreeSockets: keepAlive ? 4 : 0, scheduling: 'lifo' }),
    }));
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.retryRefused = options.retryRefused ?? false;
  }

  async call(method: string, path: string, body?: unknown): Promise<UpstreamResponse> {
    try {
      return await this.once(method, path, body);
    } catch (error) {
      if (this.retryRefused && error instanceof UpstreamError && error.reason === 'ECONNREFUSED') return this.once(method, path, body);
      throw error;
    }
  }

  /** The answer's JSON. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.call(method, path, body);
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  close(): void {
    for (const target of this.targets) target.agent.destroy();
  }

  private once(method: string, path: string, body: unknown): Promise<UpstreamResponse> {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const target = this.targets[this.next++ % this.targets.length] as (typeof this.targets)[number];
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: target.address.host,
          port: target.address.port,
          method,
          path,
          agent: target.agent,
          headers: { host: this.name, accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) request.destroy(new UpstreamError(this.name, 'EMSGSIZE'));
            else chunks.push(chunk);
          });
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 500) reject(new UpstreamError(this.name, status));
            else resolve({ status, body: Buffer.concat(chunks) });
          });
          response.on('error', (error: NodeJS.ErrnoException) => reject(new UpstreamError(this.name, error.code ?? error.message)));
        },
      );
      request.setTimeout(this.timeoutMs, () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof UpstreamError ? error : new UpstreamError(this.name, error.code ?? error.message)));
      request.end(payload ?? undefined);
    });
  }
}
