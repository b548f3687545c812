/**
 * A two-node (or N-node) Kubernetes-like cluster built from network
 * namespaces: what `weft demo` runs its shop on, and what the end-to-end
 * tests run with one Weft agent per node (test/fixtures/clusterTopology.ts):
 *
 *                         fabric netns: bridge br0 (a plain L2 switch)
 *            veth-a  |            veth-b  |               veth-ext |
 *   node a netns  fab0 198.18.0.1/24   node b fab0 198.18.0.2/24   external netns eth0 198.18.0.100/24
 *     ip_forward, calico style:          (same as node a)            lo: 203.0.113.10/32
 *     caliN -> /32 route to its pod                                  routes each node's pod /24 via
 *       |  veth pair                                                 that node, src 203.0.113.10
 *   pod a1..aN netns eth0 198.18.1.N/32  pod b1..bN eth0 198.18.2.N/32
 *     default via its node's fabric IP (on-link route; the node answers ARP for it)
 *
 * Node i (1-based, in the order given) has fabric IP 198.18.0.i and pod
 * network 198.18.i.0/24; every node routes every other node's pod /24 via
 * that node's fabric IP, and 203.0.113.0/24 via the external host. Nothing
 * SNATs: every end sees the other's real address unless a service VIP's DNAT
 * says otherwise. Service VIPs (198.19.0.0/24) are DNAT rules installed in
 * every node netns (KUBE-SERVICES, jumped to from PREROUTING and OUTPUT),
 * kube-proxy style, so a pod's connection to a VIP is translated by its own
 * node's conntrack and crosses the fabric already addressed to the backend pod.
 *
 * Names carry a per-run prefix: by default `wt<pid>k<letters>-` (what the
 * tests' stale-namespace sweep and scripts/test.sh recognise), or the
 * caller's (`weftdemo<pid>-`). Teardown runs on teardown(), on process exit
 * and, unless the caller handles signals itself, on SIGINT/SIGTERM/SIGHUP.
 * Everything lives inside the cluster's own namespaces (links, routes, the
 * iptables rules of the node namespaces), so deleting them removes it all:
 * nothing is added to the namespace the process runs in. IPv4 only.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { runCommand, type CommandOutput } from './commands.js';
import { deleteNetns, deleteNetnsSync, listNetns, netnsInode, removeStaleNamespaces } from './namespaces.js';

/** Service VIPs come from here; nothing owns these addresses. */
export const CLUSTER_SERVICE_CIDR = '198.19.0.0/24';
export const CLUSTER_SERVICE_IPV4_BASE = '198.19.0.';
export const EXTERNAL_FABRIC_IPV4 = '198.18.0.100';
export const EXTERNAL_IPV4 = '203.0.113.10';
export const EXTERNAL_CIDR = '203.0.113.0/24';

/** The nat chain PREROUTING and OUTPUT jump to in every node netns (kube-proxy's name). */
export const SERVICES_CHAIN = 'KUBE-SERVICES';

export const clusterNodeIpv4 = (nodeIndex: number): string => `198.18.0.${nodeIndex}`;
export const clusterPodCidr = (nodeIndex: number): string => `198.18.${nodeIndex}.0/24`;
export const clusterPodIpv4 = (nodeIndex: number, podIndex: number): string => `198.18.${nodeIndex}.${podIndex}`;

export interface ClusterNodeSpec {
  /** Lower-case letters/digits, at most 8 characters ('a', 'b', 'worker1'). */
  name: string;
  pods: number;
  /**
   * Names of the pods' namespaces (after the prefix), one per pod, unique in
   * the cluster: `frontend-a` is `<prefix>frontend-a`. Default `pod-<node><n>`.
   */
  podNames?: string[];
}

export interface ClusterOptions {
  nodes: ClusterNodeSpec[];
  /** Adds the external host (198.18.0.100 on the fabric, 203.0.113.10 on its loopback). */
  external?: boolean;
  /**
   * Prefix of every namespace name; it should carry this process's pid so a
   * later run can tell leftovers (see removeStaleNamespaces). Default
   * `wt<pid>k<letters>-`, and then the tests' leftovers are swept first.
   */
  namePrefix?: string;
  /**
   * On SIGINT/SIGTERM/SIGHUP: tear down and exit (default true). false: the
   * caller handles signals (and calls teardown()); the exit hook still tears down.
   */
  exitOnSignals?: boolean;
}

