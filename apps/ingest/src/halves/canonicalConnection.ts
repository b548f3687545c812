import type { ConnectionHalf } from './connectionHalf.js';

export interface Endpoint {
  ip: string;
  port: number;
}

/** Both ends of a connection as the network saw them, NAT undone. */
export interface CanonicalConnection {
  /** Same for both halves of one connection, different for any two live connections. */
  key: string;
  client: Endpoint;
  server: Endpoint;
  /** The address the client dialled when it differs from the server (a service VIP). */
  dialled?: Endpoint;
}

/**
 * Addresses that only mean something inside one network namespace: two
 * connections with the same loopback 4-tuple on two nodes are different
 * connections, so their key carries the node and namespace.
 */
export function isHostLocal(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/**
 * The client half carries the dialled address; conntrack told its agent which
 * backend answered (`nat*`), and that is the server the other half reports.
 */
export function canonicalConnection(half: ConnectionHalf): CanonicalConnection {
  const local = { ip: half.localIp, port: half.localPort };
  const remote = { ip: half.remoteIp, port: half.remotePort };
  let client: Endpoint;
  let server: Endpoint;
  let dialled: Endpoint | undefined;
  if (half.role === 'client') {
    client = local;
    if (half.natIp !== undefined && half.natPort !== undefined) {
      server = { ip: half.natIp, port: half.natPort };
      dialled = remote;
    } else {
      server = remote;
    }
  } else {
    client = remote;
    server = local;
  }
  const scope = isHostLocal(client.ip) || isHostLocal(server.ip) ? `${half.nodeId}/${half.netns}|` : '';
  const key = `${scope}${client.ip}:${client.port}>${server.ip}:${server.port}`;
  return dialled ? { key, client, server, dialled } : { key, client, server };
}
