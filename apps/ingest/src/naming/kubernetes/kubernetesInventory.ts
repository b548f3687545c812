/**
 * An in-memory copy of the cluster objects naming needs, kept current by
 * @kubernetes/client-node informers (list, then watch from the list's
 * resourceVersion), one per resource, across all namespaces: Pods, Services,
 * EndpointSlices (discovery.k8s.io/v1), ReplicaSets, Deployments,
 * StatefulSets, DaemonSets, Nodes. Memory is what the cluster has (the
 * informers' caches plus one small index of EndpointSlices by Service).
 *
 * client-node 1.4's ListWatch, which makeInformer returns, restarts itself
 * only when a watch ends cleanly (it re-watches from the last
 * resourceVersion) or on 410 Gone (it lists again). Any other failure (list
 * or watch request refused, HTTP error, a stream cut mid-way) is reported to
 * its `error` callbacks and the informer then stays stopped. So each error is
 * counted here and the informer is started again after a delay (backing off
 * while errors repeat); it lists
 * again only if it never got a list (otherwise it resumes the watch from its
 * last resourceVersion, and a 410 from there makes it list again).
 */
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  type Informer,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1DaemonSet,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Node,
  type V1Pod,
  type V1ReplicaSet,
  type V1Service,
  type V1StatefulSet,
} from '@kubernetes/client-node';

/** How to reach the API server. */
export type KubernetesConnection =
  | { kubeconfigPath: string; context?: string }
  | { inCluster: true }
  /** Plain URL, no credentials (tests: `{ server: 'http://127.0.0.1:PORT' }`). */
  | { server: string }
  | { kubeConfig: KubeConfig };

export function kubeConfigFor(connection: KubernetesConnection): KubeConfig {
  if ('kubeConfig' in connection) return connection.kubeConfig;
  const kc = new KubeConfig();
  if ('kubeconfigPath' in connection) {
    kc.loadFromFile(connection.kubeconfigPath);
    if (connection.context) kc.setCurrentContext(connection.context);
  } else if ('inCluster' in connection) {
    kc.loadFromCluster();
  } else {
    // client-node refuses http:// unless skipTLSVerify is set (there is no TLS to verify).
    const plainHttp = connection.server.startsWith('http://');
    kc.loadFromClusterAndUser({ name: 'weft', server: connection.server, skipTLSVerify: plainHttp }, { name: 'weft' });
  }
  if (!kc.getCurrentCluster()) throw new Error('kubernetes: the kubeconfig has no current cluster');
  return kc;
}

export type ResourceName =
  | 'pods'
  | 'services'
  | 'endpointslices'
  | 'replicasets'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'nodes';

export const RESOURCE_NAMES: readonly ResourceName[] = [
  'pods',
  'services',
  'endpointslices',
  'replicasets',
  'deployments',
  'statefulsets',
  'daemonsets',
  'nodes',
];

interface ResourceTypes {
  pods: V1Pod;
  services: V1Service;
  endpointslices: V1EndpointSlice;
  replicasets: V1ReplicaSet;
  deployments: V1Deployment;
  statefulsets: V1StatefulSet;
  daemonsets: V1DaemonSet;
  nodes: V1Node;
}

/** The watch path of each resource, all namespaces. */
export const RESOURCE_PATHS: Readonly<Record<ResourceName, string>> = {
  pods: '/api/v1/pods',
  services: '/api/v1/services',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
  replicasets: '/apis/apps/v1/replicasets',
  deployments: '/apis/apps/v1/deployments',
  statefulsets: '/apis/apps/v1/statefulsets',
  daemonsets: '/apis/apps/v1/daemonsets',
  nodes: '/api/v1/nodes',
};

export type InventoryEventType = 'add' | 'update' | 'delete';
export type InventoryListener<T> = (type: InventoryEventType, object: T) => void;

