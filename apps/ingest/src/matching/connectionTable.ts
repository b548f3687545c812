import {
  canonicalConnection,
  clientIpOf,
  clientPortOf,
  isHostLocalConnection,
  serverIpOf,
  serverPortOf,
  type CanonicalConnection,
} from '../halves/canonicalConnection.js';
import type { ConnectionHalf } from '../halves/connectionHalf.js';

/** A port pair as one number: server port in the high half (below 2^32, exact). */
function portPair(serverPort: number, clientPort: number): number {
  return serverPort * 65536 + clientPort;
}

/**
 * Connection state by connection, looked up once per half at the ingest's
 * full rate. A Map with a string key per 4-tuple cost a fresh string, its
 * hash and its flattening per half, most of the matcher's time; here the
 * addresses are the decoder's own strings (one per address per batch, their
 * hash computed once) and the ports one number, in three nested Maps. No
 * library keys a map by a tuple without building a key, hence by hand.
 * Loopback connections, whose key carries the node and namespace (see
 * canonicalConnection), keep the string key: they are few.
 */
export class ConnectionTable<S extends { connection: CanonicalConnection }> {
  /** server ip -> client ip -> port pair -> state. */
  private readonly byServer = new Map<string, Map<string, Map<number, S>>>();
  private readonly hostLocal = new Map<string, S>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The state of the connection this half belongs to (NAT undone), if known. */
  get(half: ConnectionHalf): S | undefined {
    const clientIp = clientIpOf(half);
    const serverIp = serverIpOf(half);
    if (isHostLocalConnection(clientIp, serverIp)) return this.hostLocal.get(canonicalConnection(half).key);
    return this.byServer.get(serverIp)?.get(clientIp)?.get(portPair(serverPortOf(half), clientPortOf(half)));
  }

  /** Sets (or replaces) the state of `state.connection`. */
  set(state: S): void {
    const { key, client, server } = state.connection;
    if (isHostLocalConnection(client.ip, server.ip)) {
      if (!this.hostLocal.has(key)) this.count++;
      this.hostLocal.set(key, state);
      return;
    }
    let clients = this.byServer.get(server.ip);
    if (!clients) {
      clients = new Map();
      this.byServer.set(server.ip, clients);
    }
    let ports = clients.get(client.ip);
    if (!ports) {
      ports = new Map();
      clients.set(client.ip, ports);
    }
    const pair = portPair(server.port, client.port);
    if (!ports.has(pair)) this.count++;
    ports.set(pair, state);
  }

  /** Every state, in no particular order. */
  *values(): IterableIterator<S> {
    yield* this.hostLocal.values();
    for (const clients of this.byServer.values()) for (const ports of clients.values()) yield* ports.values();
  }

  /** Forgets every state `drop` says to; returns how many. */
  deleteWhere(drop: (state: S) => boolean): number {
    let deleted = 0;
    for (const [key, state] of this.hostLocal) {
      if (drop(state)) {
        this.hostLocal.delete(key);
        deleted++;
      }
    }
    for (const [serverIp, clients] of this.byServer) {
      for (const [clientIp, ports] of clients) {
        for (const [pair, state] of ports) {
          if (drop(state)) {
            ports.delete(pair);
            deleted++;
          }
        }
        if (ports.size === 0) clients.delete(clientIp);
      }
      if (clients.size === 0) this.byServer.delete(serverIp);
    }
    this.count -= deleted;
    return deleted;
  }
}
