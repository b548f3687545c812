import { create, toBinary } from '@bufbuild/protobuf';
import ipaddr from 'ipaddr.js';
import type { BatchHeader, ConnectionSample, ListenerSample } from './connectionSample.js';
import {
  ConnectionFlag,
  ConnectionsSchema,
  ListenerSchema,
  NodeBatchSchema,
  ProcessSchema,
  RequestGroupSchema,
  type Listener,
  type Process,
  type RequestGroup,
} from './gen/weft/telemetry/v1/telemetry_pb.js';
import { WIRE_PROTOCOL } from './requestProtocol.js';
import { boundedDurations, requestSamplesOf, type AgentRequestInput, type RequestSample } from './requestSample.js';

export const SCHEMA_VERSION = 1;

/** One connection as the encoder takes it: a sample whose socket is a number of the agent run. */
export type EncodableConnection = Omit<ConnectionSample, 'nodeId' | 'tsMs' | 'second' | 'socketId'> & {
  socketNumber: number;
  cgroupId?: bigint;
};

export type EncodableListener = Omit<ListenerSample, 'nodeId'>;

/** Address text to its 4 or 16 bytes; IPv4-mapped IPv6 becomes IPv4. */
function addressBytes(text: string): Uint8Array {
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return Uint8Array.from(parsed.toByteArray());
}

/** Builds the tables of one batch: each distinct value once, referred to by index. */
class Tables {
  readonly addresses: Uint8Array[] = [];
  readonly processes: Process[] = [];
  readonly netns: number[] = [];
  readonly routes: string[] = [];
  readonly names: string[] = [];
  private readonly addressIndex = new Map<string, number>();
  private readonly processIndex = new Map<string, number>();
  private readonly netnsIndex = new Map<number, number>();
  private readonly routeIndex = new Map<string, number>();
  private readonly nameIndex = new Map<string, number>();

  address(text: string): number {
    let index = this.addressIndex.get(text);
    if (index === undefined) {
      index = this.addresses.length;
      this.addresses.push(addressBytes(text));
      this.addressIndex.set(text, index);
    }
    return index;
  }

  process(pid: number, comm: string, cmdline: string | null, containerId: string | null, cgroupId: bigint | undefined): number {
    const key = `${pid}\u0000${comm}`;
    let index = this.processIndex.get(key);
    if (index === undefined) {
      index = this.processes.length;
      this.processes.push(create(ProcessSchema, { pid, comm, cmdline: cmdline ?? '', containerId: containerId ?? '', cgroupId: cgroupId ?? 0n }));
      this.processIndex.set(key, index);
    }
    return index;
  }

  namespace(inode: number): number {
    let index = this.netnsIndex.get(inode);
    if (index === undefined) {
      index = this.netns.length;
      this.netns.push(inode);
      this.netnsIndex.set(inode, index);
    }
    return index;
  }

  route(template: string): number {
    return indexIn(this.routes, this.routeIndex, template);
  }

  name(name: string): number {
    return indexIn(this.names, this.nameIndex, name);
  }
}

/** The index of `value` in a string table, added at its end the first time. */
function indexIn(table: string[], index: Map<string, number>, value: string): number {
  let at = index.get(value);
  if (at === undefined) {
    at = table.length;
    table.push(value);
    index.set(value, at);
  }
  return at;
}

/** Encodes one batch: dictionary tables plus one packed column per field, and a request group per connection and route. */
export function encodeBatch(header: BatchHeader, connections: readonly EncodableConnection[], listeners: readonly EncodableListener[]): Uint8Array {
  const tables = new Tables();
  const n = connections.length;
  const socketId: bigint[] = new Array(n);
  const flags: number[] = new Array(n);
  const netns: number[] = new Array(n);
  const process: number[] = new Array(n);
  const localAddress: number[] = new Array(n);
  const localPort: number[] = new Array(n);
  const remoteAddress: number[] = new Array(n);
  const remotePort: number[] = new Array(n);
  const natAddress: number[] = [];
  const natPort: number[] = [];
  const remoteName: number[] = [];
  const bytesSent: bigint[] = new Array(n);
  const bytesReceived: bigint[] = new Array(n);
  const srttUs: number[] = new Array(n);
  const retransmits: number[] = new Array(n);
  const resetsSent: number[] = new Array(n);
  const resetsReceived: number[] = new Array(n);
  const requestGroups: RequestGroup[] = [];
  for (let i = 0; i < n; i++) {
    const c = connections[i] as EncodableConnection;
    let f = 0;
    if (c.role === 'client') f |= ConnectionFlag.CLIENT;
    if (c.roleInferred) f |= ConnectionFlag.ROLE_INFERRED;
    if (c.opened) f |= ConnectionFlag.OPENED;
    if (c.closed) f |= ConnectionFlag.CLOSED;
    if (c.connectFailed) f |= ConnectionFlag.CONNECT_FAILED;
    if (c.natIp !== undefined && c.natPort !== undefined) {
      f |= ConnectionFlag.NAT;
      natAddress.push(tables.address(c.natIp));
      natPort.push(c.natPort);
    }
    if (c.remoteName !== undefined) {
      f |= ConnectionFlag.REMOTE_NAMED;
      remoteName.push(tables.name(c.remoteName));
    }
    if (c.udp) f |= ConnectionFlag.UDP;
    socketId[i] = BigInt(c.socketNumber);
    flags[i] = f;
    netns[i] = tables.namespace(c.netns);
    process[i] = tables.process(c.pid, c.comm, c.cmdline, c.containerId, c.cgroupId);
    localAddress[i] = tables.address(c.localIp);
    localPort[i] = c.localPort;
    remoteAddress[i] = tables.address(c.remoteIp);
    remotePort[i] = c.remotePort;
    bytesSent[i] = BigInt(c.bytesSent);
    bytesReceived[i] = BigInt(c.bytesReceived);
    srttUs[i] = c.srttUs;
    retransmits[i] = c.retransmits;
    resetsSent[i] = c.resetsSent;
    resetsReceived[i] = c.resetsReceived;
    if (c.requests) {
      for (const r of c.requests) {
        requestGroups.push(create(RequestGroupSchema, {
          connection: i,
          protocol: WIRE_PROTOCOL[r.protocol],
          method: r.method,
          route: tables.route(r.route),
          requests: BigInt(r.requests),
          errors: BigInt(r.errors),
          clientErrors: BigInt(r.clientErrors),
          durationUs: boundedDurations(r.durationsUs),
        }));
      }
    }
  }
  const listenerMessages: Listener[] = listeners.map((l) =>
    create(ListenerSchema, { address: tables.address(l.ip), port: l.port, process: tables.process(l.pid, l.comm, null, null, undefined), netns: tables.namespace(l.netns) }),
  );
  const batch = create(NodeBatchSchema, {
    schemaVersion: SCHEMA_VERSION,
    nodeId: header.nodeId,
    agentRun: header.agentRun,
    sequence: header.sequence,
    intervalEndUnixMs: BigInt(header.intervalEndMs),
    intervalMs: header.intervalMs,
    tenant: header.tenant ?? '',
    addresses: tables.addresses,
    processes: tables.processes,
    netns: tables.netns,
    connections: create(ConnectionsSchema, {
      socketId, flags, netns, process, localAddress, localPort, remoteAddress, remotePort, natAddress, natPort,
      bytesSent, bytesReceived, srttUs, retransmits, resetsSent, resetsReceived, remoteName,
    }),
    listeners: listenerMessages,
    routes: tables.routes,
    requestGroups,
    names: tables.names,
  });
  return toBinary(NodeBatchSchema, batch);
}

