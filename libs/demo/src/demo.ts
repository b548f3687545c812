/**
 * The living demo: a small web shop built on this machine and kept under
 * load, for Weft to map (`weft demo`, and `weft up --demo`).
 *
 * What is built (shop/shopTopology.ts says which services, pods, versions):
 * two simulated nodes in two zones, each a network namespace routing for its
 * pods; every pod a network namespace of its own with one program in it
 * (workload/podMain.ts, HTTP/1.1 between the web services, the Redis
 * protocol to the cache, PostgreSQL-style messages to the database); a
 * Service VIP per served workload, DNATed kube-proxy style in both nodes'
 * iptables; an external host for the payment provider; and a fixture
 * Kubernetes API (kubeApiServer.ts) describing nodes, workloads, pods,
 * Services and EndpointSlices. Every namespace is named
 * `weftdemo<pid>-<what>` and holds everything built for it (links, routes,
 * rules), so deleting the namespaces undoes the demo.
 *
 * How names, zones and VIPs reach the map: one Weft agent (the one `weft up`
 * runs in its own process) watches every pod's namespace (`--netns`, one per
 * pod) and reads the conntrack tables of both node namespaces
 * (`--conntrack-netns`), where the VIP DNAT happens. Every connection
 * between pods is then seen from both ends: the client's socket was dialled
 * at a VIP, its node's conntrack says which pod answered, and the ingest
 * joins it with the server's socket, so the edge lands on the backend
 * workload at its pod port. Names come from the Kubernetes API
 * (`--kube-api`): a pod's address gives its workload through its owners
 * (ReplicaSet -> Deployment, StatefulSet), its version from the
 * app.kubernetes.io/version label, its node from spec.nodeName and its zone
 * from that node's topology.kubernetes.io/zone label. None of that comes
 * from the agent's node id, so one agent for both simulated nodes names
 * every pod as one agent per node would, without a second agent process, a
 * gRPC listener or an ingest key (the shape test/e2e/twoNodeCluster.test.ts
 * runs). The payment provider has no agent: its edge is payment's half
 * alone, named by its address (`external:203.0.113.10`).
 *
 * One exception to the VIPs: payment's Service is headless, and checkout
 * balances over its two pods itself (as gRPC clients do). The agent reports
 * a connection refused at the SYN without its source port (the kernel has
 * released the port by the time the socket closes), so conntrack cannot
 * tell which pod a VIP led to, and a refusal through a VIP would land on
 * the Service (`k8s-svc:billing/payment`) instead of the canary pod. Dialled
 * at the pod, the canary's refusals are on its own version.
 *
 * Stopping: stop() ends the pods, the Kubernetes API and the namespaces;
 * the process's exit hook does the same synchronously if it exits first. A
 * demo killed with -9 leaves its namespaces (its pods exit: their stdin, a
 * pipe from the demo, closes); the next startDemo() removes the namespaces
 * of every demo whose process is gone before it builds.
 */
import { ClusterTopology, EXTERNAL_IPV4 } from './clusterTopology.js';
import { runCommand } from './commands.js';
import { serviceOf, type DemoPod, type DemoService, type DemoTopology, type LoadRhythm } from './demoTopology.js';
import { KubeApiServer } from './kubeApiServer.js';
import { checkRhythm } from './loadRhythm.js';
import { processAlive, processCommandLine, removeStaleNamespaces } from './namespaces.js';
import { PodProcess } from './podProcess.js';
import { assertDemoPrerequisites } from './prerequisites.js';
import { shopKubeObjects } from './shop/shopKubeObjects.js';
import { DEFAULT_RHYTHM, SHOP_NODES, shopTopology, type ShopServiceKey } from './shop/shopTopology.js';
import type { Address } from './workload/framedConnections.js';
import type { LoadStats } from './workload/loadGenerator.js';
import type { PodConfig } from './workload/podConfig.js';

/** The demo's namespaces: `weftdemo<pid>-...`, the pid of the process that built them. */
export const DEMO_NAMESPACE_PATTERN = /^weftdemo(\d+)-/;

export type { LoadStats };

export interface DemoOptions {
  /** The load's rhythm (default: 8 requests/s at the frontend, ±50%, over a 300 s day). */
  rhythm?: Partial<LoadRhythm>;
  /** Progress and the pods' failures, a line at a time (default: none). */
  log?: (line: string) => void;
  /** The load generator's figures, every 10 s. */
  onLoadStats?: (stats: LoadStats) => void;
}

/** What Weft must be given to map the demo: the flags of `weft up` / `weft agent` of the same names. */
export interface DemoWeftOptions {
  /** `--kube-api`: the fixture Kubernetes API. */
  kubeApi: string;
  /** `--netns`, one per pod: where the demo's sockets are. */
  netns: string[];
  /** `--conntrack-netns`, one per node: where the Service VIPs are DNATed. */
  conntrackNetns: string[];
}

