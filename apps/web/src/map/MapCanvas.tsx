'use client';
/**
 * The drawing: Cytoscape.js on a canvas. Elements are updated in place (added, removed, their
 * data changed), never rebuilt, so a live refresh neither flickers nor moves anything; only new
 * nodes are laid out, by the worker (layoutWorker.ts), and every position is remembered
 * (positionStore.ts). Labels hide when too small to read and show on hover and selection.
 */
import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from 'cytoscape';
import { useEffect, useRef } from 'react';
import type { Graph } from '../model/mapGraph';
import type { LayoutRequest, LayoutResult } from './layoutTypes';
import { PositionStore } from './positionStore';

export interface MapCanvasProps {
  graph: Graph;
  /** Where positions are remembered (per tenant). */
  positionsKey: string;
  theme: 'light' | 'dark';
  selectedNode: string | null;
  selectedEdge: string | null;
  onSelectNode(id: string | null): void;
  onSelectEdge(id: string): void;
  onToggleNamespace(namespace: string): void;
}

/** What tests and the web bench read of the drawing (window.__weftMap). */
export interface MapProbe {
  nodes(): string[];
  edges(): Array<{ source: string; target: string; level: string; change: string | null; label: string }>;
  /** Layouts finished, and the last one's strategy and time. */
  layouts: number;
  lastLayout: { strategy: string; ms: number; nodes: number } | null;
  /** When the last update was drawn (performance.now()). */
  drawnAt: number;
  cy: Core | null;
}

