'use client';
/**
 * The map page: the top bar (search, time, live, comparison, filters, theme), the drawing with
 * its legend and "what is hidden" note, the list view, the edge drawer, the neighbourhood
 * controls, the changes list and the replay slider. Every choice lives in the URL (useViewState).
 */
import { useEffect, useMemo, useState } from 'react';
import { api, data } from '../api/client';
import type { Session } from '../model/apiTypes';
import { buildGraph, type GraphEdge } from '../model/mapGraph';
import { formatCount } from '../model/format';
import { BASELINES, DIRECTIONS, MAX_DEPTH, RANGE_PRESETS, windowOf, type Baseline, type Direction, type RangePreset } from '../model/viewState';
import { MapCanvas, centreOn } from '../map/MapCanvas';
import { EdgeDrawer } from './EdgeDrawer';
import { Legend } from './Legend';
import { ListView } from './ListView';
import { SearchBox } from './SearchBox';
import { useMapData } from './useMapData';
import { useViewState } from './useViewState';

type Theme = 'light' | 'dark';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>('dark');
  useEffect(() => setTheme(document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'), []);
  const toggle = (): void => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('weft.theme', next);
    setTheme(next);
  };
  return [theme, toggle];
}

const BASELINE_LABEL: Record<Baseline, string> = { previous: 'the window before', '1d': 'a day earlier', '7d': 'a week earlier', custom: 'custom' };

