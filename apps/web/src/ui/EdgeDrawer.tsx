'use client';
/**
 * An edge's drawer: its totals, RED and TCP-health charts over the window (GET
 * /api/v1/edges/series), its top routes (GET /api/v1/edges/routes), and the failure-domain
 * breakdown with the worst value first (GET /api/v1/edges/breakdown).
 */
import { useEffect, useMemo, useState } from 'react';
import { api, data } from '../api/client';
import type { BreakdownResponse, EdgeStats, RoutesResponse, SeriesResponse } from '../model/apiTypes';
import { failureShare, healthLevel, rateUnit, requestErrorShare } from '../model/edgeHealth';
import { formatBytes, formatCount, formatMicros, formatMillis, formatRate, formatShare } from '../model/format';
import type { EdgeRef, UnixWindow } from '../model/viewState';
import { SeriesChart, type ChartLine } from './SeriesChart';

const DIMENSIONS = ['server_version', 'client_version', 'server_instance', 'client_instance', 'server_zone', 'client_zone', 'server_node', 'client_node', 'server_process', 'client_process'] as const;
type Dimension = (typeof DIMENSIONS)[number];

/** Routes the drawer lists (the rest are summed in one row). */
const TOP_ROUTES = 10;

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** A step giving about 60 points over the window, on the minute when the window is long. */
function stepFor(window: UnixWindow): number {
  const raw = Math.max(1, Math.ceil((window.to - window.from) / 60));
  for (const step of [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400]) if (step >= raw) return step;
  return 86_400;
}

