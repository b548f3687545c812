import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import ipaddr from 'ipaddr.js';
import { SCHEMA_VERSION } from './batchEncoder.js';
import type { BatchHeader, ConnectionSample, ListenerSample } from './connectionSample.js';
import { ConnectionFlag } from './gen/weft/telemetry/v1/telemetry_pb.js';
import { protocolFromWire } from './requestProtocol.js';
import { MAX_REQUEST_DURATIONS, type RequestSample } from './requestSample.js';

export type DecodeRejection =
  | 'oversized'
  | 'too_many_connections'
  | 'malformed'
  | 'unsupported_version'
  | 'missing_node'
  | 'column_length_mismatch'
  | 'bad_index'
  | 'bad_address'
  | 'bad_value';

/** A batch the ingest refuses; `reason` is the metric label. */
export class TelemetryDecodeError extends Error {
  constructor(
    readonly reason: DecodeRejection,
    message: string,
  ) {
    super(message);
    this.name = 'TelemetryDecodeError';
  }
}

export interface DecodeLimits {
  maxBytes: number;
  maxConnections: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 16 * 1024 * 1024, maxConnections: 500_000 };

export interface DecodedBatch extends BatchHeader {
  connections: ConnectionSample[];
  listeners: ListenerSample[];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function addressText(bytes: Uint8Array, index: number): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length === 16) {
    const v6 = ipaddr.fromByteArray(Array.from(bytes)) as ipaddr.IPv6;
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toString();
  }
  throw new TelemetryDecodeError('bad_address', `address ${index} has ${bytes.length} bytes (4 or 16 expected)`);
}

/** A uint64 column entry: the value when it is at most 2^53 - 1, else ABOVE_SAFE. */
const ABOVE_SAFE = -1;

function counter(value: number | undefined, what: string, i: number): number {
  if (value === undefined || value === ABOVE_SAFE) throw new TelemetryDecodeError('bad_value', `${what}[${i}] is missing or above 2^53`);
  return value;
}

function port(value: number | undefined, what: string, i: number): number {
  if (value === undefined || value > 65535) throw new TelemetryDecodeError('bad_value', `${what}[${i}] is not a port`);
  return value;
}

/** One request group checked: a known protocol, a method, counts below 2^53 that hold its errors and durations. */
function requestSampleOf(g: RawRequestGroup, route: string, i: number): RequestSample {
  const protocol = protocolFromWire(g.protocol);
  if (protocol === null) throw new TelemetryDecodeError('bad_value', `request_groups[${i}].protocol = ${g.protocol} is not a known protocol`);
  if (g.method.length === 0) throw new TelemetryDecodeError('bad_value', `request_groups[${i}] has no method`);
  const requests = counter(g.requests, 'request_groups.requests', i);
  const errors = counter(g.errors, 'request_groups.errors', i);
  const clientErrors = counter(g.clientErrors, 'request_groups.client_errors', i);
  if (errors + clientErrors > requests) throw new TelemetryDecodeError('bad_value', `request_groups[${i}]: ${errors} errors and ${clientErrors} client errors in ${requests} requests`);
  const durations = g.durationUs.length;
  if (durations > requests || durations > MAX_REQUEST_DURATIONS) {
    throw new TelemetryDecodeError('bad_value', `request_groups[${i}]: ${durations} durations for ${requests} requests (at most ${MAX_REQUEST_DURATIONS})`);
  }
  return { protocol, method: g.method, route, requests, errors, clientErrors, durationsUs: g.durationUs };
}

/*
 * The NodeBatch message read field by field with protobuf-es's own wire reader
 * (BinaryReader), in the same way its reflective fromBinary reads it: a known
 * field is read as its declared type whatever its wire type, repeated scalars
 * packed or not, a repeated singular message merged, unknown fields skipped.
 * What differs is the result: plain columns of numbers (uint64 counters as
 * numbers, no BigInt per value) instead of reflected messages, which made the
 * generic decode most of the cost of a batch.
 */