export function MapApp() {
  const [view, setView] = useViewState();
  const [theme, toggleTheme] = useTheme();
  const [session, setSession] = useState<Session | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const { data: mapData, error, loading } = useMapData(view);

  useEffect(() => {
    void data(api.GET('/api/v1/session')).then(setSession, () => undefined);
  }, []);

  const graph = useMemo(() => {
    if (!mapData) return null;
    return buildGraph(mapData.nodes, mapData.edges, {
      seconds: mapData.window.to - mapData.window.from,
      budget: view.budget,
      showAll: view.showAll || view.selected !== null,
      errorsOnly: view.errorsOnly,
      collapsed,
      expanded,
      keep: view.selected,
      ...(mapData.changes ? { changes: mapData.changes.changes } : {}),
      ...(mapData.hops ? { hops: mapData.hops } : {}),
    });
  }, [mapData, view.budget, view.showAll, view.selected, view.errorsOnly, collapsed, expanded]);

  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const n of mapData?.nodes ?? []) m.set(n.id, n.name || n.id);
    for (const s of mapData?.changes?.services ?? []) if (!m.has(s.id)) m.set(s.id, s.name || s.id);
    return m;
  }, [mapData]);

  const selectedEdgeId = view.edge ? `edge:${view.edge.source}->${view.edge.target}` : null;
  const drawnEdge = graph?.edges.find((e) => e.id === selectedEdgeId) ?? null;

  const selectEdge = (edge: GraphEdge): void => {
    if (edge.source.startsWith('namespace:') || edge.target.startsWith('namespace:')) {
      // A collapsed namespace's edge stands for many: open the namespace first.
      const ns = (edge.source.startsWith('namespace:') ? edge.source : edge.target).slice('namespace:'.length);
      toggleNamespace(ns);
      return;
    }
    setView({ edge: { source: edge.source, target: edge.target, port: edge.ports[0] ?? 0 } });
  };
  const selectEdgeById = (id: string): void => {
    const edge = graph?.edges.find((e) => e.id === id);
    if (edge) selectEdge(edge);
  };
  const toggleNamespace = (ns: string): void => {
    const isCollapsed = graph?.nodes.some((n) => n.type === 'collapsed' && n.namespace === ns) ?? false;
    const nextCollapsed = new Set(collapsed);
    const nextExpanded = new Set(expanded);
    if (isCollapsed) {
      nextCollapsed.delete(ns);
      nextExpanded.add(ns);
    } else {
      nextCollapsed.add(ns);
      nextExpanded.delete(ns);
    }
    setCollapsed(nextCollapsed);
    setExpanded(nextExpanded);
  };

  const fullWindow = windowOf(view, Math.floor(Date.now() / 1000));
  const comparing = view.compare !== null;
  const changes = mapData?.changes?.changes ?? [];

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Weft</span>
        <SearchBox
          onPick={(s) => {
            setView({ selected: s.id, edge: null });
            setTimeout(() => centreOn(s.id), 400);
          }}
        />
        <div className="group" role="group" aria-label="Time range">
          <label htmlFor="range">Range</label>
          <select id="range" value={view.range ?? 'custom'} onChange={(e) => (e.target.value === 'custom' ? setView({ range: null, from: fullWindow.from, to: fullWindow.to, live: false, at: null }) : setView({ range: e.target.value as RangePreset, from: null, to: null, at: null }))}>
            {RANGE_PRESETS.map((r) => (
              <option key={r} value={r}>
                last {r}
              </option>
            ))}
            <option value="custom">custom…</option>
          </select>
          {view.range === null ? (
            <>
              <input aria-label="From" type="datetime-local" value={toLocalInput(view.from)} onChange={(e) => setView({ from: fromLocalInput(e.target.value) ?? view.from })} />
              <input aria-label="To" type="datetime-local" value={toLocalInput(view.to)} onChange={(e) => setView({ to: fromLocalInput(e.target.value) ?? view.to })} />
            </>
          ) : (
            <button aria-pressed={view.live} onClick={() => setView({ live: !view.live })} title="Refresh every few seconds">
              Live
            </button>
          )}
        </div>
        <div className="group" role="group" aria-label="Filters">
          <button aria-pressed={view.errorsOnly} onClick={() => setView({ errorsOnly: !view.errorsOnly })}>
            Errors only
          </button>
          <label htmlFor="namespace">Namespace</label>
          <select id="namespace" value={view.namespace ?? ''} onChange={(e) => setView({ namespace: e.target.value === '' ? null : e.target.value })}>
            <option value="">all</option>
            {[...new Set((mapData?.nodes ?? []).map((n) => n.namespace).filter((n) => n !== ''))].sort().map((ns) => (
              <option key={ns} value={ns}>
                {ns}
              </option>
            ))}
            {view.namespace !== null && !(mapData?.nodes ?? []).some((n) => n.namespace === view.namespace) ? <option value={view.namespace}>{view.namespace}</option> : null}
          </select>
          <label htmlFor="min-rate" title="Only edges with at least this many connections per second">Min/s</label>
          <input id="min-rate" type="number" min={0} step={0.1} style={{ width: 70 }} value={view.minRate} onChange={(e) => setView({ minRate: Math.max(0, Number(e.target.value) || 0) })} />
        </div>
        <div className="group" role="group" aria-label="What changed">
          <label htmlFor="compare">Compare</label>
          <select id="compare" value={view.compare ?? ''} onChange={(e) => setView({ compare: e.target.value === '' ? null : (e.target.value as Baseline), ...(e.target.value === 'custom' ? { baselineFrom: fullWindow.from - (fullWindow.to - fullWindow.from), baselineTo: fullWindow.from } : {}) })}>
            <option value="">with nothing</option>
            {BASELINES.map((b) => (
              <option key={b} value={b}>
                {BASELINE_LABEL[b]}
              </option>
            ))}
          </select>
        </div>
        <span className="spacer" />
        <button aria-pressed={view.list} onClick={() => setView({ list: !view.list })}>
          List
        </button>
        <button onClick={toggleTheme} aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
        {session ? (
          <span className="muted" title={`key ${session.key_id}`}>
            {session.tenant_name}
          </span>
        ) : null}
        <button
          onClick={() => {
            void api.DELETE('/api/v1/session').then(() => window.location.assign('/login/'));
          }}
        >
          Sign out
        </button>
      </header>
      <div className="main">
        {view.selected !== null ? (
          <aside className="side" aria-label="Neighbourhood" style={{ width: 260 }}>
            <section>
              <button className="close" onClick={() => setView({ selected: null })} aria-label="Back to the whole map">
                ✕
              </button>
              <h2>{names.get(view.selected) ?? view.selected}</h2>
              <p className="muted">
                <a href={`/service/?id=${encodeURIComponent(view.selected)}`}>Service page</a>
              </p>
              <label htmlFor="depth">Hops</label>{' '}
              <select id="depth" value={view.depth} onChange={(e) => setView({ depth: Number(e.target.value) })}>
                {Array.from({ length: MAX_DEPTH }, (_, i) => i + 1).map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>{' '}
              <label htmlFor="direction">Direction</label>{' '}
              <select id="direction" value={view.direction} onChange={(e) => setView({ direction: e.target.value as Direction })}>
                {DIRECTIONS.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
              {graph ? (
                <p className="muted" data-testid="neighborhood-summary">
                  {formatCount(graph.nodes.filter((n) => n.type === 'service').length)} services within {view.depth} hop{view.depth > 1 ? 's' : ''}
                </p>
              ) : null}
            </section>
          </aside>
        ) : null}
        <div className="canvas-wrap">
          {graph ? (
            <MapCanvas
              graph={graph}
              positionsKey={`weft.positions.${session?.tenant_id ?? 'default'}`}
              theme={theme}
              selectedNode={view.selected}
              selectedEdge={selectedEdgeId}
              onSelectNode={(id) => setView({ selected: id, edge: null })}
              onSelectEdge={selectEdgeById}
              onToggleNamespace={toggleNamespace}
            />
          ) : null}
          <Legend comparing={comparing} />
          {graph && (graph.hidden.namespaces > 0 || graph.hidden.edges > 0) ? (
            <div className="overlay note" role="status" data-testid="hidden-note">
              <span>
                Showing {formatCount(graph.nodes.filter((n) => n.type !== 'namespace').length)} nodes for {formatCount(graph.services)} services
                {graph.hidden.namespaces > 0 ? `: ${graph.hidden.namespaces} namespaces collapsed (${formatCount(graph.hidden.services)} services)` : ''}
                {graph.hidden.edges > 0 ? `${graph.hidden.namespaces > 0 ? ',' : ':'} ${formatCount(graph.hidden.edges)} edges hidden` : ''}.
              </span>
              {!view.showAll ? <button onClick={() => setView({ showAll: true })}>Show all</button> : null}
            </div>
          ) : null}
          {view.showAll && view.selected === null ? (
            <div className="overlay note" style={{ top: 56 }}>
              <span>Showing everything.</span>
              <button onClick={() => setView({ showAll: false })}>Back to the budget of {view.budget}</button>
            </div>
          ) : null}
          <div className="overlay status" role="status" aria-live="polite" data-testid="map-status">
            {error !== null ? <span className="error">{error}</span> : mapData ? `${formatCount(mapData.nodes.length)} services, ${formatCount(mapData.edges.length)} edges · ${mapData.resolution} s rows · ${new Date(mapData.fetchedAt).toLocaleTimeString()}` : 'Loading…'}
            {loading && mapData ? ' · refreshing' : ''}
          </div>
        </div>
        {comparing && !view.edge ? (
          <aside className="side" aria-label="What changed" data-testid="changes">
            <section>
              <h2>What changed ({changes.length})</h2>
              <p className="muted">Against {BASELINE_LABEL[view.compare!]}</p>
              <ul className="changes-list">
                {changes.map((c) => (
                  <li key={`${c.kind}${c.source}${c.target}${c.port}`} data-kind={c.kind} data-source={c.source} data-target={c.target}>
                    <strong className={c.kind === 'worse' ? 'level-bad' : c.kind === 'appeared' ? '' : 'muted'}>{c.kind}</strong> {names.get(c.source) ?? c.source} → {names.get(c.target) ?? c.target}:{c.port}
                    {c.reasons.length > 0 ? <small className="muted"> ({c.reasons.join(', ').replaceAll('_', ' ')})</small> : null}
                  </li>
                ))}
              </ul>
            </section>
          </aside>
        ) : null}
        {view.edge && mapData ? (
          <EdgeDrawer
            edge={view.edge}
            ports={drawnEdge?.ports ?? [view.edge.port]}
            names={names}
            window={mapData.window}
            totals={drawnEdge?.stats ?? null}
            theme={theme}
            onPort={(port) => setView({ edge: { ...view.edge!, port } })}
            onClose={() => setView({ edge: null })}
          />
        ) : null}
        {view.list && graph ? (
          <aside className="side list-side" aria-label="List view">
            <ListView graph={graph} names={names} selectedNode={view.selected} selectedEdge={selectedEdgeId} onSelectNode={(id) => setView({ selected: id, edge: null })} onSelectEdge={selectEdge} />
          </aside>
        ) : null}
      </div>
      {view.range !== null ? (
        <div className="replay">
          <label htmlFor="replay">Replay</label>
          <input
            id="replay"
            type="range"
            min={fullWindow.from}
            max={fullWindow.to}
            step={Math.max(1, Math.floor((fullWindow.to - fullWindow.from) / 300))}
            value={view.at ?? fullWindow.to}
            onChange={(e) => setView({ at: Number(e.target.value) >= fullWindow.to - 1 ? null : Number(e.target.value) })}
            aria-valuetext={view.at !== null ? new Date(view.at * 1000).toLocaleString() : 'now'}
          />
          <span className="muted">{view.at !== null ? new Date(view.at * 1000).toLocaleTimeString() : 'now'}</span>
          {view.at !== null ? <button onClick={() => setView({ at: null })}>Back to now</button> : null}
        </div>
      ) : null}
    </div>
  );
}

function toLocalInput(seconds: number | null): string {
  if (seconds === null) return '';
  const d = new Date(seconds * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value: string): number | null {
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}
