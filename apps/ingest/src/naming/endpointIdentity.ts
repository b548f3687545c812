/**
 * What the ingest knows about one end of a connection, after naming.
 * `service` is the node of the map: a stable id, the same for every instance
 * of a workload. The other fields are failure domains (where errors may
 * concentrate) and display details.
 */
export interface EndpointIdentity {
  /**
   * Stable service id, the map's node id:
   *   k8s:<namespace>/<Kind>/<name>   a Kubernetes workload (Deployment, StatefulSet, DaemonSet, Pod, Node ...)
   *   k8s-svc:<namespace>/<name>      a Kubernetes Service whose backend is unknown (VIP, no peer half)
   *   host:<process>:<port>           a process on a host without Kubernetes (server: its listening port)
   *   host:<process>                  a client process on such a host
   *   svc:<name>                      a name from the inventory file
   *   dns:<name>                      an external end known by a DNS name
   *   external:<ip>                   anything else
   */
  service: string;
  /** Display name (the workload's or the process's name). */
  name: string;
  namespace: string;
  /** Deployment | StatefulSet | DaemonSet | ReplicaSet | Job | CronJob | Pod | Node | Service | process | inventory | external */
  kind: string;
  /** Pod name, or process instance (`<host>/<pid>`), or the address for external ends. */
  instance: string;
  node: string;
  zone: string;
  version: string;
  process: string;
}
