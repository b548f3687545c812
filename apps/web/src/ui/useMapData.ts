'use client';
/**
 * What the map shows, fetched from the API for the view: the map (or the selection's
 * neighbourhood) and, when comparing, the changes against the baseline. Live: refetched every
 * LIVE_INTERVAL_MS; the previous answer stays on screen until the next arrives (no flicker).
 */
import { useEffect, useRef, useState } from 'react';
import { api, data } from '../api/client';
import type { ChangesResponse, MapEdge, MapNode, NeighborhoodResponse } from '../model/apiTypes';
import { baselineOf, replayWindow, windowOf, type UnixWindow, type ViewState } from '../model/viewState';

export const LIVE_INTERVAL_MS = 5000;

export interface MapData {
  window: UnixWindow;
  nodes: MapNode[];
  edges: MapEdge[];
  /** Hop distances when showing a neighbourhood. */
  hops: Map<string, number> | null;
  changes: ChangesResponse | null;
  resolution: number;
  fetchedAt: number;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

async function load(view: ViewState, nowSeconds: number): Promise<MapData> {
  const full = windowOf(view, nowSeconds);
  const window = view.at !== null ? replayWindow(full, view.at) : full;
  const from = iso(window.from);
  const to = iso(window.to);
  const baseline = baselineOf(view, window);
  const changesCall = baseline
    ? data(api.GET('/api/v1/changes', { params: { query: { from, to, baseline_from: iso(baseline.from), baseline_to: iso(baseline.to) } } }))
    : Promise.resolve(null);
  if (view.selected !== null) {
    const [hood, changes] = await Promise.all([
      data(api.GET('/api/v1/services/{id}/neighborhood', { params: { path: { id: view.selected }, query: { depth: view.depth, direction: view.direction, from, to } } })) as Promise<NeighborhoodResponse>,
      changesCall,
    ]);
    const nodes: MapNode[] = hood.nodes.map((n) => ({ id: n.id, name: n.name, namespace: n.namespace, kind: n.kind, workload: n.workload, members: 1 }));
    return { window, nodes, edges: hood.edges, hops: new Map(hood.nodes.map((n) => [n.id, n.hops])), changes, resolution: hood.window.resolution, fetchedAt: Date.now() };
  }
  const query: Record<string, string | number> = { from, to };
  if (view.namespace !== null) query.namespace = view.namespace;
  if (view.minRate > 0) query.min_rate = view.minRate;
  const [map, changes] = await Promise.all([data(api.GET('/api/v1/map', { params: { query } })), changesCall]);
  return { window, nodes: map.nodes, edges: map.edges, hops: null, changes, resolution: map.window.resolution, fetchedAt: Date.now() };
}

export function useMapData(view: ViewState): { data: MapData | null; error: string | null; loading: boolean } {
  const [state, setState] = useState<{ data: MapData | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const key = JSON.stringify([view.range, view.from, view.to, view.at, view.selected, view.depth, view.direction, view.namespace, view.minRate, view.compare, view.baselineFrom, view.baselineTo]);
  useEffect(() => {
    const mine = ++generation.current;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const run = async (): Promise<void> => {
      setState((s) => ({ ...s, loading: true }));
      try {
        const result = await load(view, Math.floor(Date.now() / 1000));
        if (mine === generation.current) setState({ data: result, error: null, loading: false });
      } catch (error) {
        if (mine === generation.current) setState((s) => ({ data: s.data, error: (error as Error).message, loading: false }));
      }
      if (mine === generation.current && view.live && view.range !== null && view.at === null) timer = setTimeout(() => void run(), LIVE_INTERVAL_MS);
    };
    void run();
    return () => {
      generation.current++;
      if (timer !== null) clearTimeout(timer);
    };
    // `key` stands for the view's data-relevant fields.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, view.live]);
  return state;
}