export interface KubernetesInventoryOptions {
  /**
   * Delay before an informer that reported an error is started again
   * (default 1 s), doubled for each further error in a row up to
   * maxRestartDelayMs (default 60 s); a successful list or any watch event
   * resets it.
   */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** start() rejects if the initial lists are not all done by then (informers keep retrying). */
  syncTimeoutMs?: number;
  /** Errors go here too (default: none; they are counted either way). */
  onError?: (resource: ResourceName, error: unknown) => void;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

interface Entry<T extends KubernetesObject> {
  resource: ResourceName;
  informer: Informer<T> & ObjectCache<T>;
  synced: boolean;
  errors: number;
  /** Errors since the last sign of health (a list or an event). */
  consecutiveErrors: number;
  restarts: number;
  restartTimer: NodeJS.Timeout | null;
  /** The connection pool of the informer's current watch request. */
  watchAgent: { destroy(): void } | null;
  listeners: InventoryListener<T>[];
}

type Entries = { [R in ResourceName]: Entry<ResourceTypes[R]> };

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

export interface InformerStats {
  synced: boolean;
  errors: number;
  restarts: number;
  objects: number;
}

export class KubernetesInventory {
  readonly kubeConfig: KubeConfig;
  private readonly entries: Entries;
  private readonly restartDelayMs: number;
  private readonly maxRestartDelayMs: number;
  private readonly syncTimeoutMs: number | undefined;
  private readonly onError: KubernetesInventoryOptions['onError'];
  private stopped = true;
  private syncWaiters: Array<() => void> = [];
  /** EndpointSlice key -> the `ns/service` it belongs to, and the reverse. */
  private readonly sliceService = new Map<string, string>();
  private readonly slicesByService = new Map<string, Set<string>>();

  constructor(connection: KubernetesConnection, options: KubernetesInventoryOptions = {}) {
    this.kubeConfig = kubeConfigFor(connection);
    this.restartDelayMs = options.restartDelayMs ?? 1_000;
    this.maxRestartDelayMs = Math.max(this.restartDelayMs, options.maxRestartDelayMs ?? 60_000);
    this.syncTimeoutMs = options.syncTimeoutMs;
    this.onError = options.onError;
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const apps = this.kubeConfig.makeApiClient(AppsV1Api);
    const discovery = this.kubeConfig.makeApiClient(DiscoveryV1Api);
    this.entries = {
      pods: this.entry('pods', () => core.listPodForAllNamespaces()),
      services: this.entry('services', () => core.listServiceForAllNamespaces()),
      endpointslices: this.entry('endpointslices', () => discovery.listEndpointSliceForAllNamespaces()),
      replicasets: this.entry('replicasets', () => apps.listReplicaSetForAllNamespaces()),
      deployments: this.entry('deployments', () => apps.listDeploymentForAllNamespaces()),
      statefulsets: this.entry('statefulsets', () => apps.listStatefulSetForAllNamespaces()),
      daemonsets: this.entry('daemonsets', () => apps.listDaemonSetForAllNamespaces()),
      nodes: this.entry('nodes', () => core.listNode()),
    };
    this.entries.endpointslices.listeners.push((type, slice) => this.indexSlice(type, slice));
  }

  /**
   * Starts every informer; resolves when each has done its initial list (its
   * objects are in the cache and its listeners have seen them as `add`).
   */
  async start(): Promise<void> {
    if (!this.stopped) return this.whenSynced();
    this.stopped = false;
    for (const resource of RESOURCE_NAMES) void this.startInformer(resource);
    return this.whenSynced();
  }

  /** Stops every informer and pending restart. The caches keep their last contents. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const wake of waiters) wake();
    await Promise.all(
      RESOURCE_NAMES.map(async (resource) => {
        const entry = this.entries[resource] as Entry<KubernetesObject>;
        if (entry.restartTimer) clearTimeout(entry.restartTimer);
        entry.restartTimer = null;
        await entry.informer.stop();
        entry.watchAgent?.destroy();
        entry.watchAgent = null;
      }),
    );
  }

  get synced(): boolean {
    return RESOURCE_NAMES.every((r) => this.entries[r].synced);
  }

  /** Errors the informers reported (list or watch failures, dropped streams), all resources. */
  get errorCount(): number {
    return RESOURCE_NAMES.reduce((sum, r) => sum + this.entries[r].errors, 0);
  }