export interface Demo {
  /** What was built: services, pods, versions, zones and the edges the load makes. */
  readonly topology: DemoTopology;
  readonly kubeApiUrl: string;
  readonly weftOptions: DemoWeftOptions;
  /** Every network namespace the demo made. */
  readonly namespaces: readonly string[];
  /** The pid the namespaces are named after. */
  readonly ownerPid: number;
  /** The pods' programs' pids (the external host's included). */
  podPids(): number[];
  /** Starts the load (once Weft watches, so it sees every connection from its start). Idempotent. */
  startLoad(): void;
  /** Stops the pods and the Kubernetes API and removes every namespace. Idempotent. */
  stop(): Promise<void>;
  /** The same, synchronously and at once (a second Ctrl-C, an exit handler). Never throws. */
  stopNow(): void;
}

/** Whether the process that built a demo's namespaces is still a running demo (its pid may have been reused). */
function demoRunning(pid: number): boolean {
  return processAlive(pid) && /\bdemo\b/.test(processCommandLine(pid));
}

/** Removes the namespaces (and what runs in them) of demos whose process is gone; returns their names. */
export function removeStaleDemoNamespaces(): string[] {
  return removeStaleNamespaces({ pattern: DEMO_NAMESPACE_PATTERN, ownerRunning: demoRunning });
}

interface PlacedPod {
  service: DemoService;
  pod: DemoPod;
  /** 1-based position on its node (the last octet of its address). */
  position: number;
}

/** Each node's pods in address order (the cluster gives pod n of a node the address 198.18.<node>.<n>). */
function podsByNode(topology: DemoTopology): Map<string, PlacedPod[]> {
  const byNode = new Map<string, PlacedPod[]>();
  for (const service of topology.services) {
    if (service.kind === 'External') continue;
    for (const pod of service.pods) {
      const list = byNode.get(pod.node) ?? [];
      list.push({ service, pod, position: Number(pod.ip.split('.')[3]) });
      byNode.set(pod.node, list);
    }
  }
  for (const [node, list] of byNode) {
    list.sort((a, b) => a.position - b.position);
    list.forEach((placed, i) => {
      if (placed.position !== i + 1) throw new Error(`shop topology: pods of ${node} are not at consecutive addresses (${placed.pod.ip})`);
    });
  }
  return byNode;
}

/** What cluster DNS would give a client for each service it calls: the VIP, a headless Service's pods, the external host's address. */
function upstreamsOf(topology: DemoTopology, client: string): Partial<Record<ShopServiceKey, Address[]>> {
  const upstreams: Partial<Record<ShopServiceKey, Address[]>> = {};
  for (const edge of topology.edges.filter((e) => e.client === client)) {
    const server = serviceOf(topology, edge.server);
    const addresses =
      server.kind === 'External' || server.headless
        ? server.pods.map((p) => ({ host: p.ip, port: edge.port }))
        : server.serviceIp !== null && server.servicePort !== null
          ? [{ host: server.serviceIp, port: server.servicePort }]
          : [];
    if (addresses.length === 0) throw new Error(`shop topology: ${client} calls ${edge.server}, which has no address`);
    upstreams[edge.server as ShopServiceKey] = addresses;
  }
  return upstreams;
}

function podConfigOf(topology: DemoTopology, service: DemoService, pod: DemoPod): PodConfig {
  const canary = topology.canary;
  return {
    service: service.key as ShopServiceKey,
    pod: pod.name,
    version: pod.version,
    protocol: service.protocol,
    listen: service.port === null ? null : { host: pod.ip, port: service.port },
    upstreams: upstreamsOf(topology, service.key),
    faults: pod.canary ? { resetShare: canary.resetShare, addedLatencyMs: canary.addedLatencyMs } : null,
    rhythm: service.key === 'loadgenerator' ? topology.rhythm : null,
  };
}