export interface RawProcess {
  pid: number;
  comm: string;
  cmdline: string;
  containerId: string;
}

export interface RawListener {
  address: number;
  port: number;
  process: number;
  netns: number;
}

export interface RawConnections {
  /** Socket numbers; ABOVE_SAFE entries have their decimal text in socketIdText. */
  socketId: number[];
  socketIdText: Map<number, string>;
  flags: number[];
  netns: number[];
  process: number[];
  localAddress: number[];
  localPort: number[];
  remoteAddress: number[];
  remotePort: number[];
  natAddress: number[];
  natPort: number[];
  bytesSent: number[];
  bytesReceived: number[];
  srttUs: number[];
  retransmits: number[];
  resetsSent: number[];
  resetsReceived: number[];
  remoteName: number[];
}

export interface RawRequestGroup {
  connection: number;
  protocol: number;
  method: string;
  route: number;
  /** ABOVE_SAFE when above 2^53 - 1, as the uint64 columns. */
  requests: number;
  errors: number;
  clientErrors: number;
  durationUs: number[];
}

export interface RawBatch {
  schemaVersion: number;
  nodeId: string;
  agentRun: string;
  sequence: bigint;
  intervalEndUnixMs: bigint;
  intervalMs: number;
  addresses: Uint8Array[];
  processes: RawProcess[];
  netns: number[];
  connections: RawConnections | undefined;
  listeners: RawListener[];
  tenant: string;
  routes: string[];
  requestGroups: RawRequestGroup[];
  names: string[];
}

/** protobuf-es's reader, with uint64 varints as numbers (its varint64 is protected). */
class NodeBatchReader extends BinaryReader {
  /**
   * A uint64 varint as a number when it is at most 2^53 - 1; else ABOVE_SAFE,
   * and its exact decimal text goes to `above` under `index`, if given.
   */
  uint64Number(above?: Map<number, string>, index = 0): number {
    const [lo, hi] = this.varint64();
    const high = hi >>> 0;
    if (high <= 0x1fffff) return high * 4294967296 + (lo >>> 0);
    above?.set(index, ((BigInt(high) << 32n) | BigInt(lo >>> 0)).toString());
    return ABOVE_SAFE;
  }
}

function readUint32List(reader: BinaryReader, wireType: WireType, into: number[]): void {
  if (wireType !== WireType.LengthDelimited) {
    into.push(reader.uint32());
    return;
  }
  const end = reader.uint32() + reader.pos;
  while (reader.pos < end) into.push(reader.uint32());
}

/** `above`: where the decimal text of values above 2^53 - 1 goes, by index (socket ids are only ever text). */
function readUint64List(reader: NodeBatchReader, wireType: WireType, into: number[], above?: Map<number, string>): void {
  if (wireType !== WireType.LengthDelimited) {
    into.push(reader.uint64Number(above, into.length));
    return;
  }
  const end = reader.uint32() + reader.pos;
  while (reader.pos < end) into.push(reader.uint64Number(above, into.length));
}

function readProcess(reader: BinaryReader, length: number): RawProcess {
  const process: RawProcess = { pid: 0, comm: '', cmdline: '', containerId: '' };
  const end = reader.pos + length;
  while (reader.pos < end) {
    const [field, wireType] = reader.tag();
    switch (field) {
      case 1: process.pid = reader.uint32(); break;
      case 2: process.comm = reader.string(); break;
      case 3: process.cmdline = reader.string(); break;
      case 4: process.containerId = reader.string(); break;
      case 5: reader.uint64(); break; // cgroup_id: not used by the ingest
      default: reader.skip(wireType, field);
    }
  }
  return process;
}

function readListener(reader: BinaryReader, length: number): RawListener {
  const listener: RawListener = { address: 0, port: 0, process: 0, netns: 0 };
  const end = reader.pos + length;
  while (reader.pos < end) {
    const [field, wireType] = reader.tag();
    switch (field) {
      case 1: listener.address = reader.uint32(); break;
      case 2: listener.port = reader.uint32(); break;
      case 3: listener.process = reader.uint32(); break;
      case 4: listener.netns = reader.uint32(); break;
      default: reader.skip(wireType, field);
    }
  }
  return listener;
}

