/**
 * A fixture Kubernetes API server, for the demo (which names its shop with
 * it) and the tests: list and watch of Pods, Services,
 * Nodes, EndpointSlices, ReplicaSets, Deployments, StatefulSets, DaemonSets
 * (and Jobs), in real-shaped JSON, on a loopback port, so the real
 * @kubernetes/client-node informers run against it.
 *
 * What it speaks (the subset the informers use, measured with client-node 1.4):
 *   GET /api/v1/pods                         -> PodList {metadata.resourceVersion, items}
 *   GET /api/v1/pods?watch=true&resourceVersion=N
 *        -> 200, chunked, one JSON event per line:
 *           {"type":"ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR","object":{...}}
 *           replaying every change after N, then live changes.
 *           A resourceVersion older than the kept event log -> an ERROR event
 *           carrying a 410 Status, then the stream ends (as the real server).
 *   Also namespaced paths (/api/v1/namespaces/<ns>/pods), single objects
 *   (/api/v1/namespaces/<ns>/pods/<name>), allowWatchBookmarks=true (bookmark()),
 *   timeoutSeconds (the watch ends after it), and the groups apps/v1,
 *   discovery.k8s.io/v1, batch/v1. Unknown paths: 404 Status JSON.
 *
 * The caller drives it: add(obj) / update(obj) / remove(kind, namespace, name)
 * push ADDED / MODIFIED / DELETED to open watches; dropWatches() closes the
 * watch streams (cleanly or abruptly); failRequests() answers the next
 * requests of a resource with an HTTP error; every request is recorded.
 * Builders (pod(), replicaSet(), deployment() ...) make realistic objects.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

interface ResourceType {
  kind: string;
  plural: string;
  /** '' for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
}

const RESOURCE_TYPES: ResourceType[] = [
  { kind: 'Pod', plural: 'pods', group: '', version: 'v1', namespaced: true },
  { kind: 'Service', plural: 'services', group: '', version: 'v1', namespaced: true },
  { kind: 'Node', plural: 'nodes', group: '', version: 'v1', namespaced: false },
  { kind: 'EndpointSlice', plural: 'endpointslices', group: 'discovery.k8s.io', version: 'v1', namespaced: true },
  { kind: 'ReplicaSet', plural: 'replicasets', group: 'apps', version: 'v1', namespaced: true },
  { kind: 'Deployment', plural: 'deployments', group: 'apps', version: 'v1', namespaced: true },
  { kind: 'StatefulSet', plural: 'statefulsets', group: 'apps', version: 'v1', namespaced: true },
  { kind: 'DaemonSet', plural: 'daemonsets', group: 'apps', version: 'v1', namespaced: true },
  { kind: 'Job', plural: 'jobs', group: 'batch', version: 'v1', namespaced: true },
];

function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function typeOfKind(kind: string): ResourceType {
  const type = RESOURCE_TYPES.find((t) => t.kind === kind);
  if (!type) throw new Error(`kubeApiServer: unsupported kind ${kind}`);
  return type;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  watch: boolean;
  status: number;
  atMs: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface LoggedEvent {
  rv: number;
  type: EventType;
  kind: string;
  object: KubeObject;
}

interface OpenWatch {
  type: ResourceType;
  namespace: string | null;
  bookmarks: boolean;
  res: http.ServerResponse;
  timer: NodeJS.Timeout | null;
}

interface Failure {
  status: number;
  remaining: number;
  /** Only list requests, only watch requests, or both. */
  on: 'list' | 'watch' | 'both';
}

export interface KubeApiServerOptions {
  /** Events kept for watches that resume from a resourceVersion (default 10,000). */
  eventLogLimit?: number;
  /** First resourceVersion given out (default 1000). */
  firstResourceVersion?: number;
  /** Requests kept in `requests`, the oldest dropped beyond it (default 10,000): a demo runs for days. */
  requestLogLimit?: number;
}

