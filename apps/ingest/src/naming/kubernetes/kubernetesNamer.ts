/**
 * Names a connection end from Kubernetes: the pod that held an address at a
 * time (with its workload through the owner chain, node, zone, version), a
 * Service by its ClusterIP, a Node by its address (or the hostNetwork pod on
 * it that declares the port). Implements the ingest's ClusterNamer.
 *
 * Pod and Service addresses are kept as history (IpOwnershipHistory), fed by
 * the inventory's watch events, so a late sample is named by whoever held the
 * address at the sample's time. A pod's name is frozen when it releases its
 * address (deleted, or Succeeded/Failed), so later changes to its owners
 * (a ReplicaSet deleted, a Node gone) do not rename its past.
 */
import ipaddr from 'ipaddr.js';
import type { V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { EndpointIdentity } from '../endpointIdentity.js';
import type { ClusterNamer } from '../endpointNamer.js';
import { IpOwnershipHistory } from './ipOwnershipHistory.js';
import type { InventoryEventType, KubernetesInventory } from './kubernetesInventory.js';
import { podVersion, resolveWorkload, type OwnerLookup, type OwnerReferenceLike } from './workloadOwner.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const LEGACY_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone';

/** Canonical text of an address: IPv4 dotted, IPv6 compressed lower case, v4-mapped v6 as v4. Null if not an address. */
export function normalizeIp(ip: string): string | null {
  let text = ip.trim();
  // Brackets and zone ids (fe80::1%eth0) are not part of the address.
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const percent = text.indexOf('%');
  if (percent >= 0) text = text.slice(0, percent);
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  if (!ipaddr.IPv6.isValid(text)) return null;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String();
}

/** Anything the API gives as a time: a Date (typed list) or RFC 3339 text (watch JSON). */
export function timeMs(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** What the history keeps for a pod: enough to name it without the cache. */
interface PodHolder {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  version: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReferenceLike[];
  /** Set when the pod released its address: its name from then on. */
  frozen: EndpointIdentity | null;
}

interface ServiceHolder {
  namespace: string;
  name: string;
  /** Service ports (port numbers), empty: any. */
  ports: Set<number>;
}

interface PodAddresses {
  ips: string[];
  hostNetwork: boolean;
}

export interface ServiceBackend {
  ip: string;
  port: number;
  protocol: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  pod: { namespace: string; name: string } | null;
  node: string;
  zone: string;
}

export interface KubernetesNamerOptions {
  /** How long an address's past holders are remembered (default 15 min). */
  retentionMs?: number;
  /** Clock for observed times (default Date.now). */
  now?: () => number;
  /** How often old history is pruned (default 60 s; 0 disables the timer, call prune()). */
  pruneIntervalMs?: number;
}

export class KubernetesNamer implements ClusterNamer {
  private readonly now: () => number;
  private readonly pods: IpOwnershipHistory<PodHolder>;
  private readonly vips: IpOwnershipHistory<ServiceHolder>;
  /** Addresses each live pod holds, by uid. */
  private readonly podAddresses = new Map<string, PodAddresses>();
  /** VIPs each live Service holds, by `ns/name` key with uid. */
  private readonly serviceAddresses = new Map<string, string[]>();
  /** Node address -> node name, and node name -> its addresses. */
  private readonly nodeByIp = new Map<string, string>();
  private readonly nodeIps = new Map<string, string[]>();
  private readonly unsubscribe: Array<() => void> = [];
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly lookup: OwnerLookup;

  constructor(
    private readonly inventory: KubernetesInventory,
    options: KubernetesNamerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.pods = new IpOwnershipHistory({ retentionMs: options.retentionMs });
    this.vips = new IpOwnershipHistory({ retentionMs: options.retentionMs });
    this.lookup = {
      replicaSet: (ns, name) => inventory.replicaSet(ns, name) as ReturnType<OwnerLookup['replicaSet']>,
    };
    // What the inventory already has, then every change.
    for (const node of inventory.list('nodes')) this.onNode('add', node);
    for (const pod of inventory.list('pods')) this.onPod('add', pod);
    for (const service of inventory.list('services')) this.onService('add', service);
    this.unsubscribe.push(
      inventory.on('nodes', (type, node) => this.onNode(type, node)),
      inventory.on('pods', (type, pod) => this.onPod(type, pod)),
      inventory.on('services', (type, service) => this.onService(type, service)),
    );
    const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    if (pruneIntervalMs > 0) {
      this.pruneTimer = setInterval(() => this.prune(), pruneIntervalMs);
      this.pruneTimer.unref();
    }
  }

  /** Stops following the inventory (it is not stopped: its owner does that). */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
  }

  prune(nowMs: number = this.now()): number {
    return this.pods.prune(nowMs) + this.vips.prune(nowMs);
  }

  /** Addresses and intervals kept, for metrics. */
  historySize(): { pods: IpOwnershipHistory<unknown>['size']; services: IpOwnershipHistory<unknown>['size'] } {
    return { pods: this.pods.size, services: this.vips.size };
  }

  /**
   * The pod that held `ip` at `atMs`; for a node's address, the hostNetwork
   * pod declaring `port`, else the Node. Null for anything else (service VIPs
   * included: see nameServiceVip).
   */
  nameAddress(ip: string, port: number, atMs: number): EndpointIdentity | null {
    const address = normalizeIp(ip);
    if (address === null) return null;
    const holder = this.pods.ownerAt(address, atMs);
    if (holder) return this.podIdentity(holder);
    const shared = this.pods.sharedOwnerAt(address, port, atMs);
    if (shared) return this.podIdentity(shared);
    const nodeName = this.nodeByIp.get(address);
    if (nodeName !== undefined) return this.nodeIdentity(nodeName);
    return null;
  }

  /** The Service whose ClusterIP (or external/load-balancer IP) was `ip` at `atMs` and serves `port`. */
  nameServiceVip(ip: string, port: number, atMs: number): EndpointIdentity | null {
    const address = normalizeIp(ip);
    if (address === null) return null;
    const service = this.vips.ownerAt(address, atMs);
    if (!service) return null;
    if (service.ports.size > 0 && !service.ports.has(port)) return null;
    return {
      service: `k8s-svc:${service.namespace}/${service.name}`,
      name: service.name,
      namespace: service.namespace,
      kind: 'Service',
      instance: address,
      node: '',
      zone: '',
      version: '',
      process: '',
    };
  }

  /** The zone label of a node, '' if unknown. */
  zoneOfNode(name: string): string {
    const labels = this.inventory.node(name)?.metadata?.labels;
    return labels?.[ZONE_LABEL] ?? labels?.[LEGACY_ZONE_LABEL] ?? '';
  }

  /**
   * The backends of a Service port, from its EndpointSlices: `port` is the
   * Service's port number or port name. Each backend is an address and the
   * target port it is reached on.
   */
  serviceBackends(namespace: string, serviceName: string, port: number | string): ServiceBackend[] {
    const service = this.inventory.service(namespace, serviceName);
    const servicePort = service?.spec?.ports?.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
    // Without the Service, a number is taken as the slice's own port and a name as its name.
    const portName = servicePort ? (servicePort.name ?? '') : typeof port === 'string' ? port : undefined;
    const protocol = servicePort?.protocol ?? 'TCP';
    const out: ServiceBackend[] = [];
    const seen = new Set<string>();
    for (const slice of this.inventory.endpointSlicesOf(namespace, serviceName)) {
      const slicePort = (slice.ports ?? []).find((p) =>
        portName !== undefined
          ? (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol
          : p.port === port && (p.protocol ?? 'TCP') === protocol,
      );
      if (!slicePort || slicePort.port === undefined) continue;
      for (const backend of this.backendsOf(slice, slicePort.port, slicePort.protocol ?? 'TCP')) {
        const k = `${backend.ip}|${backend.port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(backend);
      }
    }
    return out;
  }

  /** The backends behind a VIP and port at a time (serviceBackends of the Service named by it). */
  backendsOfVip(ip: string, port: number, atMs: number): ServiceBackend[] {
    const service = this.nameServiceVip(ip, port, atMs);
    if (!service) return [];
    return this.serviceBackends(service.namespace, service.name, port);
  }

  private backendsOf(slice: V1EndpointSlice, port: number, protocol: string): ServiceBackend[] {
    const out: ServiceBackend[] = [];
    for (const endpoint of slice.endpoints ?? []) {
      const target = endpoint.targetRef?.kind === 'Pod' && endpoint.targetRef.name
        ? { namespace: endpoint.targetRef.namespace ?? slice.metadata?.namespace ?? '', name: endpoint.targetRef.name }
        : null;
      const node = endpoint.nodeName ?? '';
      for (const raw of endpoint.addresses ?? []) {
        const ip = normalizeIp(raw);
        if (ip === null) continue;
        out.push({
          ip,
          port,
          protocol,
          // Per the API: unset ready means ready; unset serving follows ready.
          ready: endpoint.conditions?.ready ?? true,
          serving: endpoint.conditions?.serving ?? endpoint.conditions?.ready ?? true,
          terminating: endpoint.conditions?.terminating ?? false,
          pod: target,
          node,
          zone: endpoint.zone ?? (node ? this.zoneOfNode(node) : ''),
        });
      }
    }
    return out;
  }

  private podIdentity(holder: PodHolder): EndpointIdentity {
    if (holder.frozen) return holder.frozen;
    const workload = resolveWorkload(
      { metadata: { namespace: holder.namespace, name: holder.name, labels: holder.labels, ownerReferences: holder.ownerReferences } },
      this.lookup,
    );
    return {
      service: `k8s:${holder.namespace}/${workload.kind}/${workload.name}`,
      name: workload.name,
      namespace: holder.namespace,
      kind: workload.kind,
      instance: holder.name,
      node: holder.node,
      zone: holder.node ? this.zoneOfNode(holder.node) : '',
      version: holder.version,
      process: '',
    };
  }

  private nodeIdentity(name: string): EndpointIdentity {
    return {
      service: `k8s:/Node/${name}`,
      name,
      namespace: '',
      kind: 'Node',
      instance: name,
      node: name,
      zone: this.zoneOfNode(name),
      version: this.inventory.node(name)?.status?.nodeInfo?.kubeletVersion ?? '',
      process: '',
    };
  }

  private onNode(type: InventoryEventType, node: V1Node): void {
    const name = node.metadata?.name ?? '';
    for (const ip of this.nodeIps.get(name) ?? []) {
      if (this.nodeByIp.get(ip) === name) this.nodeByIp.delete(ip);
    }
    this.nodeIps.delete(name);
    if (type === 'delete' || !name) return;
    const ips: string[] = [];
    for (const address of node.status?.addresses ?? []) {
      if (address.type !== 'InternalIP' && address.type !== 'ExternalIP') continue;
      const ip = normalizeIp(address.address);
      if (ip === null) continue;
      ips.push(ip);
      this.nodeByIp.set(ip, name);
    }
    this.nodeIps.set(name, ips);
  }

  private onPod(type: InventoryEventType, pod: V1Pod): void {
    const meta = pod.metadata;
    const uid = meta?.uid || `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
    const observed = this.now();
    const held = this.podAddresses.get(uid);
    const phase = pod.status?.phase;
    const ended = type === 'delete' || phase === 'Succeeded' || phase === 'Failed';

    if (ended) {
      if (!held) return;
      let toMs = observed;
      // A deletion seen long after its deadline (a relist after an outage)
      // ended no later than the deadline (whole seconds, so +1 s).
      const deadline = timeMs(meta?.deletionTimestamp as Date | string | undefined);
      if (type === 'delete' && deadline !== undefined && deadline + 1_000 < observed) toMs = deadline + 1_000;
      this.releasePod(uid, held, toMs);
      return;
    }

    const holder = this.podHolder(pod, uid);
    const hostNetwork = pod.spec?.hostNetwork === true;
    const ips = this.podIps(pod);
    // Addresses it no longer has (not expected: a pod's IP is fixed once given).
    if (held) {
      const stale = held.ips.filter((ip) => !ips.includes(ip));
      if (stale.length > 0) this.releasePod(uid, { ips: stale, hostNetwork: held.hostNetwork }, observed);
    }
    if (ips.length === 0) {
      // Not given an address yet (Pending), or lost it: nothing to hold.
      this.podAddresses.delete(uid);
      return;
    }
    const started = timeMs(pod.status?.startTime as Date | string | undefined);
    const fromMs = started !== undefined ? Math.min(started, observed) : observed;
    const ports = hostNetwork ? this.declaredPorts(pod) : undefined;
    for (const ip of ips) {
      this.pods.hold(ip, uid, holder, fromMs, hostNetwork ? { hostNetworkPorts: ports ?? [] } : {});
    }
    this.podAddresses.set(uid, { ips, hostNetwork });
  }

  private releasePod(uid: string, held: PodAddresses, toMs: number): void {
    for (const ip of held.ips) {
      const interval = this.pods.release(ip, uid, toMs);
      // Freeze its name as it is now, so its past is never renamed.
      if (interval && !interval.owner.frozen) interval.owner.frozen = this.podIdentity(interval.owner);
    }
    const remaining = this.podAddresses.get(uid);
    if (remaining) {
      remaining.ips = remaining.ips.filter((ip) => !held.ips.includes(ip));
      if (remaining.ips.length === 0) this.podAddresses.delete(uid);
    }
  }

  private podHolder(pod: V1Pod, uid: string): PodHolder {
    const meta = pod.metadata;
    return {
      uid,
      namespace: meta?.namespace ?? '',
      name: meta?.name ?? '',
      node: pod.spec?.nodeName ?? '',
      version: podVersion(meta?.labels, pod.spec?.containers?.[0]?.image),
      labels: meta?.labels ?? {},
      ownerReferences: (meta?.ownerReferences ?? []).map((r) => ({
        kind: r.kind,
        name: r.name,
        controller: r.controller,
        uid: r.uid,
      })),
      frozen: null,
    };
  }

  private podIps(pod: V1Pod): string[] {
    const raw = new Set<string>();
    if (pod.status?.podIP) raw.add(pod.status.podIP);
    for (const p of pod.status?.podIPs ?? []) if (p.ip) raw.add(p.ip);
    const out: string[] = [];
    for (const ip of raw) {
      const normalized = normalizeIp(ip);
      if (normalized !== null && !out.includes(normalized)) out.push(normalized);
    }
    return out;
  }

  private declaredPorts(pod: V1Pod): number[] {
    const ports: number[] = [];
    for (const container of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      for (const p of container.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        ports.push(p.hostPort ?? p.containerPort);
      }
    }
    return ports;
  }

  private onService(type: InventoryEventType, service: V1Service): void {
    const meta = service.metadata;
    const key = meta?.uid || `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
    const observed = this.now();
    const previous = this.serviceAddresses.get(key) ?? [];
    const ips = type === 'delete' ? [] : this.serviceIps(service);
    for (const ip of previous) if (!ips.includes(ip)) this.vips.release(ip, key, observed);
    if (ips.length === 0) {
      this.serviceAddresses.delete(key);
      return;
    }
    const holder: ServiceHolder = {
      namespace: meta?.namespace ?? '',
      name: meta?.name ?? '',
      ports: new Set((service.spec?.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.port)),
    };
    const created = timeMs(meta?.creationTimestamp as Date | string | undefined);
    const fromMs = created !== undefined ? Math.min(created, observed) : observed;
    for (const ip of ips) this.vips.hold(ip, key, holder, fromMs);
    this.serviceAddresses.set(key, ips);
  }

  private serviceIps(service: V1Service): string[] {
    const spec = service.spec;
    const raw: string[] = [];
    if (spec?.clusterIP && spec.clusterIP !== 'None') raw.push(spec.clusterIP);
    for (const ip of spec?.clusterIPs ?? []) if (ip !== 'None') raw.push(ip);
    for (const ip of spec?.externalIPs ?? []) raw.push(ip);
    for (const ingress of service.status?.loadBalancer?.ingress ?? []) if (ingress.ip) raw.push(ingress.ip);
    const out: string[] = [];
    for (const ip of raw) {
      const normalized = normalizeIp(ip);
      if (normalized !== null && !out.includes(normalized)) out.push(normalized);
    }
    return out;
  }
}
