'use client';
/** A service's page: its inbound and outbound dependencies over the last hour, with their health, each linking to its edge on the map. */
import { useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { api, data } from '../api/client';
import type { MapEdge, ServiceView } from '../model/apiTypes';
import { failureShare, ratePerSecond } from '../model/edgeHealth';
import { EdgeHealthCells, EdgeHealthHeaders } from './EdgeHealthCells';
import { formatViewState, DEFAULT_VIEW } from '../model/viewState';

function EdgeTable({ title, edges, other, seconds }: { title: string; edges: MapEdge[]; other: (e: MapEdge) => string; seconds: number }) {
  return (
    <section>
      <h2>
        {title} ({edges.length})
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Port</th>
            <EdgeHealthHeaders />
          </tr>
        </thead>
        <tbody>
          {edges.map((e) => {
            const link = formatViewState({ ...DEFAULT_VIEW, range: '1h', edge: { source: e.source, target: e.target, port: e.port } });
            return (
              <tr key={`${e.source}${e.target}${e.port}`}>
                <td>
                  <a href={`/?${link}`}>{other(e)}</a>
                </td>
                <td>{e.port}</td>
                <EdgeHealthCells stats={e} rate={ratePerSecond(e, seconds)} share={failureShare(e)} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function ServicePage() {
  const id = useSearchParams().get('id');
  const [view, setView] = useState<ServiceView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (id === null) return;
    void data(api.GET('/api/v1/services/{id}', { params: { path: { id }, query: { from: 'now-1h' } } })).then(setView, (e: Error) => setError(e.message));
  }, [id]);
  if (id === null) return <p className="error">No service given.</p>;
  const seconds = view ? (Date.parse(view.window.to) - Date.parse(view.window.from)) / 1000 : 1;
  return (
    <main className="side" style={{ width: 'auto', maxWidth: 'none', border: 0, background: 'transparent' }}>
      <section>
        <a href={`/?${formatViewState({ ...DEFAULT_VIEW, selected: id })}`}>← Map</a>
        <h1>{view?.service.name ?? id}</h1>
        {view ? (
          <p className="muted">
            {view.service.namespace !== '' ? `${view.service.namespace} · ` : ''}
            {view.service.kind} · {id}
          </p>
        ) : null}
        {error !== null ? <p className="error">{error}</p> : null}
      </section>
      {view ? (
        <>
          <EdgeTable title="Called by (inbound)" edges={view.inbound} other={(e) => e.source} seconds={seconds} />
          <EdgeTable title="Calls (outbound)" edges={view.outbound} other={(e) => e.target} seconds={seconds} />
        </>
      ) : null}
    </main>
  );
}
