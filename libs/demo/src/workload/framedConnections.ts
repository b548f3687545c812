/**
 * Request/response over plain TCP, for the cache and the database: a client
 * pool (a few long-lived connections, one request in flight on each, a
 * bounded queue of waiting requests, a timeout per request, a broken
 * connection replaced by the next request) and a server answering each
 * connection's requests in order. The protocol is given as decoders.
 */
import net from 'node:net';

export interface Address {
  host: string;
  port: number;
}

/** Decodes one frame at the start of a buffer: null until it is complete; throws when it is malformed. */
export type FrameDecoder<T> = (buffer: Buffer) => { value: T; consumed: number } | null;

/** A peer's input beyond this without a whole frame in it is a broken peer. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export class PoolError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PoolError';
  }
}

interface Waiting<R> {
  frame: Buffer;
  resolve: (reply: R) => void;
  reject: (error: Error) => void;
}

interface Slot<R> {
  socket: net.Socket | null;
  buffered: Buffer;
  current: (Waiting<R> & { timer: NodeJS.Timeout }) | null;
}

export interface PoolOptions {
  connections: number;
  /** Requests waiting for a free connection; beyond it a request fails at once. */
  maxWaiting: number;
  timeoutMs: number;
}

export class FramedClientPool<R> {
  private readonly slots: Slot<R>[];
  private readonly waiting: Waiting<R>[] = [];
  private closed = false;

  constructor(
    readonly name: string,
    private readonly target: Address,
    private readonly decode: FrameDecoder<R>,
    private readonly options: PoolOptions,
  ) {
    this.slots = Array.from({ length: options.connections }, () => ({ socket: null, buffered: Buffer.alloc(0), current: null }));
  }

  request(frame: Buffer): Promise<R> {
    if (this.closed) return Promise.reject(new PoolError(`${this.name}: closed`, 'CLOSED'));
    return new Promise((resolve, reject) => {
      if (this.waiting.length >= this.options.maxWaiting) {
        reject(new PoolError(`${this.name}: ${this.waiting.length} requests already waiting`, 'QUEUE_FULL'));
        return;
      }
      this.waiting.push({ frame, resolve, reject });
      this.dispatch();
    });
  }

  close(): void {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) waiting.reject(new PoolError(`${this.name}: closed`, 'CLOSED'));
    for (const slot of this.slots) this.fail(slot, new PoolError(`${this.name}: closed`, 'CLOSED'));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.current) continue;
      const next = this.waiting.shift() as Waiting<R>;
      const timer = setTimeout(() => this.fail(slot, new PoolError(`${this.name}: no answer within ${this.options.timeoutMs} ms`, 'ETIMEDOUT')), this.options.timeoutMs);
      slot.current = { ...next, timer };
      (slot.socket ?? this.connect(slot)).write(next.frame);
    }
  }

  private connect(slot: Slot<R>): net.Socket {
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    socket.setNoDelay(true);
    slot.socket = socket;
    slot.buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.onData(slot, socket, chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (slot.socket === socket) this.fail(slot, new PoolError(`${this.name}: ${error.message}`, error.code ?? 'ERROR'));
    });
    socket.on('close', () => {
      if (slot.socket === socket) this.fail(slot, new PoolError(`${this.name}: connection closed by the server`, 'ECONNRESET'));
    });
    return socket;
  }

  private onData(slot: Slot<R>, socket: net.Socket, chunk: Buffer): void {
    if (slot.socket !== socket) return;
    slot.buffered = slot.buffered.length === 0 ? chunk : Buffer.concat([slot.buffered, chunk]);
    let decoded: { value: R; consumed: number } | null;
    try {
      decoded = this.decode(slot.buffered);
    } catch (error) {
      this.fail(slot, new PoolError(`${this.name}: ${(error as Error).message}`, 'EPROTO'));
      return;
    }
    if (!decoded) {
      if (slot.buffered.length > MAX_BUFFERED_BYTES) this.fail(slot, new PoolError(`${this.name}: a reply over ${MAX_BUFFERED_BYTES} bytes`, 'EPROTO'));
      return;
    }
    const current = slot.current;
    if (!current || decoded.consumed !== slot.buffered.length) {
      // One request in flight per connection: anything else is a broken peer.
      this.fail(slot, new PoolError(`${this.name}: a reply nobody asked for`, 'EPROTO'));
      return;
    }
    slot.buffered = Buffer.alloc(0);
    clearTimeout(current.timer);
    slot.current = null;
    current.resolve(decoded.value);
    this.dispatch();
  }

  /** Fails the slot's request and drops its connection (the next request opens another). */
  private fail(slot: Slot<R>, error: Error): void {
    const current = slot.current;
    slot.current = null;
    const socket = slot.socket;
    slot.socket = null;
    socket?.destroy();
    if (current) {
      clearTimeout(current.timer);
      current.reject(error);
    }
    if (!this.closed) setImmediate(() => this.dispatch());
  }
}

/**
 * Serves a request/response protocol: each connection's requests are
 * answered in the order they came (pipelining allowed). A malformed request
 * closes its connection.
 */
export function serveFramed<Q>(
  listen: Address,
  decode: FrameDecoder<Q>,
  answer: (request: Q) => Buffer | Promise<Buffer>,
  onError: (error: Error) => void,
): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        let decoded: { value: Q; consumed: number } | null;
        try {
          decoded = decode(buffered);
        } catch (error) {
          onError(error as Error);
          socket.destroy();
          return;
        }
        if (!decoded) break;
        const request = decoded.value;
        buffered = buffered.subarray(decoded.consumed);
        chain = chain
          .then(async () => {
            const reply = await answer(request);
            if (!socket.destroyed) socket.write(reply);
          })
          .catch((error: unknown) => {
            onError(error as Error);
            socket.destroy();
          });
      }
      if (buffered.length > MAX_BUFFERED_BYTES) socket.destroy();
    });
    // A client going away mid-request is its business; the counters show it.
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, backlog: 1024 }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
