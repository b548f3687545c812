/**
 * What the map draws, from the API's map (or neighbourhood) answer: services grouped into
 * namespace boxes, edges merged over ports, and, beyond a budget of nodes, the largest
 * namespaces collapsed into one node each and the least busy edges hidden, with counts of what
 * is hidden so the page can say so and offer to show it. Pure: the same answer and options
 * give the same graph.
 */
import type { EdgeChange, EdgeStats, MapEdge, MapNode } from './apiTypes.ts';
import { failureShare, healthLevel, ratePerSecond, sumStats, type HealthLevel } from './edgeHealth.ts';
import { formatMillis, formatRate, formatShare } from './format.ts';

export interface GraphOptions {
  /** Seconds the answer covers (for rates). */
  seconds: number;
  /** At most this many nodes drawn (services plus collapsed namespaces), unless showAll. */
  budget: number;
  /** At most this many edges drawn, unless showAll. Default 4 x budget. */
  edgeBudget?: number;
  showAll: boolean;
  /** Only edges that are not ok (and the nodes they join). */
  errorsOnly: boolean;
  /** Namespaces the user collapsed, and ones the user opened (beyond the budget's choice). */
  collapsed?: ReadonlySet<string>;
  expanded?: ReadonlySet<string>;
  /** Never collapsed away (the selection). */
  keep?: string | null;
  /** "What changed": marks edges and adds the vanished ones (drawn from their baseline stats). */
  changes?: readonly EdgeChange[];
  /** Hop distances (a neighbourhood). */
  hops?: ReadonlyMap<string, number>;
}

export type ChangeKind = EdgeChange['kind'];

export interface GraphNode {
  id: string;
  label: string;
  /** A service, a namespace box (parent of its services) or a collapsed namespace. */
  type: 'service' | 'namespace' | 'collapsed';
  namespace: string;
  kind: string;
  /** The namespace box it is drawn in (services of an open namespace). */
  parent: string | null;
  /** Services it stands for (1 for a service). */
  members: number;
  hops: number | null;
  /** The worst level of its inbound edges (how its callers see it). */
  level: HealthLevel;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  ports: number[];
  stats: EdgeStats;
  rate: number;
  share: number | null;
  level: HealthLevel;
  change: ChangeKind | null;
  /** With requests, what the map writes along the edge: request rate, failure share, request p99; else ''. */
  label: string;
  /** The service pairs it stands for (more than one when an end is a collapsed namespace). */
  pairs: number;
}

export interface HiddenParts {
  /** Services inside collapsed namespaces. */
  services: number;
  /** Namespaces collapsed by the budget (not by the user). */
  namespaces: number;
  /** Edges left out by the edge budget or the errors-only filter. */
  edges: number;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  hidden: HiddenParts;
  /** Services in the answer. */
  services: number;
}

export function namespaceNodeId(namespace: string): string {
  return `namespace:${namespace}`;
}

/** The namespace a service is drawn in ('' for hosts and external endpoints: no box). */
function boxOf(node: Pick<MapNode, 'namespace'>): string {
  return node.namespace;
}

const LEVEL_ORDER: Record<HealthLevel, number> = { idle: 0, ok: 1, warn: 2, bad: 3 };

function worse(a: HealthLevel, b: HealthLevel): HealthLevel {
  return LEVEL_ORDER[a] >= LEVEL_ORDER[b] ? a : b;
}

const CHANGE_ORDER: Record<ChangeKind, number> = { worse: 3, appeared: 2, vanished: 1 };

