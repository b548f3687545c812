/**
 * The workload a pod belongs to, through its owner chain:
 *   Pod -> ReplicaSet -> Deployment, Pod -> StatefulSet, Pod -> DaemonSet,
 *   Pod -> Job (-> CronJob when the Job is known), a bare Pod is its own workload.
 * Works on plain objects (the shapes of the Kubernetes API, as listed or as
 * watched), so it is testable without a cluster.
 */

export interface OwnerReferenceLike {
  kind: string;
  name: string;
  controller?: boolean;
  uid?: string;
}

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: OwnerReferenceLike[];
}

export interface OwnedObjectLike {
  metadata?: ObjectMetaLike;
}

/** Finds intermediate owners (those that are themselves owned) by namespace and name. */
export interface OwnerLookup {
  replicaSet(namespace: string, name: string): OwnedObjectLike | undefined;
  job?(namespace: string, name: string): OwnedObjectLike | undefined;
}

export interface Workload {
  /** Deployment | StatefulSet | DaemonSet | ReplicaSet | Job | CronJob | Pod | another controller's kind */
  kind: string;
  name: string;
  /** False when a link of the chain was guessed or missing (its owner not yet known). */
  complete: boolean;
}

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** The managing controller (controller: true), else the first owner. */
export function controllerOf(refs: readonly OwnerReferenceLike[] | undefined): OwnerReferenceLike | undefined {
  if (!refs || refs.length === 0) return undefined;
  return refs.find((r) => r.controller === true) ?? refs[0];
}

/**
 * Resolves the pod's workload. A ReplicaSet not (yet) in the cache is taken
 * for a Deployment's when its name is `<deployment>-<pod-template-hash>`, the
 * way the Deployment controller names them; the result is then marked
 * incomplete so a caller may resolve again later.
 */
export function resolveWorkload(pod: OwnedObjectLike, lookup: OwnerLookup): Workload {
  const meta = pod.metadata ?? {};
  const namespace = meta.namespace ?? '';
  const podName = meta.name ?? '';
  const owner = controllerOf(meta.ownerReferences);
  // Static (mirror) pods are owned by their Node: still a pod of their own.
  if (!owner || owner.kind === 'Node') return { kind: 'Pod', name: podName, complete: true };

  switch (owner.kind) {
    case 'ReplicaSet': {
      const rs = lookup.replicaSet(namespace, owner.name);
      if (rs) {
        const rsOwner = controllerOf(rs.metadata?.ownerReferences);
        if (rsOwner) return { kind: rsOwner.kind, name: rsOwner.name, complete: true };
        return { kind: 'ReplicaSet', name: owner.name, complete: true };
      }
      const hash = meta.labels?.[POD_TEMPLATE_HASH_LABEL];
      if (hash && owner.name.endsWith(`-${hash}`) && owner.name.length > hash.length + 1) {
        return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)), complete: false };
      }
      return { kind: 'ReplicaSet', name: owner.name, complete: false };
    }
    case 'Job': {
      if (!lookup.job) return { kind: 'Job', name: owner.name, complete: true };
      const job = lookup.job(namespace, owner.name);
      const jobOwner = controllerOf(job?.metadata?.ownerReferences);
      if (jobOwner) return { kind: jobOwner.kind, name: jobOwner.name, complete: true };
      return { kind: 'Job', name: owner.name, complete: job !== undefined };
    }
    default:
      // StatefulSet, DaemonSet, ReplicationController, or any other controller.
      return { kind: owner.kind, name: owner.name, complete: true };
  }
}

/**
 * The tag of a container image reference: `registry:5000/team/app:1.4.2@sha256:…`
 * -> `1.4.2`; no tag -> `latest`, unless pinned by digest only -> `sha256:<12 hex>`.
 */
export function imageTag(image: string | undefined): string {
  if (!image) return '';
  let ref = image;
  let digest = '';
  const at = ref.indexOf('@');
  if (at >= 0) {
    digest = ref.slice(at + 1);
    ref = ref.slice(0, at);
  }
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  if (colon >= 0 && colon < ref.length - 1) return ref.slice(colon + 1);
  if (digest) {
    const [algorithm, hex] = digest.split(':');
    return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
  }
  return 'latest';
}

/** The version label, else the tag of the first container's image. */
export function podVersion(labels: Record<string, string> | undefined, firstImage: string | undefined): string {
  const label = labels?.[VERSION_LABEL];
  if (label) return label;
  return imageTag(firstImage);
}