function rfc3339(ms: number): string {
  // The API serializes metav1.Time with whole seconds.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}|${namespace ?? ''}|${name}`;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class KubeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly log: LoggedEvent[] = [];
  /** Watches from a resourceVersion below this get 410 Gone. */
  private oldestResumableRv: number;
  private rv: number;
  private readonly watches = new Set<OpenWatch>();
  private readonly failures = new Map<string, Failure>();
  private readonly eventLogLimit: number;
  private readonly requestLogLimit: number;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    options: KubeApiServerOptions,
  ) {
    this.eventLogLimit = options.eventLogLimit ?? 10_000;
    this.requestLogLimit = options.requestLogLimit ?? 10_000;
    this.rv = options.firstResourceVersion ?? 1000;
    this.oldestResumableRv = this.rv;
  }

  /** Listens on a free loopback port. */
  static async start(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    let instance: KubeApiServer | undefined;
    const server = http.createServer((req, res) => instance!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    instance = new KubeApiServer(server, port, options);
    return instance;
  }

  /** For `{ server: url }` connections. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Adds (or replaces) an object; open watches get ADDED (MODIFIED if it existed). Returns the stored copy. */
  add(obj: KubeObject): KubeObject {
    const k = objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.store(obj, this.objects.has(k) ? 'MODIFIED' : 'ADDED');
  }

  addAll(objects: Iterable<KubeObject>): KubeObject[] {
    return [...objects].map((o) => this.add(o));
  }

  /** Replaces an existing object; open watches get MODIFIED. */
  update(obj: KubeObject): KubeObject {
    const k = objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const existing = this.objects.get(k);
    if (!existing) throw new Error(`kubeApiServer: update of unknown ${k}`);
    if (!obj.metadata.uid) obj = { ...obj, metadata: { ...obj.metadata, uid: existing.metadata.uid } };
    return this.store(obj, 'MODIFIED');
  }

  /**
   * Deletes an object; open watches get DELETED with its last state, a new
   * resourceVersion and (for pods) a deletionTimestamp. Returns it, or
   * undefined if there was none.
   */
  remove(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = typeOfKind(kind);
    const k = objectKey(kind, type.namespaced ? namespace : undefined, name);
    const existing = this.objects.get(k);
    if (!existing) return undefined;
    this.objects.delete(k);
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(++this.rv);
    if (kind === 'Pod' && !gone.metadata.deletionTimestamp) {
      gone.metadata.deletionTimestamp = rfc3339(Date.now());
      gone.metadata.deletionGracePeriodSeconds = 0;
    }
    this.publish({ rv: this.rv, type: 'DELETED', kind, object: gone });
    return gone;
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = typeOfKind(kind);
    const found = this.objects.get(objectKey(kind, type.namespaced ? namespace : undefined, name));
    return found ? clone(found) : undefined;
  }

  list(kind: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind).map(clone);
  }

  /** Open watch connections (of one kind, or all). */
  openWatches(kind?: string): number {
    let n = 0;
    for (const w of this.watches) if (!kind || w.type.kind === kind) n++;
    return n;
  }

  /**
   * Closes the open watch streams (of one kind, or all): `clean` ends the
   * chunked response properly (the client sees the stream end), `abrupt`
   * destroys the socket mid-stream (the client sees an error). Returns how many.
   */
  dropWatches(options: { kind?: string; mode?: 'clean' | 'abrupt' } = {}): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (options.kind && w.type.kind !== options.kind) continue;
      this.closeWatch(w, options.mode ?? 'clean');
      n++;
    }
    return n;
  }

  /**
   * Forgets the event log, as etcd compaction followed by a write would: a
   * watch resuming from any resourceVersion given out so far gets an ERROR
   * event with a 410 Status (Expired), and a client must list again.
   */
  compact(): void {
    this.log.length = 0;
    // The write after the compaction (an object of a kind not served here).
    this.oldestResumableRv = ++this.rv;
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. Returns how many. */
  bookmark(): number {
    let n = 0;
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      this.write(w, {
        type: 'BOOKMARK',
        object: { kind: w.type.kind, apiVersion: apiVersionOf(w.type), metadata: { resourceVersion: String(this.rv) } },
      });
      n++;
    }
    return n;
  }

  /** The next `times` requests for `kind` (list, watch or both) get HTTP `status` with a Status body. */
  failRequests(kind: string, options: { status?: number; times?: number; on?: 'list' | 'watch' | 'both' } = {}): void {
    typeOfKind(kind);
    this.failures.set(kind, { status: options.status ?? 500, remaining: options.times ?? 1, on: options.on ?? 'both' });
  }

  /** Requests seen for a kind's plural path (e.g. 'pods'), optionally only watches or only lists. */
  requestsFor(plural: string, which?: 'list' | 'watch'): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.path.endsWith(`/${plural}`) && (which === undefined || (which === 'watch') === r.watch),
    );
  }

  async stop(): Promise<void> {
    for (const w of [...this.watches]) this.closeWatch(w, 'abrupt');
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private store(input: KubeObject, type: EventType): KubeObject {
    const t = typeOfKind(input.kind);
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(t);
    if (!t.namespaced) delete obj.metadata.namespace;
    else obj.metadata.namespace ??= 'default';
    const k = objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const existing = this.objects.get(k);
    obj.metadata.uid ??= existing?.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp ??= existing?.metadata.creationTimestamp ?? rfc3339(Date.now());
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, obj);
    this.publish({ rv: this.rv, type, kind: obj.kind, object: clone(obj) });
    return clone(obj);
  }

  private publish(event: LoggedEvent): void {
    this.log.push(event);
    if (this.log.length > this.eventLogLimit) {
      const dropped = this.log.splice(0, this.log.length - this.eventLogLimit);
      this.oldestResumableRv = dropped[dropped.length - 1]!.rv;
    }
    for (const w of this.watches) {
      if (this.matches(w, event)) this.write(w, { type: event.type, object: event.object });
    }
  }

  private matches(w: OpenWatch, event: LoggedEvent): boolean {
    return event.kind === w.type.kind && (w.namespace === null || event.object.metadata.namespace === w.namespace);
  }

  private write(w: OpenWatch, event: unknown): void {
    if (!w.res.writableEnded && !w.res.destroyed) w.res.write(`${JSON.stringify(event)}\n`);
  }

  private closeWatch(w: OpenWatch, mode: 'clean' | 'abrupt'): void {
    this.watches.delete(w);
    if (w.timer) clearTimeout(w.timer);
    if (mode === 'clean') w.res.end();
    else w.res.destroy();
  }

  /** /api/v1[/namespaces/<ns>]/<plural>[/<name>] or /apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]. */
  private route(pathname: string): { type: ResourceType; namespace: string | null; name: string | null } | null {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    let group = '';
    let version: string | undefined;
    let rest: string[];
    if (parts[0] === 'api') {
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1] ?? '';
      version = parts[2];
      rest = parts.slice(3);
    } else {
      return null;
    }
    let namespace: string | null = null;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]!;
      rest = rest.slice(2);
    }
    if (rest.length < 1 || rest.length > 2) return null;
    const type = RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === rest[0]);
    if (!type || (namespace !== null && !type.namespaced)) return null;
    return { type, namespace, name: rest[1] ?? null };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams.entries());
    const watch = query.watch === 'true' || query.watch === '1';
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      watch,
      status: 200,
      atMs: Date.now(),
    };
    if (this.requests.length >= this.requestLogLimit) this.requests.splice(0, this.requests.length - this.requestLogLimit + 1);
    this.requests.push(record);
    const status = (code: number, reason: string, message: string) => {
      record.status = code;
      this.sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    };
    if (req.method !== 'GET') return status(405, 'MethodNotAllowed', `${req.method} is not supported by the fixture`);
    const route = this.route(url.pathname);
    if (!route) return status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const { type, namespace, name } = route;

    const failure = this.failures.get(type.kind);
    if (failure && failure.remaining > 0 && (failure.on === 'both' || (failure.on === 'watch') === watch)) {
      failure.remaining--;
      if (failure.remaining === 0) this.failures.delete(type.kind);
      return status(failure.status, 'InternalError', `injected failure for ${type.plural}`);
    }

    if (name !== null && !watch) {
      const found = this.objects.get(objectKey(type.kind, type.namespaced ? (namespace ?? '') : undefined, name));
      if (!found) return status(404, 'NotFound', `${type.plural} "${name}" not found`);
      return this.sendJson(res, 200, found);
    }
    const inScope = (o: KubeObject) =>
      o.kind === type.kind && (namespace === null || o.metadata.namespace === namespace) && (name === null || o.metadata.name === name);

    if (!watch) {
      // Items of a list carry no kind/apiVersion, as the real server's.
      const items = [...this.objects.values()].filter(inScope).map((o) => {
        const { kind: _kind, apiVersion: _apiVersion, ...rest } = o;
        return rest;
      });
      return this.sendJson(res, 200, {
        kind: `${type.kind}List`,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: String(this.rv) },
        items,
      });
    }

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const w: OpenWatch = { type, namespace, bookmarks: query.allowWatchBookmarks === 'true', res, timer: null };
    const fromRv = query.resourceVersion;
    if (fromRv === undefined || fromRv === '' || fromRv === '0') {
      // No resourceVersion: the current state as ADDED events first.
      for (const o of this.objects.values()) if (inScope(o)) this.write(w, { type: 'ADDED', object: o });
    } else {
      const from = Number(fromRv);
      if (!Number.isFinite(from) || from < this.oldestResumableRv) {
        this.write(w, {
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${fromRv} (${this.oldestResumableRv})`,
            reason: 'Expired',
            code: 410,
          },
        });
        res.end();
        return;
      }
      for (const event of this.log) {
        if (event.rv > from && this.matches(w, event) && (name === null || event.object.metadata.name === name)) {
          this.write(w, { type: event.type, object: event.object });
        }
      }
    }
    this.watches.add(w);
    res.on('close', () => {
      this.watches.delete(w);
      if (w.timer) clearTimeout(w.timer);
    });
    const timeoutSeconds = Number(query.timeoutSeconds);
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
      w.timer = setTimeout(() => this.closeWatch(w, 'clean'), timeoutSeconds * 1000);
    }
  }

  private sendJson(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

// ---------------------------------------------------------------------------
// Builders of realistic objects.

/** A stable uid for a workload object, so owners can be referenced before they are built. */
export function stableUid(kind: string, namespace: string | undefined, name: string): string {
  const h = createHash('sha1').update(`${kind}/${namespace ?? ''}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function ownerRef(kind: string, namespace: string, name: string): OwnerReference {
  const apiVersion = kind === 'Node' ? 'v1' : apiVersionOf(typeOfKind(kind));
  return { apiVersion, kind, name, uid: stableUid(kind, namespace, name), controller: true, blockOwnerDeletion: true };
}

/** A pod-template-hash-like suffix (10 characters of [a-z0-9]) derived from a name. */
export function templateHash(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = createHash('sha1').update(seed).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

export interface ContainerPortSpec {
  containerPort: number;
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  hostPort?: number;
}

export interface PodSpecInput {
  namespace?: string;
  name: string;
  /** Pod IP (IPv4 or IPv6); for hostNetwork, the node's IP. */
  ip?: string;
  /** A second address (dual stack). */
  ip2?: string;
  node: string;
  /** Node IP (status.hostIP); defaults to `ip` for hostNetwork pods. */
  hostIp?: string;
  /** Owned by this ReplicaSet (with pod-template-hash from its name's suffix). */
  ownerReplicaSet?: string;
  /** Any other owner (StatefulSet, DaemonSet, Job ...). */
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  image?: string;
  hostNetwork?: boolean;
  containerPorts?: Array<number | ContainerPortSpec>;
  /** status.startTime (ms); default now. */
  startTimeMs?: number;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  uid?: string;
}

export function pod(input: PodSpecInput): KubeObject {
  const namespace = input.namespace ?? 'default';
  const labels: Record<string, string> = { ...(input.labels ?? {}) };
  const ownerReferences: OwnerReference[] = [];
  if (input.ownerReplicaSet) {
    ownerReferences.push(ownerRef('ReplicaSet', namespace, input.ownerReplicaSet));
    const dash = input.ownerReplicaSet.lastIndexOf('-');
    if (dash > 0) labels['pod-template-hash'] ??= input.ownerReplicaSet.slice(dash + 1);
  } else if (input.owner) {
    ownerReferences.push(ownerRef(input.owner.kind, namespace, input.owner.name));
  }
  const phase = input.phase ?? 'Running';
  const startTime = rfc3339(input.startTimeMs ?? Date.now());
  const ports = (input.containerPorts ?? []).map((p) => {
    const spec = typeof p === 'number' ? { containerPort: p } : p;
    const out: Record<string, unknown> = { containerPort: spec.containerPort, protocol: spec.protocol ?? 'TCP' };
    if (spec.name) out.name = spec.name;
    if (input.hostNetwork) out.hostPort = spec.hostPort ?? spec.containerPort;
    else if (spec.hostPort) out.hostPort = spec.hostPort;
    return out;
  });
  const image = input.image ?? 'registry.example.com/app:1.0.0';
  const hostIp = input.hostIp ?? (input.hostNetwork ? input.ip : undefined);
  const podIps = [input.ip, input.ip2].filter((x): x is string => typeof x === 'string' && x.length > 0);
  const running = phase === 'Running';
  const status: Record<string, unknown> = {
    phase,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: startTime },
      { type: 'Initialized', status: 'True', lastTransitionTime: startTime },
      { type: 'ContainersReady', status: running ? 'True' : 'False', lastTransitionTime: startTime },
      { type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: startTime },
    ],
    startTime,
    qosClass: 'BestEffort',
    containerStatuses: [
      {
        name: 'app',
        image,
        imageID: `${image.split(':')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`,
        containerID: `containerd://${createHash('sha256').update(`${namespace}/${input.name}`).digest('hex')}`,
        ready: running,
        restartCount: 0,
        started: running,
        state: running ? { running: { startedAt: startTime } } : { terminated: { exitCode: 0, reason: 'Completed' } },
      },
    ],
  };
  if (hostIp) {
    status.hostIP = hostIp;
    status.hostIPs = [{ ip: hostIp }];
  }
  if (podIps.length > 0 && phase !== 'Pending') {
    status.podIP = podIps[0];
    status.podIPs = podIps.map((ip) => ({ ip }));
  }
  const metadata: ObjectMeta = { name: input.name, namespace, labels };
  if (input.uid) metadata.uid = input.uid;
  if (ownerReferences.length > 0) {
    metadata.ownerReferences = ownerReferences;
    metadata.generateName = input.name.slice(0, input.name.lastIndexOf('-') + 1);
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: {
      containers: [
        {
          name: 'app',
          image,
          ports,
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: input.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      nodeName: input.node,
      hostNetwork: input.hostNetwork ? true : undefined,
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
    },
    status,
  };
}

function podTemplate(labels: Record<string, string>, image: string): Record<string, unknown> {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'app', image, resources: {} }], restartPolicy: 'Always' },
  };
}

export interface WorkloadInput {
  namespace?: string;
  name: string;
  labels?: Record<string, string>;
  image?: string;
  replicas?: number;
}

export function deployment(input: WorkloadInput): KubeObject {
  const namespace = input.namespace ?? 'default';
  const selector = { app: input.name };
  const replicas = input.replicas ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: input.name,
      namespace,
      uid: stableUid('Deployment', namespace, input.name),
      generation: 1,
      labels: { ...selector, ...(input.labels ?? {}) },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: podTemplate({ ...selector, ...(input.labels ?? {}) }, input.image ?? 'registry.example.com/app:1.0.0'),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

export interface ReplicaSetInput extends WorkloadInput {
  /** The owning Deployment (the ReplicaSet is then named `<deployment>-<hash>` unless `name` says otherwise). */
  deployment?: string;
  podTemplateHash?: string;
}

/** A ReplicaSet; with `deployment`, owned by it. `name` may be omitted then: `<deployment>-<hash>`. */
export function replicaSet(input: Omit<ReplicaSetInput, 'name'> & { name?: string }): KubeObject {
  const namespace = input.namespace ?? 'default';
  const base = input.deployment ?? input.name ?? 'rs';
  const hash = input.podTemplateHash ?? (input.name && input.name.includes('-') ? input.name.slice(input.name.lastIndexOf('-') + 1) : templateHash(`${namespace}/${base}`));
  const name = input.name ?? `${base}-${hash}`;
  const selector = { app: base, 'pod-template-hash': hash };
  const replicas = input.replicas ?? 1;
  const metadata: ObjectMeta = {
    name,
    namespace,
    uid: stableUid('ReplicaSet', namespace, name),
    generation: 1,
    labels: { ...selector, ...(input.labels ?? {}) },
  };
  if (input.deployment) {
    metadata.ownerReferences = [ownerRef('Deployment', namespace, input.deployment)];
    metadata.annotations = { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': String(replicas) };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata,
    spec: { replicas, selector: { matchLabels: selector }, template: podTemplate(selector, input.image ?? 'registry.example.com/app:1.0.0') },
    status: { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
  };
}

export function statefulSet(input: WorkloadInput & { serviceName?: string }): KubeObject {
  const namespace = input.namespace ?? 'default';
  const selector = { app: input.name };
  const replicas = input.replicas ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: input.name, namespace, uid: stableUid('StatefulSet', namespace, input.name), generation: 1, labels: { ...selector, ...(input.labels ?? {}) } },
    spec: {
      replicas,
      serviceName: input.serviceName ?? input.name,
      selector: { matchLabels: selector },
      template: podTemplate(selector, input.image ?? 'registry.example.com/app:1.0.0'),
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    },
    status: { replicas, readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1 },
  };
}

export function daemonSet(input: WorkloadInput & { nodes?: number }): KubeObject {
  const namespace = input.namespace ?? 'default';
  const selector = { app: input.name };
  const n = input.nodes ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: input.name, namespace, uid: stableUid('DaemonSet', namespace, input.name), generation: 1, labels: { ...selector, ...(input.labels ?? {}) } },
    spec: {
      selector: { matchLabels: selector },
      template: podTemplate(selector, input.image ?? 'registry.example.com/app:1.0.0'),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
    status: { currentNumberScheduled: n, desiredNumberScheduled: n, numberAvailable: n, numberReady: n, numberMisscheduled: 0, observedGeneration: 1 },
  };
}

export interface ServicePortInput {
  port: number;
  targetPort?: number | string;
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  nodePort?: number;
}

export interface ServiceInput {
  namespace?: string;
  name: string;
  /** A ClusterIP, or 'None' (headless). */
  clusterIP: string;
  clusterIPs?: string[];
  ports: Array<number | ServicePortInput>;
  selector?: Record<string, string>;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
}

function servicePorts(ports: ServiceInput['ports']): ServicePortInput[] {
  return ports.map((p, i) => {
    const spec = typeof p === 'number' ? { port: p } : p;
    // Multi-port services need names; a single port may go unnamed.
    const name = spec.name ?? (ports.length > 1 ? `port-${i}` : undefined);
    return { ...spec, name };
  });
}

export function service(input: ServiceInput): KubeObject {
  const namespace = input.namespace ?? 'default';
  const ports = servicePorts(input.ports).map((p) => {
    const out: Record<string, unknown> = { protocol: p.protocol ?? 'TCP', port: p.port, targetPort: p.targetPort ?? p.port };
    if (p.name) out.name = p.name;
    if (p.nodePort) out.nodePort = p.nodePort;
    return out;
  });
  const clusterIPs = input.clusterIPs ?? [input.clusterIP];
  const v6 = clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'));
  const spec: Record<string, unknown> = {
    type: input.type ?? 'ClusterIP',
    clusterIP: input.clusterIP,
    clusterIPs,
    ports,
    sessionAffinity: 'None',
    ipFamilies: input.clusterIP === 'None' ? ['IPv4'] : v6,
    ipFamilyPolicy: clusterIPs.length > 1 ? 'PreferDualStack' : 'SingleStack',
    internalTrafficPolicy: 'Cluster',
  };
  if (input.selector) spec.selector = input.selector;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: input.name, namespace, labels: { ...(input.selector ?? {}) } },
    spec,
    status: { loadBalancer: {} },
  };
}