declare global {
  interface Window {
    __weftMap?: MapProbe;
  }
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function edgeWidth(rate: number): number {
  return Math.min(12, 1.2 + 2.2 * Math.log10(1 + rate * 10));
}

function stylesheet(large: boolean): StylesheetJson {
  const level = (l: string): string => cssVar(`--${l}`);
  return [
    {
      selector: 'node',
      style: {
        'background-color': cssVar('--node'),
        label: 'data(label)',
        color: cssVar('--node-text'),
        'font-size': 11,
        'min-zoomed-font-size': 9,
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'text-outline-color': cssVar('--bg'),
        'text-outline-width': 2,
        width: 26,
        height: 26,
        'border-width': 3,
        'border-color': cssVar('--idle'),
      },
    },
    { selector: 'node[level = "ok"]', style: { 'border-color': level('ok') } },
    { selector: 'node[level = "warn"]', style: { 'border-color': level('warn') } },
    { selector: 'node[level = "bad"]', style: { 'border-color': level('bad') } },
    { selector: 'node[type = "collapsed"]', style: { shape: 'round-rectangle', width: 'data(size)', height: 'data(size)', 'background-color': cssVar('--panel-2'), 'border-style': 'double', 'border-width': 4, label: 'data(label)' } },
    {
      selector: ':parent',
      style: {
        'background-color': cssVar('--box'),
        'background-opacity': 0.08,
        'border-color': cssVar('--box-border'),
        'border-width': 1,
        shape: 'round-rectangle',
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -4,
        color: cssVar('--muted'),
        'font-size': 13,
        'min-zoomed-font-size': 6,
        padding: '18px',
      },
    },
    {
      selector: 'edge',
      style: {
        width: 'data(width)',
        'line-color': level('idle'),
        'target-arrow-color': level('idle'),
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        'curve-style': large ? 'haystack' : 'bezier',
        opacity: 0.85,
      },
    },
    // Edges with requests carry their rate, failure share and p99, hidden when zoomed out (and on large drawings).
    ...(large
      ? []
      : [
          {
            selector: 'edge[label != ""]',
            style: {
              label: 'data(label)',
              'font-size': 10,
              'min-zoomed-font-size': 8,
              color: cssVar('--muted'),
              'text-rotation': 'autorotate',
              // A halo of the page's colour keeps the text readable over its own line.
              'text-outline-color': cssVar('--bg'),
              'text-outline-width': 3,
              'text-outline-opacity': 1,
            },
          },
          { selector: 'edge[label != ""][level = "bad"]', style: { color: level('bad') } },
          { selector: 'edge[label != ""][level = "warn"]', style: { color: level('warn') } },
          { selector: 'edge:selected[label != ""]', style: { 'min-zoomed-font-size': 0, 'font-size': 11, color: cssVar('--text'), 'z-index': 20 } },
        ]),
    { selector: 'edge[level = "ok"]', style: { 'line-color': level('ok'), 'target-arrow-color': level('ok') } },
    { selector: 'edge[level = "warn"]', style: { 'line-color': level('warn'), 'target-arrow-color': level('warn') } },
    { selector: 'edge[level = "bad"]', style: { 'line-color': level('bad'), 'target-arrow-color': level('bad') } },
    { selector: 'edge[change = "appeared"]', style: { 'line-style': 'dashed', 'line-color': cssVar('--appeared'), 'target-arrow-color': cssVar('--appeared') } },
    { selector: 'edge[change = "vanished"]', style: { 'line-style': 'dotted', 'line-color': cssVar('--vanished'), 'target-arrow-color': cssVar('--vanished'), opacity: 0.6 } },
    { selector: 'edge[change = "worse"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [10, 4] } },
    { selector: 'node.hover, node:selected', style: { 'min-zoomed-font-size': 0, 'font-size': 13, 'z-index': 20, 'overlay-opacity': 0 } },
    { selector: 'node:selected', style: { 'border-color': cssVar('--focus'), 'border-width': 5 } },
    { selector: 'edge:selected', style: { 'overlay-color': cssVar('--focus'), 'overlay-opacity': 0.25, 'overlay-padding': 4 } },
  ] as StylesheetJson;
}

/** The graph as elements, namespace boxes first (a node's parent must exist when it is added). */
function elementsOf(graph: Graph): ElementDefinition[] {
  const boxes = graph.nodes.filter((n) => n.type === 'namespace');
  const others = graph.nodes.filter((n) => n.type !== 'namespace');
  return [
    ...[...boxes, ...others].map((n) => ({
      group: 'nodes' as const,
      data: { id: n.id, label: n.type === 'collapsed' ? `${n.label} (${n.members})` : n.label, type: n.type, level: n.level, ...(n.parent !== null ? { parent: n.parent } : {}), size: Math.min(90, 30 + Math.sqrt(n.members) * 6) },
    })),
    ...graph.edges.map((e) => ({
      group: 'edges' as const,
      data: { id: e.id, source: e.source, target: e.target, level: e.level, width: edgeWidth(e.rate), label: e.label, ...(e.change !== null ? { change: e.change } : {}) },
    })),
  ];
}

/** Large drawings trade detail for speed while the view moves (edges hidden, a texture panned). */
function isLarge(graph: Graph): boolean {
  return graph.edges.length > 1500 || graph.nodes.length > 800;
}

/** Fits the drawing to the view, but never closer than life size (a map of two nodes is not a poster). */
function fitGently(cy: Core): void {
  cy.fit(undefined, 40);
  if (cy.zoom() > 1.2) {
    cy.zoom(1.2);
    cy.center();
  }
}

export function MapCanvas(props: MapCanvasProps) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const workerRef = useRef<Worker | null>(null);
  const storeRef = useRef<PositionStore | null>(null);
  const seqRef = useRef(0);
  const fittedRef = useRef(false);
  /** The stylesheet applied (theme and size class): restyling every element on each live refresh would redo all style work. */
  const styledRef = useRef<string | null>(null);
  const callbacks = useRef(props);
  callbacks.current = props;

  // Once: the instance, the worker and the probe.
  useEffect(() => {
    const cy = cytoscape({ container: container.current, style: stylesheet(false), minZoom: 0.02, maxZoom: 4, boxSelectionEnabled: false });
    cyRef.current = cy;
    storeRef.current = new PositionStore(props.positionsKey);
    const worker = new Worker(new URL('./layoutWorker.ts', import.meta.url));
    workerRef.current = worker;
    const probe: MapProbe = {
      nodes: () => cy.nodes('[type = "service"], [type = "collapsed"]').map((n) => n.id()).sort(),
      edges: () => cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id(), level: String(e.data('level')), change: (e.data('change') as string | undefined) ?? null, label: String(e.data('label') ?? '') })),
      layouts: 0,
      lastLayout: null,
      drawnAt: 0,
      cy,
    };
    window.__weftMap = probe;
    worker.onmessage = (event: MessageEvent<LayoutResult>) => {
      const result = event.data;
      if (result.seq !== seqRef.current) return; // superseded by a newer graph
      cy.batch(() => {
        for (const [id, p] of Object.entries(result.positions)) cy.getElementById(id).position(p);
      });
      storeRef.current?.setMany(result.positions);
      // The first layout, and one that placed most of what is drawn (Show all, a wider window):
      // the view moves to show it; a few new nodes leave the view where the user put it.
      const placed = Object.keys(result.positions).length;
      if ((!fittedRef.current || placed > cy.nodes().length / 2) && cy.nodes().length > 0) {
        fitGently(cy);
        fittedRef.current = true;
      }
      probe.layouts++;
      probe.lastLayout = { strategy: result.strategy, ms: result.ms, nodes: cy.nodes().length };
      probe.drawnAt = performance.now();
    };
    cy.on('tap', 'node', (event) => {
      const node = event.target as cytoscape.NodeSingular;
      const type = node.data('type') as string;
      if (type === 'service') callbacks.current.onSelectNode(node.id());
      else callbacks.current.onToggleNamespace(node.id().slice('namespace:'.length));
    });
    cy.on('tap', 'edge', (event) => callbacks.current.onSelectEdge((event.target as cytoscape.EdgeSingular).id()));
    cy.on('tap', (event) => {
      if (event.target === cy) callbacks.current.onSelectNode(null);
    });
    cy.on('mouseover', 'node', (event) => (event.target as cytoscape.NodeSingular).addClass('hover'));
    cy.on('mouseout', 'node', (event) => (event.target as cytoscape.NodeSingular).removeClass('hover'));
    cy.on('dragfree', 'node', (event) => {
      const node = event.target as cytoscape.NodeSingular;
      const moved: Record<string, { x: number; y: number }> = {};
      (node.isParent() ? node.descendants() : node).forEach((n) => {
        moved[n.id()] = { ...n.position() };
      });
      storeRef.current?.setMany(moved);
    });
    return () => {
      worker.terminate();
      cy.destroy();
      cyRef.current = null;
      if (window.__weftMap === probe) delete window.__weftMap;
    };
    // The instance lives as long as the page; props reach it through the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The graph: a diff applied in one batch, then a layout of what has no position.
  useEffect(() => {
    const cy = cyRef.current;
    const store = storeRef.current;
    if (!cy || !store) return;
    const large = isLarge(props.graph);
    // Set on the renderer directly: Cytoscape reads these options at every viewport change.
    const renderer = (cy as unknown as { renderer(): { hideEdgesOnViewport: boolean; textureOnViewport: boolean } }).renderer();
    renderer.hideEdgesOnViewport = large;
    renderer.textureOnViewport = large;
    const wanted = elementsOf(props.graph);
    const wantedIds = new Set(wanted.map((e) => e.data.id as string));
    cy.batch(() => {
      cy.elements().forEach((el) => {
        if (!wantedIds.has(el.id())) el.remove();
      });
      for (const def of wanted) {
        const id = def.data.id as string;
        const existing = cy.getElementById(id);
        if (existing.nonempty() && existing.isNode() === (def.group === 'nodes') && (def.group === 'edges' || (existing.data('parent') ?? null) === ((def.data.parent as string | undefined) ?? null))) {
          existing.data(def.data);
          continue;
        }
        if (existing.nonempty()) existing.remove();
        const position = def.group === 'nodes' ? store.get(id) : null;
        cy.add({ ...def, ...(position ? { position } : {}) });
      }
    });
    const styleKey = `${props.theme}:${large}`;
    if (styledRef.current !== styleKey) {
      cy.style(stylesheet(large));
      styledRef.current = styleKey;
    }
    const services = cy.nodes().filter((n) => !n.isParent());
    const unplaced = services.filter((n) => store.get(n.id()) === null);
    const seq = ++seqRef.current;
    const probe = window.__weftMap;
    if (unplaced.length === 0) {
      if (!fittedRef.current && services.length > 0) {
        fitGently(cy);
        fittedRef.current = true;
      }
      if (probe) {
        probe.layouts++;
        probe.lastLayout = { strategy: 'kept', ms: 0, nodes: services.length };
        probe.drawnAt = performance.now();
      }
      return;
    }
    const request: LayoutRequest = {
      seq,
      nodes: services.map((n) => ({ id: n.id(), parent: (n.data('parent') as string | undefined) ?? null, position: store.get(n.id()) })),
      edges: props.graph.edges.map((e) => ({ source: e.source, target: e.target })),
    };
    workerRef.current?.postMessage(request);
  }, [props.graph]);

  // The theme: the same elements, the other colours.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const large = isLarge(props.graph);
    cy.style(stylesheet(large));
    styledRef.current = `${props.theme}:${large}`;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.theme]);

  // The selection, from the URL (a link or the list view).
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.elements(':selected').unselect();
    for (const id of [props.selectedNode, props.selectedEdge]) {
      if (id === null) continue;
      const el = cy.getElementById(id);
      if (el.nonempty()) el.select();
    }
  }, [props.selectedNode, props.selectedEdge, props.graph]);

  return <div ref={container} className="canvas" role="img" aria-label="Service map drawing; the list view holds the same services and edges as a table" data-testid="map-canvas" />;
}

/** Centres the drawing on a node (search). */
export function centreOn(id: string): void {
  const cy = window.__weftMap?.cy;
  const node = cy?.getElementById(id);
  if (cy && node && node.nonempty()) cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 300 });
}