  /** Restarts after an error, all resources. */
  get restartCount(): number {
    return RESOURCE_NAMES.reduce((sum, r) => sum + this.entries[r].restarts, 0);
  }

  stats(): Record<ResourceName, InformerStats> {
    const out = {} as Record<ResourceName, InformerStats>;
    for (const r of RESOURCE_NAMES) {
      const e = this.entries[r];
      out[r] = { synced: e.synced, errors: e.errors, restarts: e.restarts, objects: e.informer.list().length };
    }
    return out;
  }

  /** Called for every add/update/delete of `resource` (including the initial list's adds). */
  on<R extends ResourceName>(resource: R, listener: InventoryListener<ResourceTypes[R]>): () => void {
    const listeners = this.entries[resource].listeners as InventoryListener<ResourceTypes[R]>[];
    listeners.push(listener);
    return () => {
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
    };
  }

  list<R extends ResourceName>(resource: R): ReadonlyArray<ResourceTypes[R]> {
    return (this.entries[resource].informer as ObjectCache<ResourceTypes[R]>).list();
  }

  pod(namespace: string, name: string): V1Pod | undefined {
    return this.entries.pods.informer.get(name, namespace);
  }
  service(namespace: string, name: string): V1Service | undefined {
    return this.entries.services.informer.get(name, namespace);
  }
  replicaSet(namespace: string, name: string): V1ReplicaSet | undefined {
    return this.entries.replicasets.informer.get(name, namespace);
  }
  deployment(namespace: string, name: string): V1Deployment | undefined {
    return this.entries.deployments.informer.get(name, namespace);
  }
  statefulSet(namespace: string, name: string): V1StatefulSet | undefined {
    return this.entries.statefulsets.informer.get(name, namespace);
  }
  daemonSet(namespace: string, name: string): V1DaemonSet | undefined {
    return this.entries.daemonsets.informer.get(name, namespace);
  }
  node(name: string): V1Node | undefined {
    return this.entries.nodes.informer.get(name);
  }

  /** The EndpointSlices of a Service (by their kubernetes.io/service-name label). */
  endpointSlicesOf(namespace: string, serviceName: string): V1EndpointSlice[] {
    const keys = this.slicesByService.get(key(namespace, serviceName));
    if (!keys) return [];
    const out: V1EndpointSlice[] = [];
    for (const k of keys) {
      const name = k.slice(k.indexOf('/') + 1);
      const slice = this.entries.endpointslices.informer.get(name, namespace);
      if (slice) out.push(slice);
    }
    return out;
  }

  private entry<R extends ResourceName>(
    resource: R,
    list: () => Promise<KubernetesListObject<ResourceTypes[R]>>,
  ): Entry<ResourceTypes[R]> {
    type T = ResourceTypes[R];
    const listed = async (): Promise<KubernetesListObject<T>> => {
      const result = await list();
      // A list that lands after stop() must not open a watch.
      if (this.stopped) throw new Error(`kubernetes ${resource}: stopped`);
      entry.consecutiveErrors = 0;
      if (!entry.synced) {
        // The informer adds the items right after this promise settles, in
        // the same turn; mark synced once that is done.
        setImmediate(() => {
          entry.synced = true;
          this.wakeSyncWaiters();
        });
      }
      return result;
    };
    // client-node's ListWatch.stop() aborts the watch it holds, but a watch
    // still connecting at that moment is assigned afterwards and stays open.
    // The informer's watches go through this view of the KubeConfig, which
    // refuses new ones after stop() and keeps the agent (pool) of the current
    // one so stop() can close its socket whatever state it is in.
    const watchConfig = Object.create(this.kubeConfig) as KubeConfig;
    watchConfig.applyToFetchOptions = async (opts) => {
      if (this.stopped) throw new Error(`kubernetes ${resource}: stopped`);
      const init = await this.kubeConfig.applyToFetchOptions(opts);
      const agent = init.agent as { destroy?: () => void } | undefined;
      if (agent && typeof agent.destroy === 'function') entry.watchAgent = agent as { destroy(): void };
      if (this.stopped) {
        entry.watchAgent?.destroy();
        throw new Error(`kubernetes ${resource}: stopped`);
      }
      return init;
    };
    const informer = makeInformer<T>(watchConfig, RESOURCE_PATHS[resource], listed);
    const entry: Entry<T> = {
      resource,
      informer,
      synced: false,
      errors: 0,
      consecutiveErrors: 0,
      restarts: 0,
      restartTimer: null,
      watchAgent: null,
      listeners: [],
    };
    const emit = (type: InventoryEventType) => (object: T) => {
      entry.consecutiveErrors = 0;
      for (const listener of entry.listeners.slice()) listener(type, object);
    };
    informer.on('add', emit('add'));
    informer.on('update', emit('update'));
    informer.on('delete', emit('delete'));
    informer.on('error', (error: unknown) => this.informerFailed(entry as unknown as Entry<KubernetesObject>, error));
    return entry;
  }