function readRequestGroup(reader: NodeBatchReader, length: number): RawRequestGroup {
  const group: RawRequestGroup = { connection: 0, protocol: 0, method: '', route: 0, requests: 0, errors: 0, clientErrors: 0, durationUs: [] };
  const end = reader.pos + length;
  while (reader.pos < end) {
    const [field, wireType] = reader.tag();
    switch (field) {
      case 1: group.connection = reader.uint32(); break;
      case 2: group.protocol = reader.int32(); break;
      case 3: group.method = reader.string(); break;
      case 4: group.route = reader.uint32(); break;
      case 5: group.requests = reader.uint64Number(); break;
      case 6: group.errors = reader.uint64Number(); break;
      case 7: group.clientErrors = reader.uint64Number(); break;
      case 8: readUint32List(reader, wireType, group.durationUs); break;
      default: reader.skip(wireType, field);
    }
  }
  return group;
}

function emptyConnections(): RawConnections {
  return {
    socketId: [], socketIdText: new Map(), flags: [], netns: [], process: [], localAddress: [], localPort: [], remoteAddress: [], remotePort: [],
    natAddress: [], natPort: [], bytesSent: [], bytesReceived: [], srttUs: [], retransmits: [], resetsSent: [], resetsReceived: [],
    remoteName: [],
  };
}

function readConnections(reader: NodeBatchReader, length: number, c: RawConnections): RawConnections {
  const end = reader.pos + length;
  while (reader.pos < end) {
    const [field, wireType] = reader.tag();
    switch (field) {
      case 1: readUint64List(reader, wireType, c.socketId, c.socketIdText); break;
      case 2: readUint32List(reader, wireType, c.flags); break;
      case 3: readUint32List(reader, wireType, c.netns); break;
      case 4: readUint32List(reader, wireType, c.process); break;
      case 5: readUint32List(reader, wireType, c.localAddress); break;
      case 6: readUint32List(reader, wireType, c.localPort); break;
      case 7: readUint32List(reader, wireType, c.remoteAddress); break;
      case 8: readUint32List(reader, wireType, c.remotePort); break;
      case 9: readUint32List(reader, wireType, c.natAddress); break;
      case 10: readUint32List(reader, wireType, c.natPort); break;
      case 11: readUint64List(reader, wireType, c.bytesSent); break;
      case 12: readUint64List(reader, wireType, c.bytesReceived); break;
      case 13: readUint32List(reader, wireType, c.srttUs); break;
      case 14: readUint32List(reader, wireType, c.retransmits); break;
      case 15: readUint32List(reader, wireType, c.resetsSent); break;
      case 16: readUint32List(reader, wireType, c.resetsReceived); break;
      case 17: readUint32List(reader, wireType, c.remoteName); break;
      default: reader.skip(wireType, field);
    }
  }
  return c;
}

/** The message as read, before any check (exported for the differential test against fromBinary). */
export function readNodeBatch(bytes: Uint8Array): RawBatch {
  const reader = new NodeBatchReader(bytes);
  const batch: RawBatch = {
    schemaVersion: 0, nodeId: '', agentRun: '', sequence: 0n, intervalEndUnixMs: 0n, intervalMs: 0,
    addresses: [], processes: [], netns: [], connections: undefined, listeners: [], tenant: '', routes: [], requestGroups: [], names: [],
  };
  const end = bytes.byteLength;
  while (reader.pos < end) {
    const [field, wireType] = reader.tag();
    switch (field) {
      case 1: batch.schemaVersion = reader.uint32(); break;
      case 2: batch.nodeId = reader.string(); break;
      case 3: batch.agentRun = reader.string(); break;
      case 4: batch.sequence = BigInt(reader.uint64()); break;
      case 5: batch.intervalEndUnixMs = BigInt(reader.int64()); break;
      case 6: batch.intervalMs = reader.uint32(); break;
      case 7: batch.addresses.push(reader.bytes()); break;
      case 8: batch.processes.push(readProcess(reader, reader.uint32())); break;
      case 9: readUint32List(reader, wireType, batch.netns); break;
      case 10: batch.connections = readConnections(reader, reader.uint32(), batch.connections ?? emptyConnections()); break;
      case 11: batch.listeners.push(readListener(reader, reader.uint32())); break;
      case 12: batch.tenant = reader.string(); break;
      case 13: batch.routes.push(reader.string()); break;
      case 14: batch.requestGroups.push(readRequestGroup(reader, reader.uint32())); break;
      case 15: batch.names.push(reader.string()); break;
      default: reader.skip(wireType, field);
    }
  }
  return batch;
}