export function buildGraph(nodes: readonly MapNode[], edges: readonly MapEdge[], options: GraphOptions): Graph {
  const edgeBudget = options.edgeBudget ?? options.budget * 4;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const changeOf = new Map<string, EdgeChange>();
  for (const c of options.changes ?? []) changeOf.set(`${c.source}\u0000${c.target}\u0000${c.port}`, c);

  // The edges to draw from: the answer's, plus the vanished ones of a comparison (from their baseline).
  const source: Array<{ edge: MapEdge | (EdgeStats & { source: string; target: string; port: number }); change: ChangeKind | null }> = edges.map((e) => ({
    edge: e,
    change: changeOf.get(`${e.source}\u0000${e.target}\u0000${e.port}`)?.kind ?? null,
  }));
  for (const c of options.changes ?? []) {
    if (c.kind === 'vanished' && c.baseline !== null && byId.has(c.source) && byId.has(c.target)) source.push({ edge: { ...c.baseline, source: c.source, target: c.target, port: c.port }, change: 'vanished' });
  }

  // Which namespaces to collapse: the user's, then the largest until the budget holds.
  const members = new Map<string, string[]>();
  for (const n of nodes) {
    const box = boxOf(n);
    if (box === '') continue;
    const list = members.get(box) ?? [];
    list.push(n.id);
    members.set(box, list);
  }
  const keepBox = options.keep ? (byId.get(options.keep)?.namespace ?? '') : '';
  const collapsed = new Set<string>([...(options.collapsed ?? [])].filter((ns) => members.has(ns) && ns !== keepBox));
  let budgetCollapsed = 0;
  if (!options.showAll) {
    const count = (): number => nodes.length - [...collapsed].reduce((s, ns) => s + (members.get(ns)?.length ?? 0) - 1, 0);
    const candidates = [...members.entries()]
      .filter(([ns, list]) => !collapsed.has(ns) && !options.expanded?.has(ns) && ns !== keepBox && list.length > 1)
      .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    for (const [ns] of candidates) {
      if (count() <= options.budget) break;
      collapsed.add(ns);
      budgetCollapsed++;
    }
  }
  const drawnAs = (id: string): string => {
    const ns = byId.get(id)?.namespace ?? '';
    return ns !== '' && collapsed.has(ns) ? namespaceNodeId(ns) : id;
  };

  // Edges merged by drawn ends (ports, and pairs inside collapsed namespaces).
  interface Merged {
    source: string;
    target: string;
    ports: Set<number>;
    parts: EdgeStats[];
    pairs: Set<string>;
    change: ChangeKind | null;
  }
  const merged = new Map<string, Merged>();
  for (const { edge, change } of source) {
    const s = drawnAs(edge.source);
    const t = drawnAs(edge.target);
    const key = `${s}\u0000${t}`;
    const m = merged.get(key) ?? { source: s, target: t, ports: new Set<number>(), parts: [], pairs: new Set<string>(), change: null };
    m.ports.add(edge.port);
    if (change !== 'vanished') m.parts.push(edge);
    m.pairs.add(`${edge.source}\u0000${edge.target}`);
    if (change !== null && (m.change === null || CHANGE_ORDER[change] > CHANGE_ORDER[m.change])) m.change = change;
    merged.set(key, m);
  }
  let drawnEdges: GraphEdge[] = [...merged.values()].map((m) => {
    const stats = sumStats(m.parts);
    const share = m.parts.length > 0 ? failureShare(stats) : null;
    return {
      id: `edge:${m.source}->${m.target}`,
      source: m.source,
      target: m.target,
      ports: [...m.ports].sort((a, b) => a - b),
      stats,
      rate: ratePerSecond(stats, options.seconds),
      share,
      level: m.parts.length > 0 ? healthLevel(share) : 'idle',
      change: m.change,
      pairs: m.pairs.size,
      label: requestLabel(stats, share, options.seconds),
    };
  });
  const total = drawnEdges.length;
  if (options.errorsOnly) drawnEdges = drawnEdges.filter((e) => e.level === 'warn' || e.level === 'bad' || e.change === 'worse');
  if (!options.showAll && drawnEdges.length > edgeBudget) {
    // The busiest edges stay, and always the failing, the changed and the selection's.
    const must = (e: GraphEdge): boolean => e.level === 'bad' || e.change !== null || e.source === options.keep || e.target === options.keep;
    const sorted = [...drawnEdges].sort((a, b) => Number(must(b)) - Number(must(a)) || b.rate - a.rate || (a.id < b.id ? -1 : 1));
    drawnEdges = sorted.slice(0, Math.max(edgeBudget, sorted.filter(must).length));
  }

  // Nodes: services outside collapsed namespaces, collapsed namespaces, and the boxes of open ones.
  const levelIn = new Map<string, HealthLevel>();
  for (const e of drawnEdges) levelIn.set(e.target, worse(levelIn.get(e.target) ?? 'idle', e.level));
  const errorEnds = new Set(drawnEdges.flatMap((e) => [e.source, e.target]));
  const graphNodes: GraphNode[] = [];
  const openBoxes = new Set<string>();
  for (const n of nodes) {
    const id = drawnAs(n.id);
    if (id !== n.id) continue;
    if (options.errorsOnly && !errorEnds.has(n.id) && n.id !== options.keep) continue;
    const box = boxOf(n);
    if (box !== '') openBoxes.add(box);
    graphNodes.push({
      id: n.id,
      label: n.name || n.id,
      type: 'service',
      namespace: n.namespace,
      kind: n.kind,
      parent: box !== '' ? namespaceNodeId(box) : null,
      members: 1,
      hops: options.hops?.get(n.id) ?? null,
      level: levelIn.get(n.id) ?? 'idle',
    });
  }
  for (const ns of [...collapsed].sort()) {
    const id = namespaceNodeId(ns);
    if (options.errorsOnly && !errorEnds.has(id)) continue;
    graphNodes.push({ id, label: ns, type: 'collapsed', namespace: ns, kind: 'namespace', parent: null, members: members.get(ns)?.length ?? 0, hops: null, level: levelIn.get(id) ?? 'idle' });
  }
  for (const ns of [...openBoxes].sort()) {
    graphNodes.push({ id: namespaceNodeId(ns), label: ns, type: 'namespace', namespace: ns, kind: 'namespace', parent: null, members: members.get(ns)?.length ?? 0, hops: null, level: 'idle' });
  }
  const drawn = new Set(graphNodes.map((n) => n.id));
  drawnEdges = drawnEdges.filter((e) => drawn.has(e.source) && drawn.has(e.target));
  drawnEdges.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    nodes: graphNodes,
    edges: drawnEdges,
    hidden: {
      services: [...collapsed].reduce((s, ns) => s + (members.get(ns)?.length ?? 0), 0),
      namespaces: budgetCollapsed,
      edges: total - drawnEdges.length,
    },
    services: nodes.length,
  };
}

/**
 * An edge's request rate, failure share (the one its colour shows: request errors and failed
 * connections) and request p99, as the map writes it along the edge ('' without requests).
 */
export function requestLabel(stats: EdgeStats, share: number | null, seconds: number): string {
  if (stats.requests === 0 || seconds <= 0) return '';
  return `${formatRate(stats.requests / seconds)} req/s · ${formatShare(share)} · p99 ${formatMillis(stats.request_latency_p99_ms)}`;
}
