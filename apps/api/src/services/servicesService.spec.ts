/** The services check what a transport without zod DTOs (gRPC) may hand them, naming the REST parameter. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ChangesService } from '../changes/changesService.js';
import { EdgesService } from '../edges/edgesService.js';
import { InvalidParameterError, NotFoundError } from '../errors/serviceErrors.js';
import { MapService } from '../map/mapService.js';
import { FakeEdgeQueries } from '../testing/fakeEdgeQueries.js';
import { ServicesService } from './servicesService.js';

const queries = new FakeEdgeQueries({});
const refuses = async (parameter: string, f: () => Promise<unknown>): Promise<void> => {
  await assert.rejects(f, (err: unknown) => err instanceof InvalidParameterError && err.parameter === parameter, parameter);
};

describe('the services refuse what no DTO checked', () => {
  it('names the parameter; asks the store for nothing', async () => {
    const services = new ServicesService(queries);
    const edges = new EdgesService(queries);
    await refuses('limit', () => services.search('t', { limit: 0 }));
    await refuses('limit', () => services.search('t', { limit: 2.5 }));
    await refuses('depth', () => services.neighborhood('t', { id: 'a', depth: 6 }));
    await refuses('direction', () => services.neighborhood('t', { id: 'a', direction: 'sideways' as 'in' }));
    await refuses('id', () => services.view('t', { id: '' }));
    await refuses('from', () => services.view('t', { id: 'a', from: 'yesterday' }));
    await refuses('min_rate', () => new MapService(queries).readMap('t', { min_rate: Number.NaN }));
    await refuses('group_by', () => new MapService(queries).readMap('t', { group_by: 'pod' as 'zone' }));
    await refuses('port', () => edges.series('t', { source: 'a', target: 'b', port: 70_000 }));
    await refuses('source', () => edges.series('t', { source: '', target: 'b' }));
    await refuses('by', () => edges.breakdown('t', { source: 'a', target: 'b', by: 'colour' as 'server_zone' }));
    await refuses('limit', () => edges.routes('t', { source: 'a', target: 'b', limit: 0 }));
    await refuses('limit', () => edges.routes('t', { source: 'a', target: 'b', limit: 1001 }));
    await refuses('limit', () => edges.routes('t', { source: 'a', target: 'b', limit: 2.5 }));
    await refuses('port', () => edges.routes('t', { source: 'a', target: 'b', port: -1 }));
    await refuses('baseline_to', () => new ChangesService(queries).changes('t', { baseline_to: '0' }));
    // Free text: the REST DTOs' limits (longer, or a control character), for every transport.
    const map = new MapService(queries);
    for (const bad of ['*a'.repeat(501), 'shop\u0000', 'a\nb']) {
      await refuses('service', () => map.readMap('t', { service: bad }));
      await refuses('id', () => services.view('t', { id: bad }));
      await refuses('id', () => services.neighborhood('t', { id: bad }));
      await refuses('source', () => edges.series('t', { source: bad, target: 'b' }));
      await refuses('target', () => edges.breakdown('t', { source: 'a', target: bad, by: 'server_zone' }));
      await refuses('target', () => edges.routes('t', { source: 'a', target: bad }));
    }
    await refuses('namespace', () => map.readMap('t', { namespace: 'n'.repeat(254) }));
    await refuses('q', () => services.search('t', { q: 'q'.repeat(201) }));
    await refuses('cursor', () => services.search('t', { cursor: 'c'.repeat(1001) }));
    assert.equal(queries.calls.length, 0);
  });

  it('an unknown service is NotFoundError', async () => {
    await assert.rejects(new ServicesService(queries).view('t', { id: 'k8s:x/Deployment/y' }), NotFoundError);
    await assert.rejects(new ServicesService(queries).neighborhood('t', { id: 'k8s:x/Deployment/y' }), NotFoundError);
  });
});