/** The agent's row (`weft agent --json`), structurally. */
export interface AgentRowInput {
  socket_id: string;
  netns: number;
  pid: number;
  comm: string;
  cmdline: string | null;
  container_id: string | null;
  cgroup_id: string;
  role: 'client' | 'server';
  role_inferred: boolean;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  nat_daddr?: string;
  nat_dport?: number;
  bytes_sent: number;
  bytes_received: number;
  srtt_us: number;
  retransmits: number;
  resets_sent: number;
  resets_received: number;
  connect_failed: boolean;
  opened: boolean;
  closed: boolean;
  requests?: readonly AgentRequestInput[];
  remote_name?: string;
  udp?: true;
}

export interface AgentListenerInput {
  netns: number;
  addr: string;
  port: number;
  pid: number;
  comm: string;
}

/**
 * The agent's side: turns each interval's rows into a batch. It numbers the
 * agent's sockets 1, 2, 3 ... for the run (a few bytes on the wire instead of
 * the kernel's pointer and timestamp) and forgets a socket's number once it
 * closed.
 */
export class AgentBatchEncoder {
  private readonly numbers = new Map<string, number>();
  private next = 1;
  private sequence = 0n;

  constructor(
    readonly nodeId: string,
    readonly agentRun: string,
    private readonly maxSockets = 2_000_000,
  ) {}

  encode(rows: readonly AgentRowInput[], listeners: readonly AgentListenerInput[], intervalEndMs: number, intervalMs: number): Uint8Array {
    this.sequence += 1n;
    const connections: EncodableConnection[] = rows.map((row) => {
      let number = this.numbers.get(row.socket_id);
      if (number === undefined) {
        // Bounded: the agent's own socket map is bounded far below this, so
        // only leaked numbers (a close row never seen) are ever dropped here.
        if (this.numbers.size >= this.maxSockets) this.numbers.clear();
        number = this.next++;
        this.numbers.set(row.socket_id, number);
      }
      if (row.closed || row.connect_failed) this.numbers.delete(row.socket_id);
      const connection: EncodableConnection = {
        socketNumber: number,
        netns: row.netns,
        role: row.role,
        roleInferred: row.role_inferred,
        localIp: row.saddr,
        localPort: row.sport,
        remoteIp: row.daddr,
        remotePort: row.dport,
        pid: row.pid,
        comm: row.comm,
        cmdline: row.cmdline,
        containerId: row.container_id,
        cgroupId: BigInt(row.cgroup_id),
        bytesSent: row.bytes_sent,
        bytesReceived: row.bytes_received,
        srttUs: row.srtt_us,
        retransmits: row.retransmits,
        resetsSent: row.resets_sent,
        resetsReceived: row.resets_received,
        opened: row.opened,
        closed: row.closed,
        connectFailed: row.connect_failed,
      };
      if (row.nat_daddr !== undefined && row.nat_dport !== undefined) {
        connection.natIp = row.nat_daddr;
        connection.natPort = row.nat_dport;
      }
      if (row.requests !== undefined && row.requests.length > 0) connection.requests = requestSamplesOf(row.requests);
      if (row.remote_name !== undefined) connection.remoteName = row.remote_name;
      if (row.udp) connection.udp = true;
      return connection;
    });
    return encodeBatch(
      { nodeId: this.nodeId, agentRun: this.agentRun, sequence: this.sequence, intervalEndMs, intervalMs },
      connections,
      listeners.map((l) => ({ netns: l.netns, ip: l.addr, port: l.port, pid: l.pid, comm: l.comm })),
    );
  }

  get socketsNumbered(): number {
    return this.numbers.size;
  }
}
