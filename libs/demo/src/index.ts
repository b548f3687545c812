// @weft/demo: what the living demo is built from, which the tests use too: the
// cluster of network namespaces, the namespace sweep, command running. The
// fixture Kubernetes API is `@weft/demo/kube`.
export {
  CLUSTER_SERVICE_CIDR,
  CLUSTER_SERVICE_IPV4_BASE,
  ClusterTopology,
  EXTERNAL_CIDR,
  EXTERNAL_FABRIC_IPV4,
  EXTERNAL_IPV4,
  SERVICES_CHAIN,
  clusterNodeIpv4,
  clusterPodCidr,
  clusterPodIpv4,
  type ClusterExternal,
  type ClusterNode,
  type ClusterNodeSpec,
  type ClusterOptions,
  type ClusterPod,
  type ServiceBackend,
  type ServiceVip,
} from './clusterTopology.js';
export { CommandFailed, runCommand, runCommandSyncQuietly, type CommandOutput } from './commands.js';
export { TEST_NAMESPACE_PATTERN, deleteNetns, deleteNetnsSync, listNetns, netnsInode, processAlive, processCommandLine, removeStaleNamespaces, type StaleSweepOptions } from './namespaces.js';
