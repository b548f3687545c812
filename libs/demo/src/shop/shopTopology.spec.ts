import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { serviceOf } from '../demoTopology.js';
import type { KubeObject } from '../kubeApiServer.js';
import { shopKubeObjects } from './shopKubeObjects.js';
import { shopTopology } from './shopTopology.js';

const topology = shopTopology();
const objects = shopKubeObjects(topology);
const ofKind = (kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);

describe('the shop', () => {
  it('has about a dozen services in three namespaces, and every edge joins two of them on a port the server serves', () => {
    assert.equal(topology.services.length, 13);
    assert.deepEqual([...new Set(topology.services.map((s) => s.namespace).filter(Boolean))].sort(), ['billing', 'data', 'shop']);
    for (const edge of topology.edges) {
      serviceOf(topology, edge.client);
      assert.equal(serviceOf(topology, edge.server).port, edge.port, `${edge.client} -> ${edge.server}`);
    }
    const keys = topology.edges.map((e) => `${e.client}>${e.server}`);
    assert.equal(new Set(keys).size, keys.length, 'an edge listed twice');
  });

  it('gives every pod its own address and every Service its own VIP', () => {
    const ips = topology.services.flatMap((s) => s.pods.map((p) => p.ip));
    assert.equal(new Set(ips).size, ips.length);
    const vips = topology.services.map((s) => s.serviceIp).filter((ip) => ip !== null);
    assert.equal(new Set(vips).size, vips.length);
  });

  it('places pods on two nodes in two zones, the frontend on both', () => {
    assert.deepEqual(topology.nodes.map((n) => n.zone), ['eu-west-1a', 'eu-west-1b']);
    assert.deepEqual(serviceOf(topology, 'frontend').pods.map((p) => p.zone), ['eu-west-1a', 'eu-west-1b']);
  });

  it('runs the canary as a second ReplicaSet of the same Deployment, with its own version', () => {
    const { canary } = topology;
    const payment = serviceOf(topology, canary.service);
    assert.deepEqual(payment.pods.map((p) => [p.version, p.canary]), [[canary.stableVersion, false], [canary.canaryVersion, true]]);
    const sets = ofKind('ReplicaSet').filter((rs) => rs.metadata.ownerReferences?.[0]?.name === 'payment');
    assert.equal(sets.length, 2);
    for (const p of payment.pods) {
      const podObject = ofKind('Pod').find((o) => o.metadata.name === p.name);
      assert.ok(podObject, `no Pod ${p.name}`);
      assert.equal(podObject.metadata.labels?.['app.kubernetes.io/version'], p.version);
      const owner = podObject.metadata.ownerReferences?.[0]?.name;
      assert.ok(sets.some((rs) => rs.metadata.name === owner), `pod ${p.name} is owned by ${owner}`);
    }
  });

  it('describes every served workload by a Service and an EndpointSlice of its pods (payment headless)', () => {
    for (const service of topology.services.filter((s) => s.port !== null && s.kind !== 'External')) {
      const svc = ofKind('Service').find((o) => o.metadata.name === service.name && o.metadata.namespace === service.namespace);
      assert.ok(svc, `no Service ${service.name}`);
      assert.equal((svc.spec as { clusterIP: string }).clusterIP, service.headless ? 'None' : service.serviceIp);
      const slice = ofKind('EndpointSlice').find((o) => o.metadata.labels?.['kubernetes.io/service-name'] === service.name);
      const endpoints = (slice?.endpoints as Array<{ addresses: string[]; zone?: string }> | undefined) ?? [];
      assert.deepEqual(endpoints.map((e) => e.addresses[0]), service.pods.map((p) => p.ip));
      assert.deepEqual(endpoints.map((e) => e.zone), service.pods.map((p) => p.zone));
    }
    assert.equal(serviceOf(topology, 'payment').headless, true);
  });
});
