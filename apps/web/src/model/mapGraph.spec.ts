import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EdgeStats, MapEdge, MapNode } from './apiTypes.ts';
import { buildGraph, namespaceNodeId } from './mapGraph.ts';

function stats(over: Partial<EdgeStats> = {}): EdgeStats {
  return {
    connections_opened: 10, connections_closed: 10, connections_failed: 0, connection_seconds: 10, connections_active: 1, bytes_sent: 1, bytes_received: 1,
    retransmits: 0, resets: 0, rtt_p50_us: 100, rtt_p95_us: 200, rtt_p99_us: 300, requests: 0, request_errors: 0, request_client_errors: 0,
    request_latency_p50_ms: null, request_latency_p95_ms: null, request_latency_p99_ms: null, protocols: [], protocol: null,
    ...over,
  };
}
const node = (id: string, namespace: string): MapNode => ({ id, name: id.split('/').pop()!, namespace, kind: 'Deployment', workload: id, members: 1 });
const edge = (source: string, target: string, port: number, over: Partial<EdgeStats> = {}): MapEdge => ({ source, target, port, ...stats(over) });

/** n namespaces of `size` services each; service i of a namespace calls i+1 of the same and of the next namespace. */
function topology(namespaces: number, size: number): { nodes: MapNode[]; edges: MapEdge[] } {
  const nodes: MapNode[] = [];
  const edges: MapEdge[] = [];
  const id = (ns: number, i: number): string => `k8s:ns${ns}/Deployment/s${i}`;
  for (let ns = 0; ns < namespaces; ns++) for (let i = 0; i < size; i++) nodes.push(node(id(ns, i), `ns${ns}`));
  for (let ns = 0; ns < namespaces; ns++) {
    for (let i = 0; i < size; i++) {
      edges.push(edge(id(ns, i), id(ns, (i + 1) % size), 80, { connections_opened: 100 + i }));
      edges.push(edge(id(ns, i), id((ns + 1) % namespaces, i), 80, { connections_opened: 1 }));
    }
  }
  return { nodes, edges };
}

test('within the budget: every service, in its namespace box, every edge, ports merged', () => {
  const nodes = [node('k8s:a/Deployment/web', 'a'), node('k8s:a/Deployment/cart', 'a'), node('external:203.0.113.10', '')];
  const edges = [edge('k8s:a/Deployment/web', 'k8s:a/Deployment/cart', 80), edge('k8s:a/Deployment/web', 'k8s:a/Deployment/cart', 8080, { connections_failed: 5 }), edge('k8s:a/Deployment/cart', 'external:203.0.113.10', 443)];
  const graph = buildGraph(nodes, edges, { seconds: 10, budget: 300, showAll: false, errorsOnly: false });
  assert.deepEqual(graph.nodes.filter((n) => n.type === 'service').map((n) => n.id).sort(), nodes.map((n) => n.id).sort());
  assert.deepEqual(graph.nodes.filter((n) => n.type === 'namespace').map((n) => n.id), [namespaceNodeId('a')]);
  assert.equal(graph.nodes.find((n) => n.id === 'external:203.0.113.10')?.parent, null, 'no box for what has no namespace');
  assert.equal(graph.edges.length, 2);
  const merged = graph.edges.find((e) => e.target === 'k8s:a/Deployment/cart')!;
  assert.deepEqual(merged.ports, [80, 8080]);
  assert.equal(merged.stats.connections_opened, 20);
  assert.equal(merged.share, 5 / 25);
  assert.equal(merged.level, 'bad');
  assert.equal(merged.rate, 2);
  assert.deepEqual(graph.hidden, { services: 0, namespaces: 0, edges: 0 });
});

test('beyond the budget: the largest namespaces collapse until it holds, their edges merge, the selection stays open', () => {
  const { nodes, edges } = topology(10, 50); // 500 services
  const graph = buildGraph(nodes, edges, { seconds: 60, budget: 300, showAll: false, errorsOnly: false, keep: 'k8s:ns3/Deployment/s7' });
  const drawn = graph.nodes.filter((n) => n.type !== 'namespace');
  assert.ok(drawn.length <= 300, `${drawn.length} nodes drawn`);
  const collapsed = graph.nodes.filter((n) => n.type === 'collapsed');
  // 500 - 300 = 200 too many; each collapse saves 49: 5 namespaces.
  assert.equal(collapsed.length, 5);
  assert.equal(graph.hidden.namespaces, 5);
  assert.equal(graph.hidden.services, 250);
  assert.ok(!collapsed.some((n) => n.namespace === 'ns3'), 'the selection keeps its namespace open');
  assert.ok(drawn.some((n) => n.id === 'k8s:ns3/Deployment/s7'));
  // A collapsed namespace's internal edges become one self edge standing for its 50 pairs.
  const inner = graph.edges.find((e) => e.source === collapsed[0]!.id && e.target === collapsed[0]!.id)!;
  assert.equal(inner.pairs, 50);
  // Every connection is still counted somewhere on the drawing.
  const total = edges.reduce((s, e) => s + e.connections_opened, 0);
  assert.equal(graph.edges.reduce((s, e) => s + e.stats.connections_opened, 0), total);
  // Asked to, it draws everything.
  const all = buildGraph(nodes, edges, { seconds: 60, budget: 300, showAll: true, errorsOnly: false });
  assert.equal(all.nodes.filter((n) => n.type === 'service').length, 500);
  assert.equal(all.edges.length, 1000);
});