export interface EndpointInput {
  ip: string;
  /** Further addresses of the same endpoint (rare). */
  more?: string[];
  node?: string;
  zone?: string;
  /** The backing pod's name (targetRef). */
  pod?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface EndpointSliceInput {
  namespace?: string;
  /** Default `<service>-<hash>`. */
  name?: string;
  service: string;
  addressType?: 'IPv4' | 'IPv6';
  /** The target ports (after targetPort resolution), named as the Service's ports. */
  ports: Array<number | { port: number; name?: string; protocol?: 'TCP' | 'UDP' | 'SCTP' }>;
  endpoints: EndpointInput[];
}

export function endpointSlice(input: EndpointSliceInput): KubeObject {
  const namespace = input.namespace ?? 'default';
  const name = input.name ?? `${input.service}-${templateHash(`${namespace}/${input.service}/slice`).slice(0, 5)}`;
  const addressType = input.addressType ?? (input.endpoints[0]?.ip.includes(':') ? 'IPv6' : 'IPv4');
  const ports = input.ports.map((p, i) => {
    const spec = typeof p === 'number' ? { port: p } : p;
    const out: Record<string, unknown> = { port: spec.port, protocol: spec.protocol ?? 'TCP' };
    // The controller copies the Service port's name ('' when unnamed).
    out.name = spec.name ?? (input.ports.length > 1 ? `port-${i}` : '');
    return out;
  });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace,
      generateName: `${input.service}-`,
      labels: { 'kubernetes.io/service-name': input.service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ ...ownerRef('Service', namespace, input.service), blockOwnerDeletion: true }],
    },
    addressType,
    endpoints: input.endpoints.map((e) => {
      const ready = e.ready ?? true;
      const out: Record<string, unknown> = {
        addresses: [e.ip, ...(e.more ?? [])],
        conditions: { ready, serving: e.serving ?? ready, terminating: e.terminating ?? false },
      };
      if (e.node) out.nodeName = e.node;
      if (e.zone) out.zone = e.zone;
      if (e.pod) out.targetRef = { kind: 'Pod', namespace, name: e.pod, uid: stableUid('Pod', namespace, e.pod) };
      return out;
    }),
    ports,
  };
}

