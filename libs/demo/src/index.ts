// @weft/demo: the living demo (startDemo) and the pieces it is built from,
// which the tests use too: the cluster of network namespaces, the namespace
// sweep, command running. The fixture Kubernetes API is `@weft/demo/kube`.
export { startDemo, removeStaleDemoNamespaces, DEMO_NAMESPACE_PATTERN, type Demo, type DemoOptions, type DemoWeftOptions, type LoadStats } from './demo.js';
export { mapIdentityOf, serviceOf, type DemoCanary, type DemoEdge, type DemoNode, type DemoPod, type DemoProtocol, type DemoService, type DemoServiceKind, type DemoTopology, type LoadRhythm } from './demoTopology.js';
export { DEFAULT_RHYTHM, shopTopology, type ShopServiceKey } from './shop/shopTopology.js';
export { rateAt, simulatedClock, checkRhythm } from './loadRhythm.js';
export { DemoPrerequisiteError, assertDemoPrerequisites } from './prerequisites.js';
export { POD_MAIN } from './podProcess.js';
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
