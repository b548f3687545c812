/**
 * The large-map layout (layoutWorker.ts): linear in the map's size, deterministic.
 */
import type { LayoutRequest } from './layoutTypes';

const CELL = 90;
const BOX_GAP = 140;

type Point = { x: number; y: number };

/** Breadth-first order of `members` over the edges among them, most connected first. */
function neighbourOrder(members: string[], adjacency: Map<string, string[]>): string[] {
  const inBox = new Set(members);
  const degree = (id: string): number => adjacency.get(id)?.length ?? 0;
  const seeds = [...members].sort((a, b) => degree(b) - degree(a) || (a < b ? -1 : 1));
  const seen = new Set<string>();
  const order: string[] = [];
  for (const seed of seeds) {
    if (seen.has(seed)) continue;
    seen.add(seed);
    const queue = [seed];
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head]!;
      order.push(id);
      for (const next of adjacency.get(id) ?? []) {
        if (inBox.has(next) && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
  }
  return order;
}

function adjacencyOf(request: LayoutRequest): Map<string, string[]> {
  const adjacency = new Map<string, string[]>();
  const link = (a: string, b: string): void => {
    const list = adjacency.get(a);
    if (list) list.push(b);
    else adjacency.set(a, [b]);
  };
  for (const e of request.edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  return adjacency;
}

/** Every node placed: namespace boxes (services without one form their own group) packed in rows. */
export function clusterLayout(request: LayoutRequest): Record<string, Point> {
  const adjacency = adjacencyOf(request);
  const groups = new Map<string, string[]>();
  for (const n of request.nodes) {
    const key = n.parent ?? '';
    const list = groups.get(key) ?? [];
    list.push(n.id);
    groups.set(key, list);
  }
  const boxes = [...groups.entries()]
    .map(([key, members]) => {
      const side = Math.ceil(Math.sqrt(members.length));
      return { key, members: neighbourOrder(members, adjacency), side, width: side * CELL, height: Math.ceil(members.length / side) * CELL };
    })
    .sort((a, b) => b.members.length - a.members.length || (a.key < b.key ? -1 : 1));
  const totalArea = boxes.reduce((s, b) => s + (b.width + BOX_GAP) * (b.height + BOX_GAP), 0);
  const rowWidth = Math.max(Math.sqrt(totalArea) * 1.4, boxes[0]?.width ?? 0);
  const positions: Record<string, Point> = {};
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const box of boxes) {
    if (x > 0 && x + box.width > rowWidth) {
      x = 0;
      y += rowHeight + BOX_GAP;
      rowHeight = 0;
    }
    box.members.forEach((id, i) => {
      positions[id] = { x: x + (i % box.side) * CELL, y: y + Math.floor(i / box.side) * CELL };
    });
    x += box.width + BOX_GAP;
    rowHeight = Math.max(rowHeight, box.height);
  }
  return positions;
}

/** Known nodes kept; each new one beside the centroid of its placed neighbours (else of its box, else right of everything). */
export function placeNearNeighbours(request: LayoutRequest): Record<string, Point> {
  const adjacency = adjacencyOf(request);
  const placed = new Map<string, Point>();
  for (const n of request.nodes) if (n.position) placed.set(n.id, n.position);
  // Each box's centroid, from the sums of its placed members' positions.
  const sums = new Map<string, { x: number; y: number; n: number }>();
  for (const n of request.nodes) {
    if (!n.position || n.parent === null) continue;
    const s = sums.get(n.parent) ?? { x: 0, y: 0, n: 0 };
    sums.set(n.parent, { x: s.x + n.position.x, y: s.y + n.position.y, n: s.n + 1 });
  }
  const boxCentre = new Map([...sums].map(([box, s]) => [box, { x: s.x / s.n, y: s.y / s.n }]));
  let maxX = Math.max(0, ...[...placed.values()].map((p) => p.x));
  const positions: Record<string, Point> = {};
  let k = 0;
  for (const n of request.nodes) {
    if (n.position) continue;
    const near = (adjacency.get(n.id) ?? []).map((id) => placed.get(id)).filter((p): p is Point => p !== undefined);
    let base: Point;
    if (near.length > 0) base = { x: near.reduce((s, p) => s + p.x, 0) / near.length, y: near.reduce((s, p) => s + p.y, 0) / near.length };
    else if (n.parent !== null && boxCentre.has(n.parent)) base = boxCentre.get(n.parent)!;
    else base = { x: (maxX += CELL), y: 0 };
    // A small spiral step per new node, so several new neighbours of one node do not stack.
    const angle = k * 2.4;
    const radius = CELL * (0.8 + 0.15 * k);
    const p = { x: base.x + Math.cos(angle) * radius, y: base.y + Math.sin(angle) * radius };
    positions[n.id] = p;
    placed.set(n.id, p);
    k++;
  }
  return positions;
}
