/**
 * Synthetic service edges for the benches (query, web): SQL that generates raw edges_1s rows
 * from numbers(), for `services` services and `pairs` distinct service pairs, each pair with
 * `combinations` combinations of client and server instance, zone, version and node.
 */

export interface SyntheticShape {
  tenant: string;
  services: number;
  pairs: number;
  combinations: number;
}

/**
 * The generated columns of one raw row, from `n`, its position in [0, pairs * combinations) within
 * its second: pair p = n / COMBINATIONS and combination i = n % COMBINATIONS. Pair p joins client
 * c = p % SERVICES to server (c + 1 + 199 k) % SERVICES, k = p / SERVICES: distinct pairs, each
 * service with OUT_DEGREE servers and as many clients.
 */
export function rowColumns(shape: SyntheticShape, rowIndex: string, seconds: string): string[] {
  const { services: SERVICES, combinations: COMBINATIONS, tenant: TENANT } = shape;
  const p = `intDiv(${rowIndex}, ${COMBINATIONS})`;
  const i = `(${rowIndex} % ${COMBINATIONS})`;
  const c = `(${p} % ${SERVICES})`;
  const s = `((${c} + 1 + 199 * intDiv(${p}, ${SERVICES})) % ${SERVICES})`;
  const h = (salt: number): string => `cityHash64(${seconds}, ${rowIndex}, ${salt})`;
  const service = (x: string): string => `concat('k8s:ns-', toString(${x} % 50), '/Deployment/svc-', toString(${x}))`;
  const end = (prefix: 'client' | 'server', x: string, instance: string): string[] => [
    `${service(x)} AS ${prefix}_service`,
    `concat('svc-', toString(${x})) AS ${prefix}_display`,
    `concat('ns-', toString(${x} % 50)) AS ${prefix}_namespace`,
    `concat('svc-', toString(${x})) AS ${prefix}_workload`,
    `'Deployment' AS ${prefix}_kind`,
    `concat('svc-', toString(${x}), '-', toString(${instance})) AS ${prefix}_instance`,
    `concat('node-', toString((${x} * 3 + ${instance}) % 100)) AS ${prefix}_node`,
    `concat('zone-', toString((${x} + ${instance}) % 3)) AS ${prefix}_zone`,
    `concat('v', toString((${x} + ${instance}) % 2 + 1)) AS ${prefix}_version`,
    `'java' AS ${prefix}_process`,
  ];
  return [
    `'${TENANT}' AS tenant`,
    ...end('client', c, i),
    ...end('server', s, `((${p} + ${i}) % 3)`),
    `toUInt16(8080 + ${s} % 3) AS server_port`,
    `${h(1)} % 4 AS connections_opened`,
    `${h(2)} % 4 AS connections_closed`,
    `if(${h(3)} % 50 = 0, 1, 0) AS connections_failed`,
    `5 + ${h(4)} % 20 AS connection_seconds`,
    `${h(5)} % 200000 AS bytes_sent`,
    `${h(6)} % 2000000 AS bytes_received`,
    `if(${h(7)} % 20 = 0, 1, 0) AS retransmits`,
    `if(${h(8)} % 100 = 0, 1, 0) AS resets`,
  ];
}

export const END_NAMES = ['service', 'display', 'namespace', 'workload', 'kind', 'instance', 'node', 'zone', 'version', 'process'];
export const COLUMNS = [
  'tenant',
  ...END_NAMES.map((f) => `client_${f}`),
  ...END_NAMES.map((f) => `server_${f}`),
  'server_port',
  'connections_opened',
  'connections_closed',
  'connections_failed',
  'connection_seconds',
  'bytes_sent',
  'bytes_received',
  'retransmits',
  'resets',
];

/** The service id of service x, as rowColumns names it. */
export function syntheticService(x: number): string {
  return `k8s:ns-${x % 50}/Deployment/svc-${x}`;
}
