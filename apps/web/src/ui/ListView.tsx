'use client';
/**
 * The same map as tables (services, then edges), for keyboard and screen-reader use: rows are
 * focusable, Enter or Space selects (a service: its neighbourhood; an edge: its drawer).
 */
import type { KeyboardEvent } from 'react';
import type { Graph, GraphEdge } from '../model/mapGraph';
import { EdgeHealthCells, EdgeHealthHeaders } from './EdgeHealthCells';

export function ListView(props: { graph: Graph; names: Map<string, string>; selectedNode: string | null; selectedEdge: string | null; onSelectNode(id: string): void; onSelectEdge(edge: GraphEdge): void }) {
  const activate = (e: KeyboardEvent, f: () => void): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      f();
    }
  };
  const services = props.graph.nodes.filter((n) => n.type !== 'namespace');
  const name = (id: string): string => props.names.get(id) ?? id;
  return (
    <div data-testid="list-view">
      <section>
        <h2 id="services-heading">Services ({services.length})</h2>
        <table aria-labelledby="services-heading">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Namespace</th>
              <th scope="col">Kind</th>
              <th scope="col">Health (inbound)</th>
            </tr>
          </thead>
          <tbody>
            {services.map((n) => (
              <tr key={n.id} tabIndex={0} data-id={n.id} aria-selected={props.selectedNode === n.id} onClick={() => props.onSelectNode(n.id)} onKeyDown={(e) => activate(e, () => props.onSelectNode(n.id))}>
                <td className="name" title={n.id}>
                  {n.type === 'collapsed' ? `${n.label} (${n.members} services)` : n.label}
                </td>
                <td>{n.namespace}</td>
                <td>{n.kind}</td>
                <td className={`level-${n.level}`}>{n.level}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2 id="edges-heading">Edges ({props.graph.edges.length})</h2>
        <table aria-labelledby="edges-heading">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Ports</th>
              <EdgeHealthHeaders />
            </tr>
          </thead>
          <tbody>
            {props.graph.edges.map((e) => (
              <tr key={e.id} tabIndex={0} data-source={e.source} data-target={e.target} aria-selected={props.selectedEdge === e.id} onClick={() => props.onSelectEdge(e)} onKeyDown={(ev) => activate(ev, () => props.onSelectEdge(e))}>
                <td className="name" title={e.source}>
                  {name(e.source)}
                </td>
                <td className="name" title={e.target}>
                  {name(e.target)}
                </td>
                <td>{e.ports.join(', ')}</td>
                <EdgeHealthCells stats={e.stats} rate={e.rate} share={e.share} />
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
