'use client';
/**
 * An edge's drawer: its totals, RED and TCP-health charts over the window (GET
 * /api/v1/edges/series), and the failure-domain breakdown with the worst value first (GET
 * /api/v1/edges/breakdown).
 */
import { useEffect, useMemo, useState } from 'react';
import { api, data } from '../api/client';
import type { BreakdownResponse, EdgeStats, SeriesResponse } from '../model/apiTypes';
import { failureShare, healthLevel, rateUnit } from '../model/edgeHealth';
import { formatBytes, formatCount, formatMicros, formatRate, formatShare } from '../model/format';
import type { EdgeRef, UnixWindow } from '../model/viewState';
import { SeriesChart, type ChartLine } from './SeriesChart';

const DIMENSIONS = ['server_version', 'client_version', 'server_instance', 'client_instance', 'server_zone', 'client_zone', 'server_node', 'client_node', 'server_process', 'client_process'] as const;
type Dimension = (typeof DIMENSIONS)[number];

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
        ]
      : [
          { label: 'opened/s', values: series.points.map((p) => per(p.connections_opened)), colour: '--accent' },
          { label: 'failed/s', values: series.points.map((p) => per(p.connections_failed)), colour: '--bad' },
          { label: 'active', values: series.points.map((p) => p.connections_active), colour: '--muted' },
        ];
    const ms = (v: number | null): number | null => (v === null ? null : v / 1000);
    const duration: ChartLine[] = [
      { label: 'RTT p50', values: series.points.map((p) => ms(p.rtt_p50_us)), colour: '--ok' },
      { label: 'RTT p99', values: series.points.map((p) => ms(p.rtt_p99_us)), colour: '--warn' },
      ...(requests ? [{ label: 'request p99', values: series.points.map((p) => ms(p.request_p99_us)), colour: '--bad' }] : []),
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
    <aside className="side" aria-label="Edge details" data-testid="edge-drawer">
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