test('the edge budget keeps the busiest and every failing edge, and says how many it hid', () => {
  const { nodes, edges } = topology(2, 100); // 200 services, 400 edges
  edges[399] = { ...edges[399]!, connections_opened: 0, connections_failed: 3 };
  const graph = buildGraph(nodes, edges, { seconds: 60, budget: 300, edgeBudget: 150, showAll: false, errorsOnly: false });
  assert.equal(graph.edges.length, 150);
  assert.equal(graph.hidden.edges, 250);
  assert.ok(graph.edges.some((e) => e.source === edges[399]!.source && e.target === edges[399]!.target), 'the failing edge stays');
  const kept = Math.min(...graph.edges.filter((e) => e.level !== 'bad').map((e) => e.rate));
  const hiddenRates = edges.filter((e) => !graph.edges.some((g) => g.source === e.source && g.target === e.target)).map((e) => e.connections_opened / 60);
  assert.ok(hiddenRates.every((r) => r <= kept), 'no hidden edge is busier than a kept one');
});

test('errors only keeps the failing edges and their ends; changes mark edges and bring back the vanished', () => {
  const nodes = [node('k8s:a/Deployment/web', 'a'), node('k8s:a/Deployment/cart', 'a'), node('k8s:a/Deployment/db', 'a')];
  const edges = [edge('k8s:a/Deployment/web', 'k8s:a/Deployment/cart', 80, { resets: 4 }), edge('k8s:a/Deployment/cart', 'k8s:a/Deployment/db', 5432)];
  const errors = buildGraph(nodes, edges, { seconds: 10, budget: 300, showAll: false, errorsOnly: true });
  assert.deepEqual(errors.edges.map((e) => [e.source, e.target]), [['k8s:a/Deployment/web', 'k8s:a/Deployment/cart']]);
  assert.deepEqual(errors.nodes.filter((n) => n.type === 'service').map((n) => n.id).sort(), ['k8s:a/Deployment/cart', 'k8s:a/Deployment/web']);
  const changes = buildGraph(nodes, edges, {
    seconds: 10, budget: 300, showAll: false, errorsOnly: false,
    changes: [
      { kind: 'appeared', source: 'k8s:a/Deployment/cart', target: 'k8s:a/Deployment/db', port: 5432, baseline: null, current: stats(), reasons: [] },
      { kind: 'vanished', source: 'k8s:a/Deployment/web', target: 'k8s:a/Deployment/db', port: 5432, baseline: stats(), current: null, reasons: [] },
    ],
  });
  assert.equal(changes.edges.find((e) => e.target === 'k8s:a/Deployment/db' && e.source === 'k8s:a/Deployment/cart')?.change, 'appeared');
  const vanished = changes.edges.find((e) => e.source === 'k8s:a/Deployment/web' && e.target === 'k8s:a/Deployment/db');
  assert.equal(vanished?.change, 'vanished');
  assert.equal(vanished?.stats.connections_opened, 0, 'a vanished edge carries nothing in the window');
});

test('an edge with requests is labelled with its request rate, failure share and p99; ports merged keep every protocol', () => {
  const nodes = [node('k8s:a/Deployment/web', 'a'), node('k8s:a/Deployment/cart', 'a'), node('k8s:a/Deployment/db', 'a')];
  const requests = { requests: 100, request_errors: 2, request_latency_p99_ms: 21.204 };
  const edges = [
    edge('k8s:a/Deployment/web', 'k8s:a/Deployment/cart', 80, { ...requests, protocols: ['http1'], protocol: 'http1', request_latency_p99_ms: 40 }),
    edge('k8s:a/Deployment/web', 'k8s:a/Deployment/cart', 50051, { ...requests, protocols: ['grpc'], protocol: 'grpc' }),
    edge('k8s:a/Deployment/cart', 'k8s:a/Deployment/db', 5432),
  ];
  const graph = buildGraph(nodes, edges, { seconds: 10, budget: 300, showAll: false, errorsOnly: false });
  const web = graph.edges.find((e) => e.source === 'k8s:a/Deployment/web')!;
  assert.deepEqual([web.stats.protocols, web.stats.protocol], [['http1', 'grpc'], 'mixed']);
  assert.equal(web.label, '20 req/s · 2.0% · p99 40.0 ms');
  assert.equal(graph.edges.find((e) => e.source === 'k8s:a/Deployment/cart')!.label, '', 'no requests, no label');
});
