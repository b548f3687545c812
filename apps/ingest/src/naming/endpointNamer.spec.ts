import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { HalfOrigin } from '../matching/connectionMatcher.js';
import { EndpointNamer } from './endpointNamer.js';
import { ListenerDirectory } from './listenerDirectory.js';
import { ServiceInventory } from './serviceInventory.js';

function origin(pid: number, comm: string, cmdline: string | null): HalfOrigin {
  return { nodeId: 'host-1', netns: 1, socketId: `r/${pid}`, pid, comm, cmdline, containerId: null };
}

const orders = origin(202, 'node', 'node /srv/orders/dist/index.js');
const T = 'tenant-a';

describe('EndpointNamer on a plain host', () => {
  it('names a process the same on its server side and its client side: the port is not in the name', () => {
    const namer = new EndpointNamer(null, null, new ListenerDirectory());
    const asServer = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: orders, atMs: 0 });
    const asClient = namer.name({ tenant: T, side: 'client', endpoint: { ip: '10.0.0.2', port: 41000 }, origin: orders, atMs: 0 });
    assert.equal(asServer.service, 'host:orders');
    assert.deepEqual(asClient, asServer);
    assert.deepEqual(asServer, { service: 'host:orders', name: 'orders', namespace: '', kind: 'process', instance: 'host-1/202', node: 'host-1', zone: '', version: '', process: 'node' });
  });

  it("names an external server by what the client's DNS answers named it, never over a host's name", () => {
    const namer = new EndpointNamer(null, null, new ListenerDirectory());
    const named = namer.name({ tenant: T, side: 'server', endpoint: { ip: '203.0.113.7', port: 443 }, origin: null, dnsName: 'api.stripe.com', atMs: 0 });
    assert.deepEqual([named.service, named.name, named.kind, named.instance], ['external:api.stripe.com', 'api.stripe.com', 'external', '203.0.113.7']);
    const bare = namer.name({ tenant: T, side: 'server', endpoint: { ip: '203.0.113.7', port: 443 }, origin: null, atMs: 0 });
    assert.equal(bare.service, 'external:203.0.113.7');
    const host = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: orders, dnsName: 'orders.example', atMs: 0 });
    assert.equal(host.service, 'host:orders', 'a server with an agent keeps its own name');
  });

  it('names two processes of one program as one service, with their own instances', () => {
    const namer = new EndpointNamer(null, null, new ListenerDirectory());
    const one = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: orders, atMs: 0 });
    const two = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9001 }, origin: { ...orders, pid: 203 }, atMs: 0 });
    assert.equal(one.service, two.service);
    assert.notEqual(one.instance, two.instance);
  });

  it("names a server known only by its listener as its own sockets name it", () => {
    const listeners = new ListenerDirectory();
    listeners.noteListener(T, { nodeId: 'host-1', netns: 1, ip: '0.0.0.0', port: 9000, pid: 202, comm: 'node' }, 0);
    const namer = new EndpointNamer(null, null, listeners);
    // Before any socket of the process told its cmdline: its comm.
    listeners.noteLocalAddresses(T, [{ nodeId: 'host-1', netns: 1, localIp: '10.0.0.2', pid: 999, comm: 'curl', cmdline: 'curl x' }]);
    assert.equal(namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: null, atMs: 0 }).service, 'host:node');
    // One of its sockets (here a client half of the same pid) carried the cmdline.
    listeners.noteLocalAddresses(T, [{ nodeId: 'host-1', netns: 1, localIp: '10.0.0.2', pid: 202, comm: 'node', cmdline: orders.cmdline }]);
    const named = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: null, atMs: 0 });
    assert.equal(named.service, 'host:orders');
    assert.equal(named.instance, 'host-1/202');
    // A half of the same process without a cmdline is named the same.
    assert.equal(namer.name({ tenant: T, side: 'client', endpoint: { ip: '10.0.0.2', port: 41000 }, origin: { ...orders, cmdline: null }, atMs: 0 }).service, 'host:orders');
    // A pid reused by another program (another comm) is not named by the old cmdline.
    listeners.noteListener(T, { nodeId: 'host-1', netns: 1, ip: '0.0.0.0', port: 9000, pid: 202, comm: 'python3' }, 1);
    assert.equal(namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: null, atMs: 0 }).service, 'host:python3');
  });

  it("names a tenant's connections from its own agents' reports only: another tenant with the same addresses, node ids and pids names nothing of it", () => {
    const listeners = new ListenerDirectory();
    const namer = new EndpointNamer(null, null, listeners);
    // Tenant B's agent on node-1 reports a postgres listener on 10.0.0.5:5432 (exact) and a wildcard one on 9000.
    listeners.noteListener('tenant-b', { nodeId: 'node-1', netns: 1, ip: '10.0.0.5', port: 5432, pid: 42, comm: 'postgres' }, 0);
    listeners.noteListener('tenant-b', { nodeId: 'node-1', netns: 1, ip: '0.0.0.0', port: 9000, pid: 43, comm: 'node' }, 0);
    listeners.noteLocalAddresses('tenant-b', [{ nodeId: 'node-1', netns: 1, localIp: '10.0.0.5', pid: 43, comm: 'node', cmdline: 'node /srv/billing/index.js' }]);
    const server = (tenant: string, port: number) => namer.name({ tenant, side: 'server', endpoint: { ip: '10.0.0.5', port }, origin: null, atMs: 0 });
    assert.equal(server('tenant-b', 5432).service, 'host:postgres');
    assert.equal(server('tenant-b', 9000).service, 'host:billing');
    // Tenant A has no agent at 10.0.0.5: its connections there stay external, with nothing of B's node or pids.
    for (const port of [5432, 9000]) {
      const named = server('tenant-a', port);
      assert.equal(named.service, 'external:10.0.0.5');
      assert.equal(named.node, '');
      assert.equal(named.instance, '10.0.0.5');
    }
    // The same node id and pid in tenant A, without a cmdline of its own, is not named by B's cmdline.
    assert.equal(listeners.cmdlineOf('tenant-a', 'node-1', 43, 'node'), null);
    const a = namer.name({ tenant: 'tenant-a', side: 'client', endpoint: { ip: '10.0.0.9', port: 40000 }, origin: { ...origin(43, 'node', null), nodeId: 'node-1' }, atMs: 0 });
    assert.equal(a.service, 'host:node');
  });

  it('forgets the cmdlines of processes not seen for the ttl', () => {
    const listeners = new ListenerDirectory(10, 1_000);
    listeners.expire(0);
    listeners.noteLocalAddresses(T, [{ nodeId: 'host-1', netns: 1, localIp: '10.0.0.2', pid: 202, comm: 'node', cmdline: orders.cmdline }]);
    listeners.expire(500);
    assert.equal(listeners.cmdlineOf(T, 'host-1', 202, 'node'), orders.cmdline);
    listeners.expire(2_000);
    assert.equal(listeners.cmdlineOf(T, 'host-1', 202, 'node'), null);
  });

  it("names Weft's own processes as Weft's", () => {
    const namer = new EndpointNamer(null, null, new ListenerDirectory());
    const api = namer.name({ tenant: T, side: 'server', endpoint: { ip: '127.0.0.1', port: 8080 }, origin: origin(7, 'node', 'node /work/main/apps/cli/dist/main.js api --api-addr 127.0.0.1:8080'), atMs: 0 });
    assert.equal(api.service, 'host:weft-api');
    assert.equal(api.name, 'weft-api');
    const up = namer.name({ tenant: T, side: 'client', endpoint: { ip: '127.0.0.1', port: 50000 }, origin: origin(8, 'node', 'node /work/main/apps/cli/bin/weft.js up'), atMs: 0 });
    assert.equal(up.service, 'host:weft-up');
  });

  it('keeps the inventory first: a rule with a port names the server end by its listening port, not its client side', () => {
    const inventory = new ServiceInventory([{ name: 'storefront', process: 'node', port: 8080, namespace: 'shop' }]);
    const namer = new EndpointNamer(null, inventory, new ListenerDirectory());
    const server = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 8080 }, origin: orders, atMs: 0 });
    assert.equal(server.service, 'svc:storefront');
    assert.equal(server.namespace, 'shop');
    assert.equal(server.kind, 'inventory');
    // The same process calling out: the rule's port is a listening port, so the host name applies.
    assert.equal(namer.name({ tenant: T, side: 'client', endpoint: { ip: '10.0.0.2', port: 41000 }, origin: orders, atMs: 0 }).service, 'host:orders');
    // Another port of it: not the rule's.
    assert.equal(namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 9000 }, origin: orders, atMs: 0 }).service, 'host:orders');
  });

  it('keeps the inventory first: a rule by process names both ends of it', () => {
    const namer = new EndpointNamer(null, new ServiceInventory([{ name: 'shopper', process: 'node' }]), new ListenerDirectory());
    assert.equal(namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 8080 }, origin: orders, atMs: 0 }).service, 'svc:shopper');
    assert.equal(namer.name({ tenant: T, side: 'client', endpoint: { ip: '10.0.0.2', port: 41000 }, origin: orders, atMs: 0 }).service, 'svc:shopper');
  });

  it('keeps the cluster before the host', () => {
    const cluster = {
      nameAddress: (ip: string) =>
        ip === '10.0.0.2' ? { service: 'k8s:shop/Deployment/orders', name: 'orders', namespace: 'shop', kind: 'Deployment', instance: 'orders-1', node: 'n1', zone: '', version: '', process: '' } : null,
      nameServiceVip: () => null,
    };
    const namer = new EndpointNamer(cluster, null, new ListenerDirectory());
    const named = namer.name({ tenant: T, side: 'server', endpoint: { ip: '10.0.0.2', port: 8080 }, origin: orders, atMs: 0 });
    assert.equal(named.service, 'k8s:shop/Deployment/orders');
    assert.equal(named.process, 'node');
  });
});
