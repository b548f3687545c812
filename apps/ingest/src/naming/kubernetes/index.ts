export {
  IpOwnershipHistory,
  DEFAULT_IP_HISTORY_RETENTION_MS,
  type IpOwnershipHistoryOptions,
  type OwnershipInterval,
  type HoldOptions,
} from './ipOwnershipHistory.js';
export {
  KubernetesInventory,
  kubeConfigFor,
  RESOURCE_NAMES,
  RESOURCE_PATHS,
  SERVICE_NAME_LABEL,
  type KubernetesConnection,
  type KubernetesInventoryOptions,
  type InventoryEventType,
  type InventoryListener,
  type InformerStats,
  type ResourceName,
} from './kubernetesInventory.js';
export {
  KubernetesNamer,
  normalizeIp,
  timeMs,
  ZONE_LABEL,
  LEGACY_ZONE_LABEL,
  type KubernetesNamerOptions,
  type ServiceBackend,
} from './kubernetesNamer.js';
export {
  resolveWorkload,
  controllerOf,
  imageTag,
  podVersion,
  POD_TEMPLATE_HASH_LABEL,
  VERSION_LABEL,
  type Workload,
  type OwnerLookup,
  type OwnerReferenceLike,
  type OwnedObjectLike,
} from './workloadOwner.js';