export interface NodeInput {
  name: string;
  ip: string;
  /** A second InternalIP (dual stack). */
  ip2?: string;
  zone?: string;
  region?: string;
  kubeletVersion?: string;
}

export function node(input: NodeInput): KubeObject {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': input.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
  };
  if (input.zone) labels['topology.kubernetes.io/zone'] = input.zone;
  if (input.region ?? input.zone) labels['topology.kubernetes.io/region'] = input.region ?? input.zone!.replace(/-?[a-z]$/, '');
  const addresses = [{ type: 'InternalIP', address: input.ip }];
  if (input.ip2) addresses.push({ type: 'InternalIP', address: input.ip2 });
  addresses.push({ type: 'Hostname', address: input.name });
  const now = rfc3339(Date.now());
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: input.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: {
      addresses,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      nodeInfo: {
        kubeletVersion: input.kubeletVersion ?? 'v1.31.2',
        kubeProxyVersion: input.kubeletVersion ?? 'v1.31.2',
        containerRuntimeVersion: 'containerd://1.7.22',
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-26-amd64',
        machineID: createHash('md5').update(input.name).digest('hex'),
        systemUUID: stableUid('Node', undefined, input.name),
        bootID: stableUid('Node-boot', undefined, input.name),
      },
      capacity: { cpu: '2', memory: '4028248Ki', pods: '110' },
      allocatable: { cpu: '2', memory: '3925848Ki', pods: '110' },
    },
  };
}

