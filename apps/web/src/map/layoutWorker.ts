/**
 * Lays the map out off the main thread. Known positions are kept (a refresh never moves what the
 * user has seen); only new nodes are placed. Up to FORCE_LIMIT nodes: fcose (force-directed,
 * compound aware), with the known nodes fixed. Beyond: namespace boxes packed in rows, each
 * box's services on a square grid in breadth-first order of their edges (so neighbours sit
 * together), in time linear in the map (fcose takes minutes at 2,000 nodes); a new node of a
 * known map goes beside its neighbours.
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { LayoutRequest, LayoutResult } from './layoutTypes';
import { clusterLayout, placeNearNeighbours } from './clusterLayout';

cytoscape.use(fcose);

const FORCE_LIMIT = 250;

function forceLayout(request: LayoutRequest): Record<string, { x: number; y: number }> {
  const ids = new Set(request.nodes.map((n) => n.id));
  const parents = new Set(request.nodes.map((n) => n.parent).filter((p): p is string => p !== null));
  const cy = cytoscape({
    headless: true,
    styleEnabled: true,
    style: [{ selector: 'node', style: { width: 34, height: 34 } }],
    elements: [
      ...[...parents].filter((p) => !ids.has(p)).map((id) => ({ data: { id } })),
      ...request.nodes.map((n) => ({ data: { id: n.id, ...(n.parent !== null ? { parent: n.parent } : {}) }, ...(n.position ? { position: { ...n.position } } : {}) })),
      ...request.edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target).map((e, i) => ({ data: { id: `e${i}`, source: e.source, target: e.target } })),
    ],
  });
  const known = request.nodes.filter((n) => n.position !== null && !parents.has(n.id));
  cy.layout({
    name: 'fcose',
    animate: false,
    randomize: known.length === 0,
    quality: 'default',
    nodeSeparation: 90,
    idealEdgeLength: 110,
    nodeRepulsion: 9000,
    fixedNodeConstraint: known.length > 0 && known.length < request.nodes.length ? known.map((n) => ({ nodeId: n.id, position: n.position! })) : undefined,
  } as cytoscape.LayoutOptions).run();
  const positions: Record<string, { x: number; y: number }> = {};
  cy.nodes().forEach((n) => {
    if (!n.isParent()) positions[n.id()] = { ...n.position() };
  });
  cy.destroy();
  return positions;
}

self.onmessage = (event: MessageEvent<LayoutRequest>) => {
  const request = event.data;
  const started = performance.now();
  const unplaced = request.nodes.filter((n) => n.position === null);
  let result: LayoutResult;
  if (unplaced.length === 0) {
    result = { seq: request.seq, positions: {}, strategy: 'kept', ms: 0 };
  } else if (request.nodes.length <= FORCE_LIMIT) {
    result = { seq: request.seq, positions: forceLayout(request), strategy: 'force', ms: 0 };
  } else if (unplaced.length < request.nodes.length / 2) {
    result = { seq: request.seq, positions: placeNearNeighbours(request), strategy: 'clusters', ms: 0 };
  } else {
    result = { seq: request.seq, positions: clusterLayout(request), strategy: 'clusters', ms: 0 };
  }
  result.ms = Math.round(performance.now() - started);
  (self as unknown as Worker).postMessage(result);
};