/**
 * Decodes and checks one batch. Nothing in it is trusted: sizes are bounded
 * before parsing, every column must have one entry per connection, every
 * index must point into its table, addresses must be 4 or 16 bytes, ports
 * 16 bits and counters below 2^53; a request group must name a connection of
 * the batch and a known protocol, and count at least its errors and its
 * durations. Throws TelemetryDecodeError.
 */
export function decodeNodeBatch(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedBatch {
  if (bytes.length > limits.maxBytes) throw new TelemetryDecodeError('oversized', `batch of ${bytes.length} bytes (limit ${limits.maxBytes})`);
  let batch: RawBatch;
  try {
    batch = readNodeBatch(bytes);
  } catch (err) {
    throw new TelemetryDecodeError('malformed', `not a NodeBatch: ${(err as Error).message}`);
  }
  if (batch.schemaVersion !== SCHEMA_VERSION) {
    throw new TelemetryDecodeError('unsupported_version', `schema version ${batch.schemaVersion} (this ingest reads ${SCHEMA_VERSION})`);
  }
  if (batch.nodeId.length === 0) throw new TelemetryDecodeError('missing_node', 'batch has no node id');
  const c = batch.connections;
  const n = c?.socketId.length ?? 0;
  if (n > limits.maxConnections) throw new TelemetryDecodeError('too_many_connections', `${n} connections (limit ${limits.maxConnections})`);
  const addresses = batch.addresses.map((a, i) => addressText(a, i));
  const processes = batch.processes;
  const netns = batch.netns;
  if (batch.intervalEndUnixMs < 0n || batch.intervalEndUnixMs > MAX_SAFE) throw new TelemetryDecodeError('bad_value', 'interval_end_unix_ms[0] is missing or above 2^53');
  const header: BatchHeader = {
    nodeId: batch.nodeId,
    agentRun: batch.agentRun,
    sequence: batch.sequence,
    intervalEndMs: Number(batch.intervalEndUnixMs),
    intervalMs: batch.intervalMs,
    tenant: batch.tenant,
  };
  const tsMs = header.intervalEndMs;
  const second = Math.floor(tsMs / 1000);
  const nodeId = batch.nodeId;
  const socketPrefix = `${batch.agentRun}/`;

  const at = <T>(table: readonly T[], index: number | undefined, what: string, i: number): T => {
    const value = index === undefined ? undefined : table[index];
    if (value === undefined) throw new TelemetryDecodeError('bad_index', `${what}[${i}] = ${index} is outside its table (${table.length})`);
    return value;
  };

  const connections: ConnectionSample[] = new Array(n);
  if (c && n > 0) {
    for (const [name, column] of [
      ['flags', c.flags], ['netns', c.netns], ['process', c.process], ['local_address', c.localAddress], ['local_port', c.localPort],
      ['remote_address', c.remoteAddress], ['remote_port', c.remotePort], ['bytes_sent', c.bytesSent], ['bytes_received', c.bytesReceived],
      ['srtt_us', c.srttUs], ['retransmits', c.retransmits], ['resets_sent', c.resetsSent], ['resets_received', c.resetsReceived],
    ] as const) {
      if (column.length !== n) throw new TelemetryDecodeError('column_length_mismatch', `column ${name} has ${column.length} entries for ${n} connections`);
    }
    if (c.natAddress.length !== c.natPort.length) throw new TelemetryDecodeError('column_length_mismatch', 'nat_address and nat_port differ in length');
    let nat = 0;
    let named = 0;
    for (let i = 0; i < n; i++) {
      const flags = c.flags[i] as number;
      const process = at(processes, c.process[i], 'process', i);
      const socketNumber = c.socketId[i] as number;
      const sample: ConnectionSample = {
        nodeId,
        tsMs,
        second,
        socketId: socketPrefix + (socketNumber === ABOVE_SAFE ? (c.socketIdText.get(i) as string) : socketNumber),
        netns: at(netns, c.netns[i], 'netns', i),
        role: flags & ConnectionFlag.CLIENT ? 'client' : 'server',
        roleInferred: (flags & ConnectionFlag.ROLE_INFERRED) !== 0,
        localIp: at(addresses, c.localAddress[i], 'local_address', i),
        localPort: port(c.localPort[i], 'local_port', i),
        remoteIp: at(addresses, c.remoteAddress[i], 'remote_address', i),
        remotePort: port(c.remotePort[i], 'remote_port', i),
        pid: process.pid,
        comm: process.comm,
        cmdline: process.cmdline || null,
        containerId: process.containerId || null,
        bytesSent: counter(c.bytesSent[i], 'bytes_sent', i),
        bytesReceived: counter(c.bytesReceived[i], 'bytes_received', i),
        srttUs: c.srttUs[i] as number,
        retransmits: c.retransmits[i] as number,
        resetsSent: c.resetsSent[i] as number,
        resetsReceived: c.resetsReceived[i] as number,
        opened: (flags & ConnectionFlag.OPENED) !== 0,
        closed: (flags & ConnectionFlag.CLOSED) !== 0,
        connectFailed: (flags & ConnectionFlag.CONNECT_FAILED) !== 0,
      };
      if (flags & ConnectionFlag.NAT) {
        if (nat >= c.natAddress.length) throw new TelemetryDecodeError('column_length_mismatch', 'more NAT flags than nat_address entries');
        sample.natIp = at(addresses, c.natAddress[nat], 'nat_address', nat);
        sample.natPort = port(c.natPort[nat], 'nat_port', nat);
        nat++;
      }
      if (flags & ConnectionFlag.REMOTE_NAMED) {
        if (named >= c.remoteName.length) throw new TelemetryDecodeError('column_length_mismatch', 'more REMOTE_NAMED flags than remote_name entries');
        sample.remoteName = at(batch.names, c.remoteName[named], 'remote_name', named);
        named++;
      }
      if (flags & ConnectionFlag.UDP) sample.udp = true;
      connections[i] = sample;
    }
    if (nat !== c.natAddress.length) throw new TelemetryDecodeError('column_length_mismatch', 'fewer NAT flags than nat_address entries');
    if (named !== c.remoteName.length) throw new TelemetryDecodeError('column_length_mismatch', 'fewer REMOTE_NAMED flags than remote_name entries');
  } else if (c && (c.natAddress.length > 0 || c.remoteName.length > 0 || c.flags.length > 0)) {
    throw new TelemetryDecodeError('column_length_mismatch', 'columns without socket ids');
  }

  batch.requestGroups.forEach((g, i) => {
    const connection = at(connections, g.connection, 'request_groups.connection', i);
    (connection.requests ??= []).push(requestSampleOf(g, at(batch.routes, g.route, 'request_groups.route', i), i));
  });

  const listeners: ListenerSample[] = batch.listeners.map((l, i) => {
    const process = at(processes, l.process, 'listener.process', i);
    return { nodeId, netns: at(netns, l.netns, 'listener.netns', i), ip: at(addresses, l.address, 'listener.address', i), port: port(l.port, 'listener.port', i), pid: process.pid, comm: process.comm };
  });
  return { ...header, connections, listeners };
}