// ---------------------------------------------------------------------------
// Whole workloads in one call, for end-to-end clusters.

export interface ReplicaInput {
  ip: string;
  node: string;
  /** Default `<replicaSet>-<5 chars>` (Deployment), `<name>-<i>` (StatefulSet). */
  name?: string;
}

export interface DeploymentWorkloadInput {
  namespace?: string;
  name: string;
  image?: string;
  labels?: Record<string, string>;
  containerPorts?: Array<number | ContainerPortSpec>;
  replicas: ReplicaInput[];
}

/** A Deployment, its ReplicaSet and its pods (named as the controllers name them). */
export function deploymentWorkload(input: DeploymentWorkloadInput): KubeObject[] {
  const namespace = input.namespace ?? 'default';
  const labels = { app: input.name, ...(input.labels ?? {}) };
  const d = deployment({ namespace, name: input.name, labels: input.labels, image: input.image, replicas: input.replicas.length });
  const rs = replicaSet({ namespace, deployment: input.name, image: input.image, replicas: input.replicas.length, labels: input.labels });
  const rsName = rs.metadata.name;
  const pods = input.replicas.map((r, i) =>
    pod({
      namespace,
      name: r.name ?? `${rsName}-${templateHash(`${rsName}/${i}`).slice(0, 5)}`,
      ip: r.ip,
      node: r.node,
      ownerReplicaSet: rsName,
      labels,
      image: input.image,
      containerPorts: input.containerPorts,
    }),
  );
  return [d, rs, ...pods];
}

