/**
 * The shop's cache: a Redis-like server (GET, SET, DEL, EXPIRE, PING over
 * real RESP; at most 10,000 keys, the oldest evicted) and the client the
 * services use (a small pool of long-lived connections, as Redis clients keep).
 */
import type net from 'node:net';
import { FramedClientPool, serveFramed, type Address } from './framedConnections.js';
import { decodeCommand, decodeReply, encodeCommand, encodeReply, type RespReply } from './respProtocol.js';

const MAX_KEYS = 10_000;

export function startCacheServer(listen: Address, onError: (error: Error) => void): Promise<net.Server> {
  const values = new Map<string, Buffer>();
  const answer = (args: Buffer[]): RespReply => {
    const command = args[0]?.toString('latin1').toUpperCase() ?? '';
    const key = args[1]?.toString('utf8') ?? '';
    switch (command) {
      case 'PING':
        return { type: 'simple', value: 'PONG' };
      case 'GET':
        return { type: 'bulk', value: values.get(key) ?? null };
      case 'SET': {
        const value = args[2];
        if (!value) return { type: 'error', message: "ERR wrong number of arguments for 'set' command" };
        values.delete(key);
        values.set(key, Buffer.from(value));
        if (values.size > MAX_KEYS) values.delete(values.keys().next().value as string);
        return { type: 'simple', value: 'OK' };
      }
      case 'DEL':
        return { type: 'integer', value: values.delete(key) ? 1 : 0 };
      case 'EXPIRE':
        // Keys live until evicted; the answer is Redis's for an existing key.
        return { type: 'integer', value: values.has(key) ? 1 : 0 };
      default:
        return { type: 'error', message: `ERR unknown command '${command.toLowerCase()}'` };
    }
  };
  return serveFramed(
    listen,
    (buffer) => {
      const decoded = decodeCommand(buffer);
      return decoded ? { value: decoded.args, consumed: decoded.consumed } : null;
    },
    (args) => encodeReply(answer(args)),
    onError,
  );
}

export class CacheClient {
  private readonly pool: FramedClientPool<RespReply>;

  constructor(target: Address) {
    this.pool = new FramedClientPool(
      `redis ${target.host}:${target.port}`,
      target,
      (buffer) => {
        const decoded = decodeReply(buffer);
        return decoded ? { value: decoded.reply, consumed: decoded.consumed } : null;
      },
      { connections: 3, maxWaiting: 256, timeoutMs: 2_000 },
    );
  }

  async get(key: string): Promise<Buffer | null> {
    const reply = await this.command(['GET', key]);
    return reply.type === 'bulk' ? reply.value : null;
  }

  async set(key: string, value: string | Buffer): Promise<void> {
    await this.command(['SET', key, value]);
  }

  async del(key: string): Promise<void> {
    await this.command(['DEL', key]);
  }

  close(): void {
    this.pool.close();
  }

  private async command(args: Array<string | Buffer>): Promise<RespReply> {
    const reply = await this.pool.request(encodeCommand(args));
    if (reply.type === 'error') throw new Error(`redis: ${reply.message}`);
    return reply;
  }
}