export interface ClusterNode {
  name: string;
  /** 1-based position in the spec; the third octet of its pods' addresses. */
  index: number;
  /** Name as `ip netns` knows it. */
  netns: string;
  /** Inode of the namespace (what the agent reports as `netns`). */
  inode: number;
  /** The node's fabric address (on fab0). */
  ipv4: string;
  podCidr: string;
  /** The node's interface on the fabric. */
  fabricInterface: 'fab0';
}

export interface ClusterPod {
  node: string;
  index: number;
  netns: string;
  inode: number;
  ipv4: string;
  podInterface: 'eth0';
  /** The veth end in the node namespace. */
  nodeInterface: string;
}

export interface ClusterExternal {
  netns: string;
  inode: number;
  /** The address the external host dials from and is dialled at. */
  ipv4: string;
  fabricIpv4: string;
}

export interface ServiceBackend {
  ip: string;
  port: number;
}

export interface ServiceVip {
  vip: string;
  port: number;
  backends: ServiceBackend[];
  /** The nat chain holding the DNAT rules, in every node netns. */
  chain: string;
}

const liveClusters = new Set<ClusterTopology>();
let exitHookInstalled = false;
let signalHooksInstalled = false;
let clusterCount = 0;

function installExitHooks(exitOnSignals: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const cluster of liveClusters) cluster.teardownSync();
    });
  }
  if (!exitOnSignals || signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const cluster of liveClusters) cluster.teardownSync();
      // process.exit also runs the other fixtures' 'exit' hooks (netnsTopology's).
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** 0 -> a, 25 -> z, 26 -> ba ... (letters only, so names match /^wt\d+[a-z]+-/). */
function letters(n: number): string {
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

/** Runs `ip` commands (one per line, without the leading `ip`) in one process, optionally inside a namespace. */
function ipBatch(netns: string | undefined, lines: string[]): Promise<CommandOutput> {
  const args = netns === undefined ? ['-batch', '-'] : ['-n', netns, '-batch', '-'];
  return runCommand('ip', args, { input: `${lines.join('\n')}\n` });
}

export class ClusterTopology {
  private readonly nodes = new Map<string, ClusterNode>();
  private readonly podsByNode = new Map<string, ClusterPod[]>();
  private readonly externalHost: ClusterExternal | undefined;
  readonly fabricNetns: string;
  private readonly services: ServiceVip[] = [];
  private readonly children = new Set<ChildProcess>();
  /** Set once every namespace is gone. */
  private tornDown = false;
  private teardownPromise: Promise<void> | undefined;

  private constructor(
    readonly prefix: string,
    options: ClusterOptions,
  ) {
    this.fabricNetns = `${prefix}fabric`;
    options.nodes.forEach((spec, i) => {
      const index = i + 1;
      this.nodes.set(spec.name, {
        name: spec.name,
        index,
        netns: `${prefix}node-${spec.name}`,
        inode: 0,
        ipv4: clusterNodeIpv4(index),
        podCidr: clusterPodCidr(index),
        fabricInterface: 'fab0',
      });
      this.podsByNode.set(
        spec.name,
        Array.from({ length: spec.pods }, (_, p) => ({
          node: spec.name,
          index: p + 1,
          netns: `${prefix}${spec.podNames?.[p] ?? `pod-${spec.name}${p + 1}`}`,
          inode: 0,
          ipv4: clusterPodIpv4(index, p + 1),
          podInterface: 'eth0' as const,
          nodeInterface: `cali${p + 1}`,
        })),
      );
    });
    if (options.external) {
      this.externalHost = { netns: `${prefix}external`, inode: 0, ipv4: EXTERNAL_IPV4, fabricIpv4: EXTERNAL_FABRIC_IPV4 };
    }
  }

  /** Builds the cluster. Tears everything down again if any step fails. */
  static async create(options: ClusterOptions): Promise<ClusterTopology> {
    const names = new Set<string>();
    if (options.nodes.length < 1 || options.nodes.length > 99) throw new Error(`nodes must be 1..99, got ${options.nodes.length}`);
    for (const spec of options.nodes) {
      if (!/^[a-z][a-z0-9]{0,7}$/.test(spec.name)) throw new Error(`node name ${JSON.stringify(spec.name)}: use 1-8 lower-case letters/digits`);
      if (names.has(spec.name)) throw new Error(`node name ${spec.name} given twice`);
      names.add(spec.name);
      if (!Number.isInteger(spec.pods) || spec.pods < 0 || spec.pods > 250) throw new Error(`node ${spec.name}: pods must be 0..250, got ${spec.pods}`);
      if (spec.podNames) {
        if (spec.podNames.length !== spec.pods) throw new Error(`node ${spec.name}: ${spec.podNames.length} pod names for ${spec.pods} pods`);
        for (const podName of spec.podNames) {
          if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(podName)) throw new Error(`pod name ${JSON.stringify(podName)}: use 1-40 lower-case letters, digits and dashes`);
          if (names.has(`pod ${podName}`)) throw new Error(`pod name ${podName} given twice`);
          if (podName === 'fabric' || podName === 'external' || podName.startsWith('node-')) throw new Error(`pod name ${podName}: taken by the cluster's own namespaces`);
          names.add(`pod ${podName}`);
        }
      }
    }
    if (options.namePrefix !== undefined && !/^[a-z][a-z0-9]*\d+[a-z0-9]*-$/.test(options.namePrefix)) {
      throw new Error(`namePrefix ${JSON.stringify(options.namePrefix)}: lower-case letters and digits with the pid in it, ending in '-'`);
    }
    installExitHooks(options.exitOnSignals ?? true);
    if (options.namePrefix === undefined) removeStaleNamespaces();
    const cluster = new ClusterTopology(options.namePrefix ?? `wt${process.pid}k${letters(clusterCount++)}-`, options);
    liveClusters.add(cluster);
    try {
      await cluster.build();
    } catch (error) {
      cluster.teardownSync();
      throw error;
    }
    return cluster;
  }

  node(name: string): ClusterNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name} (cluster has ${[...this.nodes.keys()].join(', ')})`);
    return node;
  }

  /** Pod `index` (1-based) of node `nodeName`. */
  pod(nodeName: string, index: number): ClusterPod {
    const pod = this.pods(nodeName)[index - 1];
    if (!pod) throw new Error(`no pod ${index} on node ${nodeName} (it has ${this.pods(nodeName).length})`);
    return pod;
  }

  pods(nodeName: string): ClusterPod[] {
    const pods = this.podsByNode.get(nodeName);
    if (!pods) throw new Error(`no node ${nodeName}`);
    return pods;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  external(): ClusterExternal {
    if (!this.externalHost) throw new Error('cluster was built without external: true');
    return this.externalHost;
  }

  /** What one node's agent watches (`--netns NAME` each): the node netns, then its pods'. */
  nodeNetnsNames(nodeName: string): string[] {
    return [this.node(nodeName).netns, ...this.pods(nodeName).map((pod) => pod.netns)];
  }

  /** Every namespace of the cluster (fabric and external host included). */
  allNetnsNames(): string[] {
    return [
      this.fabricNetns,
      ...[...this.nodes.keys()].flatMap((name) => this.nodeNetnsNames(name)),
      ...(this.externalHost ? [this.externalHost.netns] : []),
    ];
  }

  /** Namespaces of this cluster that still exist (for teardown checks). */
  remainingNamespaces(): string[] {
    const names = new Set(this.allNetnsNames());
    return listNetns().filter((name) => names.has(name));
  }

  private async build(): Promise<void> {
    const fabric = this.fabricNetns;
    const nodes = [...this.nodes.values()];
    const external = this.externalHost;

    // 1. Every namespace, in one `ip` process.
    await ipBatch(undefined, this.allNetnsNames().map((name) => `netns add ${name}`));
    for (const node of nodes) node.inode = netnsInode(node.netns);
    for (const pod of [...this.podsByNode.values()].flat()) pod.inode = netnsInode(pod.netns);
    if (external) external.inode = netnsInode(external.netns);

    // 2. Links: the bridge, and every veth pair, created from the node / external side.
    await Promise.all([
      ipBatch(fabric, ['link set lo up', 'link add br0 type bridge stp_state 0 forward_delay 0', 'link set br0 up']),
      ...nodes.map((node) =>
        ipBatch(node.netns, [
          `link add fab0 type veth peer name veth-${node.name} netns ${fabric}`,
          ...this.pods(node.name).map((pod) => `link add ${pod.nodeInterface} type veth peer name eth0 netns ${pod.netns}`),
        ]),
      ),
      ...(external ? [ipBatch(external.netns, [`link add eth0 type veth peer name veth-ext netns ${fabric}`])] : []),
    ]);

    // 3. Addresses, routes and sysctls, every namespace in parallel.
    const ports = [...nodes.map((node) => `veth-${node.name}`), ...(external ? ['veth-ext'] : [])];
    await Promise.all([
      // A plain switch: bridged frames skip the fabric's netfilter.
      this.sysctl(fabric, { 'net.bridge.bridge-nf-call-iptables': 0, 'net.bridge.bridge-nf-call-ip6tables': 0, 'net.bridge.bridge-nf-call-arptables': 0 }).then(() =>
        ipBatch(fabric, ports.flatMap((port) => [`link set ${port} master br0`, `link set ${port} up`])),
      ),
      ...nodes.map((node) => this.buildNode(node, nodes)),
      ...(external ? [this.buildExternal(external, nodes)] : []),
    ]);
  }

  private async buildNode(node: ClusterNode, nodes: ClusterNode[]): Promise<void> {
    const pods = this.pods(node.name);
    await this.sysctl(node.netns, {
      'net.ipv4.ip_forward': 1,
      'net.ipv4.conf.all.rp_filter': 0,
      'net.ipv4.conf.default.rp_filter': 0,
      ...Object.fromEntries(pods.map((pod) => [`net.ipv4.conf.${pod.nodeInterface}.proxy_arp`, 1])),
    });
    await ipBatch(node.netns, [
      'link set lo up',
      `addr add ${node.ipv4}/24 dev fab0`,
      'link set fab0 up',
      ...pods.flatMap((pod) => [`link set ${pod.nodeInterface} up`, `route add ${pod.ipv4}/32 dev ${pod.nodeInterface}`]),
      ...nodes.filter((other) => other !== node).map((other) => `route add ${other.podCidr} via ${other.ipv4} dev fab0`),
      ...(this.externalHost ? [`route add ${EXTERNAL_CIDR} via ${EXTERNAL_FABRIC_IPV4} dev fab0`] : []),
      // Lets hostNetwork processes connect() to a VIP (a route is needed before OUTPUT's DNAT reroutes).
      `route add ${CLUSTER_SERVICE_CIDR} dev fab0 src ${node.ipv4}`,
    ]);
    // kube-proxy's entry chain, empty until a service VIP is added. The
    // kernel tracks connections in a namespace only once a rule there needs
    // conntrack (a DNAT target or a conntrack match; an empty chain is not
    // enough), so the jumps carry `--ctstate NEW` (a no-op in the nat table,
    // which only ever sees a connection's first packet): every flow through a
    // node is in its conntrack table from the start, as on a real node.
    await this.natRestore(node.netns, [
      `:${SERVICES_CHAIN} - [0:0]`,
      `-A PREROUTING -m conntrack --ctstate NEW -j ${SERVICES_CHAIN}`,
      `-A OUTPUT -m conntrack --ctstate NEW -j ${SERVICES_CHAIN}`,
    ]);
    await Promise.all(
      pods.map((pod) =>
        ipBatch(pod.netns, [
          'link set lo up',
          `addr add ${pod.ipv4}/32 dev eth0`,
          'link set eth0 up',
          `route add ${node.ipv4}/32 dev eth0 scope link`,
          `route add default via ${node.ipv4} dev eth0`,
        ]),
      ),
    );
  }

  private async buildExternal(external: ClusterExternal, nodes: ClusterNode[]): Promise<void> {
    await ipBatch(external.netns, [
      'link set lo up',
      `addr add ${EXTERNAL_IPV4}/32 dev lo`,
      `addr add ${EXTERNAL_FABRIC_IPV4}/24 dev eth0`,
      'link set eth0 up',
      // Dial pods from the public address, not the fabric one.
      ...nodes.map((node) => `route add ${node.podCidr} via ${node.ipv4} dev eth0 src ${EXTERNAL_IPV4}`),
    ]);
  }

  private async sysctl(netns: string, settings: Record<string, string | number>): Promise<void> {
    const args = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
    await this.exec(netns, 'sysctl', ['-q', '-w', ...args]);
  }

  /** Runs a command inside a namespace to completion. */
  exec(netns: string, file: string, args: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandOutput> {
    return runCommand('ip', ['netns', 'exec', netns, file, ...args], options);
  }

  /**
   * Starts a process inside a namespace. `ip netns exec` execs the command
   * in place, so the child's pid is the command's pid. Killed at teardown.
   */
  spawnIn(netns: string, file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.adopt(child);
    return child;
  }

  /** Tracks a process started elsewhere so teardown kills it too. */
  adopt(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /**
   * A Service VIP the kube-proxy way, in every node netns: KUBE-SERVICES
   * (jumped to from PREROUTING for pods' traffic routed through the node, and
   * from OUTPUT for hostNetwork processes) sends the VIP:port to a
   * per-service nat chain that DNATs to a backend. Several backends take
   * connections in turn (`-m statistic --mode nth`, counted per node).
   */
  async addServiceVip({ vip, port, backends }: { vip: string; port: number; backends: ServiceBackend[] }): Promise<ServiceVip> {
    if (vip.includes(':')) throw new Error('ClusterTopology is IPv4 only');
    if (backends.length === 0) throw new Error('a service VIP needs at least one backend');
    const chain = `WT-SVC-${this.services.length + 1}`;
    const rules = [`:${chain} - [0:0]`];
    backends.forEach((backend, i) => {
      const remaining = backends.length - i;
      const nth = remaining > 1 ? ` -m statistic --mode nth --every ${remaining} --packet 0` : '';
      rules.push(`-A ${chain} -p tcp${nth} -j DNAT --to-destination ${backend.ip}:${backend.port}`);
    });
    rules.push(`-A ${SERVICES_CHAIN} -d ${vip}/32 -p tcp -m tcp --dport ${port} -j ${chain}`);
    await Promise.all([...this.nodes.values()].map((node) => this.natRestore(node.netns, rules)));
    const service: ServiceVip = { vip, port, backends: backends.map((b) => ({ ...b })), chain };
    this.services.push(service);
    return service;
  }

  /** Adds nat-table lines (iptables-save syntax) in one atomic `iptables-restore --noflush`. */
  private async natRestore(netns: string, lines: string[]): Promise<void> {
    await this.exec(netns, 'iptables-restore', ['-w', '--noflush'], { input: `*nat\n${lines.join('\n')}\nCOMMIT\n` });
  }

  serviceVips(): readonly ServiceVip[] {
    return this.services;
  }

  /** Conntrack entries (TCP, IPv4) of a node's namespace: `conntrack -L` output, one flow per line. */
  async conntrackEntries(nodeName: string): Promise<string[]> {
    const { stdout } = await this.exec(this.node(nodeName).netns, 'conntrack', ['-L', '-f', 'ipv4', '-p', 'tcp']);
    return stdout.split('\n').filter((line) => line.trim().length > 0);
  }

  /**
   * Kills every process started here and everything still inside the
   * namespaces, then deletes them (in parallel). Idempotent. The nat rules
   * live in the node namespaces and go with them.
   */
  teardown(): Promise<void> {
    this.teardownPromise ??= this.teardownAsync();
    return this.teardownPromise;
  }

  private async teardownAsync(): Promise<void> {
    if (this.tornDown) return;
    const exits = [...this.children].map(
      (child) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()))),
    );
    this.killChildren();
    await Promise.all(this.allNetnsNames().map((name) => deleteNetns(name)));
    this.tornDown = true;
    liveClusters.delete(this);
    await Promise.race([Promise.all(exits), new Promise((done) => setTimeout(done, 5_000).unref())]);
  }

  /** Synchronous teardown for exit and signal handlers (also mid-way through teardown()). Idempotent, never throws. */
  teardownSync(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    liveClusters.delete(this);
    this.killChildren();
    for (const name of this.allNetnsNames()) deleteNetnsSync(name);
  }

  private killChildren(): void {
    for (const child of this.children) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
