import type { Endpoint } from '../halves/canonicalConnection.js';
import type { HalfOrigin } from '../matching/connectionMatcher.js';
import type { EndpointIdentity } from './endpointIdentity.js';
import type { ListenerDirectory } from './listenerDirectory.js';
import { ServiceInventory } from './serviceInventory.js';

/** Naming from a cluster (Kubernetes): pods, nodes and service VIPs by address at a time. */
export interface ClusterNamer {
  nameAddress(ip: string, port: number, atMs: number): EndpointIdentity | null;
  nameServiceVip(ip: string, port: number, atMs: number): EndpointIdentity | null;
}

export interface EndToName {
  side: 'client' | 'server';
  endpoint: Endpoint;
  /** The end's own agent's view of its socket, when it has an agent. */
  origin: HalfOrigin | null;
  /** Server side: the address the client dialled, when NAT changed it. */
  dialled?: Endpoint;
  atMs: number;
}

/**
 * Names one end of a connection. In order: the inventory file (the user's
 * word), the cluster (the pod or node that held the address at that time),
 * the host (the process, and for a server its listening port), and last the
 * bare address (`external:<ip>`).
 */
export class EndpointNamer {
  constructor(
    private readonly cluster: ClusterNamer | null,
    private readonly inventory: ServiceInventory | null,
    private readonly listeners: ListenerDirectory,
  ) {}

  name(end: EndToName): EndpointIdentity {
    const { side, endpoint, atMs } = end;
    const serverPort = side === 'server' ? endpoint.port : null;
    // A server without an agent of its own may still be known by the
    // listener its host's agent reported.
    const origin: { nodeId: string; pid: number; comm: string } | null =
      end.origin ?? (side === 'server' ? this.listeners.lookup(endpoint.ip, endpoint.port) : null);
    const process = origin?.comm ?? '';

    const rule = this.inventory?.match(endpoint.ip, serverPort, origin?.comm ?? null) ?? null;
    const cluster = this.cluster?.nameAddress(endpoint.ip, endpoint.port, atMs) ?? null;
    if (rule) {
      return ServiceInventory.identity(rule, {
        instance: cluster?.instance ?? (origin ? `${origin.nodeId}/${origin.pid}` : endpoint.ip),
        node: cluster?.node ?? origin?.nodeId ?? '',
        zone: cluster?.zone ?? '',
        version: cluster?.version ?? '',
        process,
      });
    }
    if (cluster) return { ...cluster, process: process || cluster.process };
    if (side === 'server' && this.cluster) {
      // No NAT seen (no agent on the client's node, or conntrack missed it):
      // the address may still be a service VIP.
      const vip = this.cluster.nameServiceVip(endpoint.ip, endpoint.port, atMs);
      if (vip) return vip;
    }
    if (origin) {
      const name = side === 'server' ? `${origin.comm}:${endpoint.port}` : origin.comm;
      return {
        service: `host:${name}`,
        name,
        namespace: '',
        kind: 'process',
        instance: `${origin.nodeId}/${origin.pid}`,
        node: origin.nodeId,
        zone: '',
        version: '',
        process,
      };
    }
    return {
      service: `external:${endpoint.ip}`,
      name: endpoint.ip,
      namespace: '',
      kind: 'external',
      instance: endpoint.ip,
      node: '',
      zone: '',
      version: '',
      process: '',
    };
  }
}