/** A StatefulSet and its pods `<name>-0`, `<name>-1` ... */
export function statefulSetWorkload(input: DeploymentWorkloadInput): KubeObject[] {
  const namespace = input.namespace ?? 'default';
  const labels = { app: input.name, ...(input.labels ?? {}) };
  const s = statefulSet({ namespace, name: input.name, labels: input.labels, image: input.image, replicas: input.replicas.length });
  const pods = input.replicas.map((r, i) =>
    pod({
      namespace,
      name: r.name ?? `${input.name}-${i}`,
      ip: r.ip,
      node: r.node,
      owner: { kind: 'StatefulSet', name: input.name },
      labels: { ...labels, 'apps.kubernetes.io/pod-index': String(i), 'statefulset.kubernetes.io/pod-name': `${input.name}-${i}` },
      image: input.image,
      containerPorts: input.containerPorts,
    }),
  );
  return [s, ...pods];
}

/**
 * A Service over some pods and its EndpointSlice (each backend's address,
 * node and pod name from the pod objects; zone when given per node).
 */
export function serviceFor(input: {
  namespace?: string;
  name: string;
  clusterIP: string;
  ports: Array<number | ServicePortInput>;
  selector?: Record<string, string>;
  pods: KubeObject[];
  zones?: Record<string, string>;
}): KubeObject[] {
  const namespace = input.namespace ?? 'default';
  const named = servicePorts(input.ports);
  const svc = service({ namespace, name: input.name, clusterIP: input.clusterIP, ports: named, selector: input.selector ?? { app: input.name } });
  const backends = input.pods.filter((p) => p.kind === 'Pod');
  const slice = endpointSlice({
    namespace,
    service: input.name,
    ports: named.map((p) => ({ port: typeof p.targetPort === 'number' ? p.targetPort : p.port, name: p.name, protocol: p.protocol })),
    endpoints: backends.map((p) => {
      const status = p.status as { podIP?: string } | undefined;
      const spec = p.spec as { nodeName?: string } | undefined;
      const nodeName = spec?.nodeName;
      return {
        ip: status?.podIP ?? '',
        node: nodeName,
        zone: nodeName ? input.zones?.[nodeName] : undefined,
        pod: p.metadata.name,
      };
    }),
  });
  return [svc, slice];
}