/** Builds the shop, starts its pods (the load waits for startLoad()) and the Kubernetes API. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? (() => undefined);
  assertDemoPrerequisites();
  const topology = shopTopology(checkRhythm({ ...DEFAULT_RHYTHM, ...options.rhythm }));

  const swept = removeStaleDemoNamespaces();
  if (swept.length > 0) {
    const owners = [...new Set(swept.map((name) => DEMO_NAMESPACE_PATTERN.exec(name)?.[1]))].join(', ');
    log(`removed ${swept.length} network namespaces left by a demo that did not stop (pid ${owners}), and what ran in them`);
  }

  const placed = podsByNode(topology);
  const started = Date.now();
  const cluster = await ClusterTopology.create({
    nodes: SHOP_NODES.map((n) => ({ name: n.key, pods: placed.get(n.name)?.length ?? 0, podNames: (placed.get(n.name) ?? []).map((p) => p.pod.netnsLabel) })),
    external: true,
    namePrefix: `weftdemo${process.pid}-`,
    exitOnSignals: false,
  });
  let kube: KubeApiServer | null = null;
  const pods: PodProcess[] = [];
  const netnsOf = new Map<DemoPod, string>();
  let stopping: Promise<void> | null = null;
  const stopNow = (): void => {
    for (const pod of pods) pod.kill();
    cluster.teardownSync();
  };
  try {
    SHOP_NODES.forEach((n) => {
      for (const p of placed.get(n.name) ?? []) {
        const clusterPod = cluster.pod(n.key, p.position);
        if (clusterPod.ipv4 !== p.pod.ip) throw new Error(`pod ${p.pod.name} should have ${p.pod.ip}, the cluster gave it ${clusterPod.ipv4}`);
        netnsOf.set(p.pod, clusterPod.netns);
      }
    });

    const served = topology.services.filter((s) => s.serviceIp !== null && s.servicePort !== null && s.port !== null);
    for (const service of served) {
      await cluster.addServiceVip({ vip: service.serviceIp as string, port: service.servicePort as number, backends: service.pods.map((p) => ({ ip: p.ip, port: service.port as number })) });
    }
    // The canary refuses a share of new connections: a RST to the SYN, before any socket exists.
    const canaryService = serviceOf(topology, topology.canary.service);
    for (const pod of canaryService.pods.filter((p) => p.canary)) {
      await runCommand('ip', [
        'netns', 'exec', netnsOf.get(pod) as string,
        'iptables', '-w', '-A', 'INPUT', '-p', 'tcp', '--dport', String(canaryService.port), '--syn',
        '-m', 'statistic', '--mode', 'random', '--probability', String(topology.canary.refusedShare),
        '-j', 'REJECT', '--reject-with', 'tcp-reset',
      ]);
    }
    log(
      `built ${topology.nodes.length} nodes (${topology.nodes.map((n) => `${n.name} in ${n.zone}`).join(', ')}), ` +
        `${[...netnsOf.keys()].length} pods of ${topology.services.filter((s) => s.kind !== 'External').length} workloads in namespaces ` +
        `${[...new Set(topology.services.map((s) => s.namespace).filter(Boolean))].join(', ')}, ${served.length} Service VIPs, ` +
        `and an external payment provider at ${EXTERNAL_IPV4}:${serviceOf(topology, 'payment-provider').port} (network namespaces ${cluster.prefix}*, ${Date.now() - started} ms)`,
    );

    kube = await KubeApiServer.start();
    const objects = kube.addAll(shopKubeObjects(topology));
    log(`Kubernetes API (a fixture serving ${objects.length} objects) at ${kube.url}`);

    const events = (label: string) => ({
      onEvent: (event: Record<string, unknown>) => {
        if (event.event === 'stats') options.onLoadStats?.(event as unknown as LoadStats);
      },
      // While stopping, pods see their upstreams go away: that is no news.
      onStderr: (line: string) => {
        if (!stopping) log(`pod ${label}: ${line}`);
      },
      onUnexpectedExit: (pod: PodProcess, exit: { code: number | null; signal: NodeJS.Signals | null }) => {
        if (!stopping) log(`warning: pod ${label} exited (${exit.code ?? exit.signal}) while the demo runs; its edges will go quiet. Its last errors: ${pod.lastErrors.trim() || 'none'}`);
      },
    });
    const provider = serviceOf(topology, 'payment-provider');
    const starts = [
      ...[...netnsOf].map(([pod, netns]) => {
        const service = topology.services.find((s) => s.pods.includes(pod)) as DemoService;
        return PodProcess.start(cluster, netns, podConfigOf(topology, service, pod), events(pod.name));
      }),
      PodProcess.start(cluster, cluster.external().netns, podConfigOf(topology, provider, provider.pods[0] as DemoPod), events('payment-provider')),
    ];
    const results = await Promise.allSettled(starts);
    for (const result of results) if (result.status === 'fulfilled') pods.push(result.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    log(`${pods.length} pod programs running (load waits until Weft watches)`);
  } catch (error) {
    stopping = Promise.resolve();
    await kube?.stop();
    for (const pod of pods) pod.kill();
    await cluster.teardown();
    throw error;
  }

  const kubeServer = kube;
  const loadGenerator = pods.find((p) => p.config.service === 'loadgenerator');
  return {
    topology,
    kubeApiUrl: kubeServer.url,
    weftOptions: { kubeApi: kubeServer.url, netns: [...netnsOf.values()], conntrackNetns: SHOP_NODES.map((n) => cluster.node(n.key).netns) },
    namespaces: cluster.allNetnsNames(),
    ownerPid: process.pid,
    podPids: () => pods.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
    startLoad: () => loadGenerator?.send('start'),
    stop(): Promise<void> {
      stopping ??= (async () => {
        await Promise.all(pods.map((pod) => pod.stop()));
        await kubeServer.stop();
        await cluster.teardown();
      })();
      return stopping;
    },
    stopNow,
  };
}
