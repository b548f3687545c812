import type { Endpoint } from '../halves/canonicalConnection.js';
import type { HalfOrigin } from '../matching/connectionMatcher.js';
import type { EndpointIdentity } from './endpointIdentity.js';
import type { ListenerDirectory } from './listenerDirectory.js';
import { programName } from './programName.js';
import { ServiceInventory } from './serviceInventory.js';

/** Program names computed, by comm and cmdline (see programName); cleared when full. */
const MAX_PROGRAM_NAMES = 10_000;

/** Naming from a cluster (Kubernetes): pods, nodes and service VIPs by address at a time. */
export interface ClusterNamer {
  nameAddress(ip: string, port: number, atMs: number): EndpointIdentity | null;
  nameServiceVip(ip: string, port: number, atMs: number): EndpointIdentity | null;
}

export interface EndToName {
  /** The tenant whose agents reported the connection: what its agents told names it, never another tenant's. */
  tenant: string;
  side: 'client' | 'server';
  endpoint: Endpoint;
  /** The end's own agent's view of its socket, when it has an agent. */
  origin: HalfOrigin | null;
  /** Server side: the address the client dialled, when NAT changed it. */
  dialled?: Endpoint;
  /** Server side: what the client's node's DNS answers named the address (see CanonicalConnection.serverName). */
  dnsName?: string;
  atMs: number;
}

/**
 * Names one end of a connection. In order: the inventory file (the user's
 * word), the cluster (the pod or node that held the address at that time),
 * the host (the program the process runs, see programName), and last the
 * address: by the name the client's DNS answers gave it (`external:<name>`,
 * the name looked up; only for an end nothing above names), else bare
 * (`external:<ip>`).
 *
 * On a host, a process is one map node whichever end it is on: `host:<program>`
 * for its server side and its client side alike, so a chain a -> b -> c
 * through a process b that serves and calls out is two edges sharing b. The
 * server's listening port is on the edge (its server_port), not in the name.
 */
export class EndpointNamer {
  constructor(
    private readonly cluster: ClusterNamer | null,
    private readonly inventory: ServiceInventory | null,
    private readonly listeners: ListenerDirectory,
  ) {}

  private readonly programNames = new Map<string, string>();

  name(end: EndToName): EndpointIdentity {
    const { side, endpoint, atMs } = end;
    const serverPort = side === 'server' ? endpoint.port : null;
    // A server without an agent of its own may still be known by the
    // listener its host's agent reported.
    const origin: { nodeId: string; pid: number; comm: string; cmdline: string | null } | null =
      end.origin ?? (side === 'server' ? this.listeners.lookup(end.tenant, endpoint.ip, endpoint.port) : null);
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
      // A half without a cmdline (the agent could not read it) is named as
      // the same process's other sockets name it.
      const name = this.programOf(origin.comm, origin.cmdline ?? this.listeners.cmdlineOf(end.tenant, origin.nodeId, origin.pid, origin.comm));
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
    const external = side === 'server' && end.dnsName ? end.dnsName : endpoint.ip;
    return {
      service: `external:${external}`,
      name: external,
      namespace: '',
      kind: 'external',
      instance: endpoint.ip,
      node: '',
      zone: '',
      version: '',
      process: '',
    };
  }

  private programOf(comm: string, cmdline: string | null): string {
    if (cmdline === null) return programName(comm, null);
    const key = `${comm}\u0000${cmdline}`;
    let name = this.programNames.get(key);
    if (name === undefined) {
      if (this.programNames.size >= MAX_PROGRAM_NAMES) this.programNames.clear();
      name = programName(comm, cmdline);
      this.programNames.set(key, name);
    }
    return name;
  }
}
