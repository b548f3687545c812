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
  /** What the client's node's DNS answers named the address it dialled (`api.stripe.com`), when they did. */
  serverName?: string;
}

/**
 * Addresses that only mean something inside one network namespace: two
 * connections with the same loopback 4-tuple on two nodes are different
 * connections, so their key carries the node and namespace. So does the
 * unspecified address: an unbound, unconnected UDP socket's (a DNS flow,
 * whose source the kernel picks per datagram).
 */
function isHostLocal(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip === '0.0.0.0' || ip === '::';
}

/** A half's translated end: the backend conntrack saw answer a client half's dialled address. */
function isTranslated(half: ConnectionHalf): half is ConnectionHalf & { natIp: string; natPort: number } {
  return half.role === 'client' && half.natIp !== undefined && half.natPort !== undefined;
}

/*
 * Both ends of a half's connection, NAT undone, one field at a time: the
 * matcher looks connections up by them for every half without building the
 * CanonicalConnection (see ConnectionTable).
 */
export const clientIpOf = (half: ConnectionHalf): string => (half.role === 'client' ? half.localIp : half.remoteIp);
export const clientPortOf = (half: ConnectionHalf): number => (half.role === 'client' ? half.localPort : half.remotePort);
export const serverIpOf = (half: ConnectionHalf): string => (isTranslated(half) ? half.natIp : half.role === 'client' ? half.remoteIp : half.localIp);
export const serverPortOf = (half: ConnectionHalf): number => (isTranslated(half) ? half.natPort : half.role === 'client' ? half.remotePort : half.localPort);

/** Whether a connection's key must carry the node and namespace (see isHostLocal). */
export const isHostLocalConnection = (clientIp: string, serverIp: string): boolean => isHostLocal(clientIp) || isHostLocal(serverIp);

/**
 * The client half carries the dialled address; conntrack told its agent which
 * backend answered (`nat*`), and that is the server the other half reports.
 */
export function canonicalConnection(half: ConnectionHalf): CanonicalConnection {
  const client = { ip: clientIpOf(half), port: clientPortOf(half) };
  const server = { ip: serverIpOf(half), port: serverPortOf(half) };
  const scope = isHostLocalConnection(client.ip, server.ip) ? `${half.nodeId}/${half.netns}|` : '';
  const key = `${scope}${client.ip}:${client.port}>${server.ip}:${server.port}`;
  const connection: CanonicalConnection = isTranslated(half) ? { key, client, server, dialled: { ip: half.remoteIp, port: half.remotePort } } : { key, client, server };
  if (half.role === 'client' && half.remoteName !== undefined) connection.serverName = half.remoteName;
  return connection;
}