  private async startInformer(resource: ResourceName): Promise<void> {
    const entry = this.entries[resource] as Entry<KubernetesObject>;
    entry.restartTimer = null;
    if (this.stopped) return;
    try {
      await entry.informer.start();
    } catch (error) {
      // start() reports through the error callbacks; a throw is unexpected.
      this.informerFailed(entry, error);
    }
  }

  private informerFailed(entry: Entry<KubernetesObject>, error: unknown): void {
    // stop() aborts the watch request, which the informer reports as an error.
    if (this.stopped) return;
    entry.errors++;
    entry.consecutiveErrors++;
    this.onError?.(entry.resource, error);
    if (entry.restartTimer) return;
    const delay = Math.min(this.maxRestartDelayMs, this.restartDelayMs * 2 ** Math.min(entry.consecutiveErrors - 1, 16));
    entry.restartTimer = setTimeout(() => {
      entry.restarts++;
      void this.startInformer(entry.resource);
    }, delay);
    entry.restartTimer.unref?.();
  }

  private whenSynced(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        if (this.stopped) {
          if (timer) clearTimeout(timer);
          reject(new Error('kubernetes: inventory stopped before its initial lists were done'));
          return true;
        }
        if (this.synced) {
          if (timer) clearTimeout(timer);
          resolve();
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = () => {
        if (!check()) this.syncWaiters.push(waiter);
      };
      this.syncWaiters.push(waiter);
      if (this.syncTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          const index = this.syncWaiters.indexOf(waiter);
          if (index >= 0) this.syncWaiters.splice(index, 1);
          const missing = RESOURCE_NAMES.filter((r) => !this.entries[r].synced);
          reject(
            new Error(
              `kubernetes: initial list not done within ${this.syncTimeoutMs} ms for ${missing.join(', ')} ` +
                `(${this.errorCount} informer errors)`,
            ),
          );
        }, this.syncTimeoutMs);
      }
    });
  }

  private wakeSyncWaiters(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const wake of waiters) wake();
  }

  private indexSlice(type: InventoryEventType, slice: V1EndpointSlice): void {
    const sliceKey = key(slice.metadata?.namespace, slice.metadata?.name);
    const previous = this.sliceService.get(sliceKey);
    if (previous !== undefined) {
      const set = this.slicesByService.get(previous);
      set?.delete(sliceKey);
      if (set?.size === 0) this.slicesByService.delete(previous);
      this.sliceService.delete(sliceKey);
    }
    if (type === 'delete') return;
    const serviceName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!serviceName) return;
    const serviceKey = key(slice.metadata?.namespace, serviceName);
    this.sliceService.set(sliceKey, serviceKey);
    let set = this.slicesByService.get(serviceKey);
    if (!set) {
      set = new Set();
      this.slicesByService.set(serviceKey, set);
    }
    set.add(sliceKey);
  }
}
