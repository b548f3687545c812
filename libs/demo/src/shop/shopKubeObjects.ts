/**
 * The shop as the Kubernetes API describes it: its nodes (with zone labels),
 * each Deployment with the ReplicaSet of each version and their pods, each
 * StatefulSet with its pods, and a Service (a ClusterIP, or headless for
 * payment) with its EndpointSlice per served workload. These are what Weft's Kubernetes naming reads, so the
 * map shows workloads, namespaces, versions and zones as in a real cluster.
 * The canary is a second ReplicaSet of payment's Deployment (a rollout
 * paused at one pod of two): one workload, two versions.
 */
import type { DemoPod, DemoService, DemoTopology } from '../demoTopology.js';
import { deployment, node, pod, replicaSet, serviceFor, statefulSet, type KubeObject } from '../kubeApiServer.js';
import { replicaSetNameOf, shopImage } from './shopTopology.js';

const VERSION_LABEL = 'app.kubernetes.io/version';

function labelsOf(service: DemoService, version: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/part-of': 'weft-demo-shop', [VERSION_LABEL]: version };
}

function containerPorts(service: DemoService): Array<{ containerPort: number; name: string }> {
  return service.port === null ? [] : [{ containerPort: service.port, name: service.protocol === 'http' ? 'http' : service.key }];
}

function deploymentObjects(service: DemoService): KubeObject[] {
  const stable = service.pods.find((p) => !p.canary) ?? service.pods[0];
  if (!stable) throw new Error(`shop: ${service.key} has no pods`);
  const objects: KubeObject[] = [
    deployment({ namespace: service.namespace, name: service.name, labels: labelsOf(service, stable.version), image: shopImage(service, stable.version), replicas: service.pods.length }),
  ];
  const versions = [...new Set(service.pods.map((p) => p.version))];
  for (const version of versions) {
    const pods = service.pods.filter((p) => p.version === version);
    const rsName = replicaSetNameOf(service, version);
    const hash = rsName.slice(service.name.length + 1);
    objects.push(
      replicaSet({
        namespace: service.namespace,
        name: rsName,
        deployment: service.name,
        podTemplateHash: hash,
        labels: labelsOf(service, version),
        image: shopImage(service, version),
        replicas: pods.length,
      }),
    );
    for (const p of pods) objects.push(podObject(service, p, { ownerReplicaSet: rsName }));
  }
  return objects;
}

function statefulSetObjects(service: DemoService): KubeObject[] {
  const version = service.pods[0]?.version ?? '';
  return [
    statefulSet({ namespace: service.namespace, name: service.name, labels: labelsOf(service, version), image: shopImage(service, version), replicas: service.pods.length }),
    ...service.pods.map((p, i) =>
      podObject(service, p, { owner: { kind: 'StatefulSet', name: service.name } }, { 'apps.kubernetes.io/pod-index': String(i), 'statefulset.kubernetes.io/pod-name': p.name }),
    ),
  ];
}

function podObject(
  service: DemoService,
  p: DemoPod,
  owner: { ownerReplicaSet: string } | { owner: { kind: string; name: string } },
  extraLabels: Record<string, string> = {},
): KubeObject {
  return pod({
    namespace: service.namespace,
    name: p.name,
    ip: p.ip,
    node: p.node,
    ...owner,
    labels: { app: service.name, ...labelsOf(service, p.version), ...extraLabels },
    image: shopImage(service, p.version),
    containerPorts: containerPorts(service),
  });
}

/** Every object the fixture API serves for the shop. */
export function shopKubeObjects(topology: DemoTopology): KubeObject[] {
  const objects: KubeObject[] = topology.nodes.map((n) => node({ name: n.name, ip: n.ip, zone: n.zone }));
  const zones = Object.fromEntries(topology.nodes.map((n) => [n.name, n.zone]));
  for (const service of topology.services) {
    if (service.kind === 'External') continue;
    const workload = service.kind === 'StatefulSet' ? statefulSetObjects(service) : deploymentObjects(service);
    objects.push(...workload);
    if ((service.serviceIp !== null || service.headless) && service.servicePort !== null && service.port !== null) {
      objects.push(
        ...serviceFor({
          namespace: service.namespace,
          name: service.name,
          clusterIP: service.serviceIp ?? 'None',
          ports: [{ port: service.servicePort, targetPort: service.port, name: containerPorts(service)[0]?.name ?? 'tcp' }],
          selector: { app: service.name },
          pods: workload,
          zones,
        }),
      );
    }
  }
  return objects;
}
