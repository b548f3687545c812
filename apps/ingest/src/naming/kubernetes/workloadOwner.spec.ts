import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { controllerOf, imageTag, podVersion, resolveWorkload, type OwnedObjectLike, type OwnerLookup } from './workloadOwner.js';

function lookupOf(replicaSets: Record<string, OwnedObjectLike>, jobs?: Record<string, OwnedObjectLike>): OwnerLookup {
  const lookup: OwnerLookup = { replicaSet: (ns, name) => replicaSets[`${ns}/${name}`] };
  if (jobs) lookup.job = (ns, name) => jobs[`${ns}/${name}`];
  return lookup;
}

function podOwnedBy(kind: string, name: string, labels?: Record<string, string>): OwnedObjectLike {
  return {
    metadata: {
      namespace: 'shop',
      name: 'p-1',
      labels,
      ownerReferences: [{ kind, name, controller: true, uid: 'x' }],
    },
  };
}

describe('resolveWorkload', () => {
  const replicaSets = {
    'shop/cart-7d9f8b6c5d': { metadata: { ownerReferences: [{ kind: 'Deployment', name: 'cart', controller: true }] } },
    'shop/standalone-rs': { metadata: {} },
  };

  it('Pod -> ReplicaSet -> Deployment', () => {
    const w = resolveWorkload(podOwnedBy('ReplicaSet', 'cart-7d9f8b6c5d'), lookupOf(replicaSets));
    assert.deepEqual(w, { kind: 'Deployment', name: 'cart', complete: true });
  });

  it('a ReplicaSet without an owner is the workload', () => {
    const w = resolveWorkload(podOwnedBy('ReplicaSet', 'standalone-rs'), lookupOf(replicaSets));
    assert.deepEqual(w, { kind: 'ReplicaSet', name: 'standalone-rs', complete: true });
  });

  it('an unknown ReplicaSet named <deployment>-<pod-template-hash> is taken for the Deployment, marked incomplete', () => {
    const w = resolveWorkload(podOwnedBy('ReplicaSet', 'pay-55c4b9d7f', { 'pod-template-hash': '55c4b9d7f' }), lookupOf({}));
    assert.deepEqual(w, { kind: 'Deployment', name: 'pay', complete: false });
    const noHash = resolveWorkload(podOwnedBy('ReplicaSet', 'pay-55c4b9d7f'), lookupOf({}));
    assert.deepEqual(noHash, { kind: 'ReplicaSet', name: 'pay-55c4b9d7f', complete: false });
  });

  it('StatefulSet, DaemonSet and other controllers are direct owners', () => {
    assert.deepEqual(resolveWorkload(podOwnedBy('StatefulSet', 'db'), lookupOf({})), { kind: 'StatefulSet', name: 'db', complete: true });
    assert.deepEqual(resolveWorkload(podOwnedBy('DaemonSet', 'agent'), lookupOf({})), { kind: 'DaemonSet', name: 'agent', complete: true });
    assert.deepEqual(resolveWorkload(podOwnedBy('Rollout', 'web'), lookupOf({})), { kind: 'Rollout', name: 'web', complete: true });
  });

  it('Job, and CronJob when the Job is known', () => {
    assert.deepEqual(resolveWorkload(podOwnedBy('Job', 'migrate'), lookupOf({})), { kind: 'Job', name: 'migrate', complete: true });
    const jobs = { 'shop/report-28930140': { metadata: { ownerReferences: [{ kind: 'CronJob', name: 'report', controller: true }] } } };
    assert.deepEqual(resolveWorkload(podOwnedBy('Job', 'report-28930140'), lookupOf({}, jobs)), { kind: 'CronJob', name: 'report', complete: true });
    assert.deepEqual(resolveWorkload(podOwnedBy('Job', 'gone'), lookupOf({}, jobs)), { kind: 'Job', name: 'gone', complete: false });
  });

  it('a bare pod, and a static (mirror) pod owned by its Node, are their own workload', () => {
    assert.deepEqual(resolveWorkload({ metadata: { namespace: 'shop', name: 'debug' } }, lookupOf({})), { kind: 'Pod', name: 'debug', complete: true });
    const mirror = { metadata: { namespace: 'kube-system', name: 'etcd-node-a', ownerReferences: [{ kind: 'Node', name: 'node-a', controller: true }] } };
    assert.deepEqual(resolveWorkload(mirror, lookupOf({})), { kind: 'Pod', name: 'etcd-node-a', complete: true });
  });

  it('prefers the controller reference over other owners', () => {
    const refs = [
      { kind: 'ConfigMap', name: 'c' },
      { kind: 'StatefulSet', name: 'db', controller: true },
    ];
    assert.equal(controllerOf(refs)?.name, 'db');
    assert.equal(controllerOf([{ kind: 'ConfigMap', name: 'c' }])?.name, 'c');
    assert.equal(controllerOf([]), undefined);
  });
});

describe('version', () => {
  it('takes the image tag, ignoring registry ports and digests', () => {
    assert.equal(imageTag('nginx:1.27.2'), '1.27.2');
    assert.equal(imageTag('registry.example.com:5000/team/cart:v3.1.0'), 'v3.1.0');
    assert.equal(imageTag('registry.example.com:5000/team/cart'), 'latest');
    assert.equal(imageTag('ghcr.io/x/y:2.0@sha256:0123456789abcdef0123'), '2.0');
    assert.equal(imageTag('ghcr.io/x/y@sha256:0123456789abcdef0123'), 'sha256:0123456789ab');
    assert.equal(imageTag(undefined), '');
  });

  it('prefers the app.kubernetes.io/version label', () => {
    assert.equal(podVersion({ 'app.kubernetes.io/version': '2024.11' }, 'cart:1.0'), '2024.11');
    assert.equal(podVersion({ app: 'cart' }, 'cart:1.0'), '1.0');
    assert.equal(podVersion(undefined, undefined), '');
  });
});
