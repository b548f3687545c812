/**
 * Naming connection ends from Kubernetes, with the real client: the
 * @kubernetes/client-node informers of KubernetesInventory list and watch a
 * fixture API server (test/fixtures/kubeApiServer.ts) that serves a small
 * cluster: two nodes in two zones, a Deployment (through its ReplicaSet) with
 * two pods, a StatefulSet pod, a DaemonSet pod, a bare pod (IPv6), a
 * hostNetwork pod, and a Service with a ClusterIP and an EndpointSlice.
 * Ground truth: the objects the test itself gave the server. Then a pod's IP
 * is reused by a pod of another Deployment, and watch streams are cut.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KubernetesInventory, KubernetesNamer } from '@weft/ingest/dist/naming/kubernetes/index.js';
import {
  KubeApiServer,
  daemonSet,
  deploymentWorkload,
  node,
  pod,
  serviceFor,
  statefulSetWorkload,
  type KubeObject,
} from '../fixtures/kubeApiServer.js';

const NS = 'shop';
const NODE_A = { name: 'node-a', ip: '192.168.50.11', zone: 'eu-west-1a' };
const NODE_B = { name: 'node-b', ip: '192.168.50.12', ip2: 'fd00:50::12', zone: 'eu-west-1b' };
const CART_IMAGE = 'registry.example.com:5000/shop/cart:2.3.1';

let server: KubeApiServer;
let inventory: KubernetesInventory;
let namer: KubernetesNamer;
let cart: KubeObject[];
let cartPods: KubeObject[];
const errors: string[] = [];

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  server = await KubeApiServer.start();
  cart = deploymentWorkload({
    namespace: NS,
    name: 'cart',
    image: CART_IMAGE,
    containerPorts: [8080],
    replicas: [
      { ip: '10.244.1.10', node: NODE_A.name },
      { ip: '10.244.2.10', node: NODE_B.name },
    ],
  });
  cartPods = cart.filter((o) => o.kind === 'Pod');
  server.addAll([
    node(NODE_A),
    node(NODE_B),
    ...cart,
    ...statefulSetWorkload({
      namespace: NS,
      name: 'db',
      image: 'postgres:16.4',
      labels: { 'app.kubernetes.io/version': '16.4-shop3' },
      replicas: [{ ip: '10.244.2.20', node: NODE_B.name }],
    }),
    daemonSet({ namespace: 'kube-system', name: 'log-agent', nodes: 2, image: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9' }),
    pod({
      namespace: 'kube-system',
      name: 'log-agent-x7k2p',
      ip: '10.244.1.30',
      node: NODE_A.name,
      owner: { kind: 'DaemonSet', name: 'log-agent' },
      image: 'cr.fluentbit.io/fluent/fluent-bit:3.1.9',
    }),
    pod({ namespace: NS, name: 'debug', ip: 'fd00:244::40', node: NODE_B.name, image: 'busybox' }),
    daemonSet({ namespace: 'monitoring', name: 'node-exporter', nodes: 2, image: 'quay.io/prometheus/node-exporter:v1.8.2' }),
    pod({
      namespace: 'monitoring',
      name: 'node-exporter-4hq9s',
      ip: NODE_A.ip,
      node: NODE_A.name,
      owner: { kind: 'DaemonSet', name: 'node-exporter' },
      hostNetwork: true,
      containerPorts: [9100],
      image: 'quay.io/prometheus/node-exporter:v1.8.2',
    }),
    ...serviceFor({
      namespace: NS,
      name: 'cart',
      clusterIP: '10.96.0.20',
      ports: [{ port: 80, targetPort: 8080, name: 'http' }],
      pods: cartPods,
      zones: { [NODE_A.name]: NODE_A.zone, [NODE_B.name]: NODE_B.zone },
    }),
  ]);
  inventory = new KubernetesInventory(
    { server: server.url },
    { restartDelayMs: 50, syncTimeoutMs: 10_000, onError: (resource, e) => errors.push(`${resource}: ${(e as Error)?.message ?? e}`) },
  );
  namer = new KubernetesNamer(inventory, { pruneIntervalMs: 0 });
  await inventory.start();
  // start() resolves once every list is in; each watch follows its list.
  await waitFor('a watch per resource', () => server.openWatches() === 8);
});

after(async () => {
  namer?.close();
  await inventory?.stop();
  await server?.stop();
});

test('the informers list every resource once, then watch from the list resourceVersion', (t) => {
  const paths = [
    '/api/v1/pods',
    '/api/v1/services',
    '/api/v1/nodes',
    '/apis/discovery.k8s.io/v1/endpointslices',
    '/apis/apps/v1/replicasets',
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/statefulsets',
    '/apis/apps/v1/daemonsets',
  ];
  for (const path of paths) {
    const seen = server.requests.filter((r) => r.path === path);
    t.diagnostic(`${path}: ${seen.map((r) => (r.watch ? `watch ${JSON.stringify(r.query)}` : `list ${JSON.stringify(r.query)}`)).join(', ')}`);
    const lists = seen.filter((r) => !r.watch);
    assert.equal(lists.length, 1, `one list of ${path}`);
    assert.deepEqual(lists[0]!.query, {}, 'a plain list: no limit, no resourceVersion');
    const watches = seen.filter((r) => r.watch);
    assert.ok(watches.length >= 1, `a watch of ${path}`);
    assert.equal(watches[0]!.query.watch, 'true');
    assert.match(watches[0]!.query.resourceVersion ?? '', /^\d+$/);
  }
  assert.equal(server.requests.length, 16, 'nothing else was asked');
  assert.equal(inventory.errorCount, 0, errors.join('; '));
  assert.ok(inventory.synced);
  const stats = inventory.stats();
  assert.equal(stats.pods.objects, 6);
  assert.equal(stats.daemonsets.objects, 2);
  assert.equal(stats.replicasets.objects, 1);
  assert.equal(stats.nodes.objects, 2);
  assert.equal(stats.endpointslices.objects, 1);
});

test('every kind of pod is named with its workload, node, zone and version', () => {
  const now = Date.now();
  const [cartA, cartB] = cartPods;
  assert.deepEqual(namer.nameAddress('10.244.1.10', 8080, now), {
    service: 'k8s:shop/Deployment/cart',
    name: 'cart',
    namespace: NS,
    kind: 'Deployment',
    instance: cartA!.metadata.name,
    node: NODE_A.name,
    zone: NODE_A.zone,
    version: '2.3.1',
    process: '',
  });
  assert.deepEqual(namer.nameAddress('10.244.2.10', 41_234, now), {
    service: 'k8s:shop/Deployment/cart',
    name: 'cart',
    namespace: NS,
    kind: 'Deployment',
    instance: cartB!.metadata.name,
    node: NODE_B.name,
    zone: NODE_B.zone,
    version: '2.3.1',
    process: '',
  });
  assert.deepEqual(namer.nameAddress('10.244.2.20', 5432, now), {
    service: 'k8s:shop/StatefulSet/db',
    name: 'db',
    namespace: NS,
    kind: 'StatefulSet',
    instance: 'db-0',
    node: NODE_B.name,
    zone: NODE_B.zone,
    version: '16.4-shop3',
    process: '',
  });
  assert.deepEqual(namer.nameAddress('10.244.1.30', 2020, now), {
    service: 'k8s:kube-system/DaemonSet/log-agent',
    name: 'log-agent',
    namespace: 'kube-system',
    kind: 'DaemonSet',
    instance: 'log-agent-x7k2p',
    node: NODE_A.name,
    zone: NODE_A.zone,
    version: '3.1.9',
    process: '',
  });
  const debug = {
    service: 'k8s:shop/Pod/debug',
    name: 'debug',
    namespace: NS,
    kind: 'Pod',
    instance: 'debug',
    node: NODE_B.name,
    zone: NODE_B.zone,
    version: 'latest',
    process: '',
  };
  assert.deepEqual(namer.nameAddress('fd00:244::40', 8080, now), debug);
  assert.deepEqual(namer.nameAddress('FD00:244:0:0:0:0:0:40', 8080, now), debug, 'IPv6 in any spelling');
  assert.equal(namer.nameAddress('::ffff:10.244.1.10', 8080, now)?.instance, cartA!.metadata.name, 'v4-mapped v6 is v4');
  assert.equal(namer.nameAddress('10.244.9.9', 80, now), null, 'an address nobody holds');
  assert.equal(namer.nameAddress('not-an-ip', 80, now), null);
});

test('a node address is the hostNetwork pod declaring the port, else the Node', () => {
  const now = Date.now();
  assert.deepEqual(namer.nameAddress(NODE_A.ip, 9100, now), {
    service: 'k8s:monitoring/DaemonSet/node-exporter',
    name: 'node-exporter',
    namespace: 'monitoring',
    kind: 'DaemonSet',
    instance: 'node-exporter-4hq9s',
    node: NODE_A.name,
    zone: NODE_A.zone,
    version: 'v1.8.2',
    process: '',
  });
  assert.deepEqual(namer.nameAddress(NODE_A.ip, 10250, now), {
    service: 'k8s:/Node/node-a',
    name: 'node-a',
    namespace: '',
    kind: 'Node',
    instance: 'node-a',
    node: 'node-a',
    zone: NODE_A.zone,
    version: 'v1.31.2',
    process: '',
  });
  assert.equal(namer.nameAddress(NODE_B.ip, 9100, now)?.service, 'k8s:/Node/node-b', 'no hostNetwork pod on node-b');
  assert.equal(namer.nameAddress(NODE_B.ip2, 22, now)?.service, 'k8s:/Node/node-b', "the node's IPv6 address");
  assert.equal(namer.zoneOfNode('node-a'), NODE_A.zone);
  assert.equal(namer.zoneOfNode('node-b'), NODE_B.zone);
  assert.equal(namer.zoneOfNode('node-c'), '');
});

test('a ClusterIP is the Service, and its port lists the backends from the EndpointSlice', () => {
  const now = Date.now();
  assert.deepEqual(namer.nameServiceVip('10.96.0.20', 80, now), {
    service: 'k8s-svc:shop/cart',
    name: 'cart',
    namespace: NS,
    kind: 'Service',
    instance: '10.96.0.20',
    node: '',
    zone: '',
    version: '',
    process: '',
  });
  assert.equal(namer.nameServiceVip('10.96.0.20', 81, now), null, 'not a port of the Service');
  assert.equal(namer.nameServiceVip('10.244.1.10', 8080, now), null, 'a pod address is no VIP');
  assert.equal(namer.nameAddress('10.96.0.20', 80, now), null, 'a VIP is nobody address');
  const backends = namer.serviceBackends(NS, 'cart', 80);
  const byName = namer.serviceBackends(NS, 'cart', 'http');
  assert.deepEqual(byName, backends);
  assert.deepEqual(
    backends.map((b) => ({ ip: b.ip, port: b.port, ready: b.ready, pod: b.pod?.name, node: b.node, zone: b.zone })).sort((a, b) => a.ip.localeCompare(b.ip)),
    [
      { ip: '10.244.1.10', port: 8080, ready: true, pod: cartPods[0]!.metadata.name, node: NODE_A.name, zone: NODE_A.zone },
      { ip: '10.244.2.10', port: 8080, ready: true, pod: cartPods[1]!.metadata.name, node: NODE_B.name, zone: NODE_B.zone },
    ],
  );
  assert.deepEqual(namer.backendsOfVip('10.96.0.20', 80, now), backends);
  assert.deepEqual(namer.serviceBackends(NS, 'cart', 443), []);
});

test('an IP reused by a pod of another Deployment: the past keeps the old pod, the present names the new one', async () => {
  const ip = '10.244.1.10';
  const oldPod = cartPods[0]!;
  const before = namer.nameAddress(ip, 8080, Date.now());
  assert.equal(before?.instance, oldPod.metadata.name);
  const t0 = Date.now();
  await sleep(5);

  server.remove('Pod', NS, oldPod.metadata.name);
  const pay = deploymentWorkload({
    namespace: NS,
    name: 'pay',
    image: 'registry.example.com/shop/pay:0.9.0',
    replicas: [{ ip, node: NODE_A.name }],
  });
  server.addAll(pay);
  const payPod = pay.find((o) => o.kind === 'Pod')!;
  await waitFor('the new pod to be named', () => namer.nameAddress(ip, 8080, Date.now())?.instance === payPod.metadata.name);
  const t1 = Date.now();

  // The cart Deployment and its ReplicaSet go too: the old pod's past is not renamed.
  const cartRs = cart.find((o) => o.kind === 'ReplicaSet')!;
  server.remove('ReplicaSet', NS, cartRs.metadata.name);
  server.remove('Deployment', NS, 'cart');
  await waitFor('the ReplicaSet deletion', () => inventory.replicaSet(NS, cartRs.metadata.name) === undefined);

  assert.deepEqual(namer.nameAddress(ip, 8080, t0), before, 'before the reuse: the old pod, unchanged');
  assert.deepEqual(namer.nameAddress(ip, 8080, t1), {
    service: 'k8s:shop/Deployment/pay',
    name: 'pay',
    namespace: NS,
    kind: 'Deployment',
    instance: payPod.metadata.name,
    node: NODE_A.name,
    zone: NODE_A.zone,
    version: '0.9.0',
    process: '',
  });
  // The other cart pod is still there and still a cart pod.
  assert.equal(namer.nameAddress('10.244.2.10', 8080, t1)?.service, 'k8s:shop/Deployment/cart');
});

test('a watch stream closed by the server (cleanly or mid-stream) is resumed, and changes made meanwhile are seen', async (t) => {
  // Clean end of the stream: the informer watches again at once, from its last resourceVersion.
  const errorsBefore = inventory.errorCount;
  assert.ok(server.dropWatches({ kind: 'Pod', mode: 'clean' }) >= 1);
  server.add(pod({ namespace: NS, name: 'after-clean-drop', ip: '10.244.2.51', node: NODE_B.name }));
  await waitFor('the pod added after a clean drop', () => namer.nameAddress('10.244.2.51', 80, Date.now())?.instance === 'after-clean-drop');
  assert.equal(inventory.errorCount, errorsBefore, 'a clean end is no error');

  // Cut mid-stream: client-node reports an error and stops; the inventory counts it and restarts.
  assert.ok(server.dropWatches({ kind: 'Pod', mode: 'abrupt' }) >= 1);
  server.add(pod({ namespace: NS, name: 'after-abrupt-drop', ip: '10.244.2.52', node: NODE_B.name }));
  await waitFor('the pod added after an abrupt drop', () => namer.nameAddress('10.244.2.52', 80, Date.now())?.instance === 'after-abrupt-drop');
  assert.equal(inventory.errorCount, errorsBefore + 1, `one error counted (${errors.slice(-1)})`);
  assert.ok(inventory.stats().pods.restarts >= 1);

  // Cut, the re-watch refused once (HTTP 500), events compacted away
  // meanwhile: the watch from the old resourceVersion gets 410 Gone and the
  // informer lists again, catching both an add and a delete it never saw.
  const listsBefore = server.requestsFor('pods', 'list').length;
  server.failRequests('Pod', { status: 500, times: 1, on: 'watch' });
  server.dropWatches({ kind: 'Pod', mode: 'abrupt' });
  server.remove('Pod', NS, 'after-clean-drop');
  server.add(pod({ namespace: NS, name: 'after-compaction', ip: '10.244.2.53', node: NODE_B.name }));
  server.compact();
  await waitFor('the pod added before the compaction', () => namer.nameAddress('10.244.2.53', 80, Date.now())?.instance === 'after-compaction');
  await waitFor('the deleted pod to release its address', () => namer.nameAddress('10.244.2.51', 80, Date.now()) === null);
  assert.equal(server.requestsFor('pods', 'list').length, listsBefore + 1, 'one new list after 410');
  const recent = server.requestsFor('pods').slice(-4);
  t.diagnostic(`pod requests after the cut: ${recent.map((r) => `${r.watch ? 'watch' : 'list'} ${JSON.stringify(r.query)} -> ${r.status}`).join(', ')}`);
  assert.equal(inventory.errorCount, errorsBefore + 3, `the cut and the 500 (${errors.slice(-2).join('; ')}) + the earlier cut`);
  await waitFor('the pod watch to be open again', () => server.openWatches('Pod') === 1);
});

test('stop() closes every watch and counts no error for it', async () => {
  const errorsBefore = inventory.errorCount;
  await inventory.stop();
  await waitFor('the watches to close', () => server.openWatches() === 0);
  await sleep(100);
  assert.equal(inventory.errorCount, errorsBefore);
  assert.equal(server.openWatches(), 0);
});

test('from a kubeconfig file: failing initial lists are retried with backoff, start() resolves once all are in', async () => {
  const other = await KubeApiServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'weft-kubeconfig-'));
  try {
    other.add(node(NODE_A));
    other.failRequests('Node', { status: 503, times: 2, on: 'list' });
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: fixture',
        '  cluster:',
        `    server: ${other.url}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: tester',
        '  user:',
        '    token: not-checked',
        'contexts:',
        '- name: fixture',
        '  context: {cluster: fixture, user: tester}',
        'current-context: fixture',
        '',
      ].join('\n'),
    );
    const seen: string[] = [];
    const second = new KubernetesInventory({ kubeconfigPath: path }, { restartDelayMs: 20, syncTimeoutMs: 5_000, onError: (r) => seen.push(r) });
    await second.start();
    try {
      assert.deepEqual(seen, ['nodes', 'nodes']);
      assert.equal(second.errorCount, 2);
      assert.equal(second.stats().nodes.restarts, 2);
      assert.equal(second.node(NODE_A.name)?.metadata?.name, NODE_A.name);
      const nodeLists = other.requestsFor('nodes', 'list');
      assert.deepEqual(nodeLists.map((r) => r.status), [503, 503, 200]);
      // Backoff: the second retry waited about twice as long as the first.
      const gap1 = nodeLists[1]!.atMs - nodeLists[0]!.atMs;
      const gap2 = nodeLists[2]!.atMs - nodeLists[1]!.atMs;
      assert.ok(gap1 >= 15 && gap2 >= 35, `retry gaps ${gap1} ms, ${gap2} ms`);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await other.stop();
  }
});

test('start() rejects after syncTimeoutMs when the API server cannot be reached', async () => {
  const gone = await KubeApiServer.start();
  const url = gone.url;
  await gone.stop();
  const third = new KubernetesInventory({ server: url }, { restartDelayMs: 20, syncTimeoutMs: 300 });
  await assert.rejects(third.start(), /initial list not done within 300 ms for pods, services/);
  assert.ok(third.errorCount >= 8, `${third.errorCount} errors`);
  await third.stop();
});