export function EdgeDrawer(props: { edge: EdgeRef; ports: number[]; names: Map<string, string>; window: UnixWindow; totals: EdgeStats | null; theme: string; onPort(port: number): void; onClose(): void }) {
  const { edge, window } = props;
  const [series, setSeries] = useState<SeriesResponse | null>(null);
  const [breakdown, setBreakdown] = useState<BreakdownResponse | null>(null);
  const [routes, setRoutes] = useState<RoutesResponse | null>(null);
  const [by, setBy] = useState<Dimension>('server_version');
  const [error, setError] = useState<string | null>(null);
  const from = iso(window.from);
  const to = iso(window.to);

  useEffect(() => {
    let stale = false;
    setError(null);
    const query = { source: edge.source, target: edge.target, port: edge.port, from, to };
    void data(api.GET('/api/v1/edges/series', { params: { query: { ...query, step: stepFor(window) } } }))
      .then((s) => !stale && setSeries(s))
      .catch((e: Error) => !stale && setError(e.message));
    void data(api.GET('/api/v1/edges/breakdown', { params: { query: { ...query, by } } }))
      .then((b) => !stale && setBreakdown(b))
      .catch((e: Error) => !stale && setError(e.message));
    void data(api.GET('/api/v1/edges/routes', { params: { query: { ...query, limit: TOP_ROUTES } } }))
      .then((r) => !stale && setRoutes(r))
      .catch((e: Error) => !stale && setError(e.message));
    return () => {
      stale = true;
    };
    // The window's bounds (strings) stand for it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [edge.source, edge.target, edge.port, from, to, by]);

  const charts = useMemo(() => {
    if (!series) return null;
    const times = series.points.map((p) => Date.parse(p.ts) / 1000);
    const per = (v: number): number => v / series.step;
    const requests = series.points.some((p) => p.requests > 0);
    const rate: ChartLine[] = requests
      ? [
          { label: 'requests/s', values: series.points.map((p) => per(p.requests)), colour: '--accent' },
          { label: 'errors/s', values: series.points.map((p) => per(p.request_errors)), colour: '--bad' },
          { label: '4xx/s', values: series.points.map((p) => per(p.request_client_errors)), colour: '--warn' },
          { label: 'failed conn/s', values: series.points.map((p) => per(p.connections_failed)), colour: '--muted' },
        ]
      : [
          { label: 'opened/s', values: series.points.map((p) => per(p.connections_opened)), colour: '--accent' },
          { label: 'failed/s', values: series.points.map((p) => per(p.connections_failed)), colour: '--bad' },
          { label: 'active', values: series.points.map((p) => p.connections_active), colour: '--muted' },
        ];
    const ms = (v: number | null): number | null => (v === null ? null : v / 1000);
    const duration: ChartLine[] = [
      ...(requests
        ? [
            { label: 'request p50', values: series.points.map((p) => p.request_latency_p50_ms), colour: '--accent' },
            { label: 'request p99', values: series.points.map((p) => p.request_latency_p99_ms), colour: '--bad' },
          ]
        : []),
      { label: 'RTT p50', values: series.points.map((p) => ms(p.rtt_p50_us)), colour: '--ok' },
      { label: 'RTT p99', values: series.points.map((p) => ms(p.rtt_p99_us)), colour: '--warn' },
    ];
    const health: ChartLine[] = [
      { label: 'retransmits/s', values: series.points.map((p) => per(p.retransmits)), colour: '--warn' },
      { label: 'resets/s', values: series.points.map((p) => per(p.resets)), colour: '--bad' },
    ];
    return { times, rate, duration, health };
  }, [series]);

  const name = (id: string): string => props.names.get(id) ?? id;
  const totals = props.totals;
  const seconds = window.to - window.from;
  const share = totals ? failureShare(totals) : null;
  return (
    <aside className="side drawer-side" aria-label="Edge details" data-testid="edge-drawer">
      <section>
        <button className="close" onClick={props.onClose} aria-label="Close the edge details">
          ✕
        </button>
        <h2>
          {name(edge.source)} → {name(edge.target)}
        </h2>
        <div className="muted">
          port{' '}
          {props.ports.length > 1 ? (
            <select aria-label="Port" value={edge.port} onChange={(e) => props.onPort(Number(e.target.value))}>
              {props.ports.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          ) : (
            edge.port
          )}
        </div>
        {totals ? (
          <table data-testid="edge-totals">
            <tbody>
              <tr>
                <th scope="row">Rate</th>
                <td className="num">
                  {formatRate((totals.requests > 0 ? totals.requests : totals.connections_opened) / seconds)} {rateUnit(totals)}
                </td>
              </tr>
              <tr>
                <th scope="row">Failure share</th>
                <td className={`num level-${healthLevel(share)}`}>{formatShare(share)}</td>
              </tr>
              {totals.requests > 0 ? (
                <>
                  <tr>
                    <th scope="row">Requests ({protocolName(totals)})</th>
                    <td className="num" data-testid="edge-requests">
                      {formatCount(totals.requests)}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Errors (5xx) / 4xx</th>
                    <td className={`num level-${healthLevel(requestErrorShare(totals))}`} data-testid="edge-request-errors">
                      {formatShare(requestErrorShare(totals))} ({formatCount(totals.request_errors)}) / {formatCount(totals.request_client_errors)}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Request p50 / p95 / p99</th>
                    <td className="num" data-testid="edge-request-latency">
                      {formatMillis(totals.request_latency_p50_ms)} / {formatMillis(totals.request_latency_p95_ms)} / {formatMillis(totals.request_latency_p99_ms)}
                    </td>
                  </tr>
                </>
              ) : null}
              <tr>
                <th scope="row">Connections opened / failed</th>
                <td className="num">
                  {formatCount(totals.connections_opened)} / {formatCount(totals.connections_failed)}
                </td>
              </tr>
              <tr>
                <th scope="row">Resets / retransmits</th>
                <td className="num">
                  {formatCount(totals.resets)} / {formatCount(totals.retransmits)}
                </td>
              </tr>
              <tr>
                <th scope="row">Bytes sent / received</th>
                <td className="num">
                  {formatBytes(totals.bytes_sent)} / {formatBytes(totals.bytes_received)}
                </td>
              </tr>
              <tr>
                <th scope="row">RTT p50 / p95 / p99</th>
                <td className="num">
                  {formatMicros(totals.rtt_p50_us)} / {formatMicros(totals.rtt_p95_us)} / {formatMicros(totals.rtt_p99_us)}
                </td>
              </tr>
            </tbody>
          </table>
        ) : null}
        {error !== null ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
      </section>
      <section>
        {charts ? (
          <>
            <SeriesChart title="Rate" times={charts.times} lines={charts.rate} unit="per s" theme={props.theme} />
            <SeriesChart title="Duration" times={charts.times} lines={charts.duration} unit="ms" theme={props.theme} />
            <SeriesChart title="TCP health" times={charts.times} lines={charts.health} unit="per s" theme={props.theme} />
          </>
        ) : (
          <p className="muted">Loading the series…</p>
        )}
      </section>
      <section>
        <h2>Top routes</h2>
        {routes === null ? (
          <p className="muted">Loading the routes…</p>
        ) : routes.routes.length === 0 ? (
          <p className="muted">No requests seen on this edge in the window.</p>
        ) : (
          <table data-testid="routes">
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Route</th>
                <th scope="col" className="num">
                  req/s
                </th>
                <th scope="col" className="num">
                  Error %
                </th>
                <th scope="col" className="num">
                  p99
                </th>
              </tr>
            </thead>
            <tbody>
              {routes.routes.map((r) => (
                <tr key={`${r.protocol} ${r.method} ${r.route}`} data-method={r.method} data-route={r.route}>
                  <td title={r.protocol}>{r.method === '' ? r.protocol : r.method}</td>
                  <td className="route" title={r.route}>
                    {r.route}
                  </td>
                  <td className="num">{formatRate(r.requests / seconds)}</td>
                  <td className={`num level-${healthLevel(requestErrorShare(r))}`} title={`${formatCount(r.request_errors)} errors, ${formatCount(r.request_client_errors)} 4xx of ${formatCount(r.requests)}`}>
                    {formatShare(requestErrorShare(r))}
                  </td>
                  <td className="num">{formatMillis(r.request_latency_p99_ms)}</td>
                </tr>
              ))}
              {routes.others.routes > 0 ? (
                <tr className="muted" data-testid="routes-others">
                  <td />
                  <td>
                    {formatCount(routes.others.routes)} more route{routes.others.routes === 1 ? '' : 's'}
                  </td>
                  <td className="num">{formatRate(routes.others.requests / seconds)}</td>
                  <td className={`num level-${healthLevel(requestErrorShare(routes.others))}`}>{formatShare(requestErrorShare(routes.others))}</td>
                  <td className="num">–</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>
          Breakdown by{' '}
          <select aria-label="Failure domain" value={by} onChange={(e) => setBy(e.target.value as Dimension)}>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {d.replace('_', ' ')}
              </option>
            ))}
          </select>
        </h2>
        {breakdown ? (
          <table data-testid="breakdown">
            <thead>
              <tr>
                <th scope="col">{by.replace('_', ' ')}</th>
                <th scope="col" className="num">
                  Error share
                </th>
                <th scope="col" className="num">
                  Opened
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col" className="num">
                  Resets
                </th>
              </tr>
            </thead>
            <tbody>
              {breakdown.groups.map((g) => (
                <tr key={g.value}>
                  <td>{g.value === '' ? '(unknown)' : g.value}</td>
                  <td className={`num level-${healthLevel(g.error_share)}`}>{formatShare(g.error_share)}</td>
                  <td className="num">{formatCount(g.connections_opened)}</td>
                  <td className="num">{formatCount(g.connections_failed)}</td>
                  <td className="num">{formatCount(g.resets)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">Loading the breakdown…</p>
        )}
      </section>
    </aside>
  );
}

/** The protocols of an edge's requests as people read them (HTTP/1, gRPC, HTTP/2 + gRPC …). */
function protocolName(stats: EdgeStats): string {
  const names: Record<EdgeStats['protocols'][number], string> = { http1: 'HTTP/1', http2: 'HTTP/2', grpc: 'gRPC', dns: 'DNS' };
  if (stats.protocols.length === 0) return 'protocol unknown';
  return stats.protocols.map((p) => names[p]).join(' + ');
}
