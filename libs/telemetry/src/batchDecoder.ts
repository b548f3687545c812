import { fromBinary } from '@bufbuild/protobuf';
import ipaddr from 'ipaddr.js';
import { SCHEMA_VERSION } from './batchEncoder.js';
import type { BatchHeader, ConnectionSample, ListenerSample } from './connectionSample.js';
import { ConnectionFlag, NodeBatchSchema, type NodeBatch } from './gen/weft/telemetry/v1/telemetry_pb.js';

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

function counter(value: bigint | undefined, what: string, i: number): number {
  if (value === undefined || value > MAX_SAFE) throw new TelemetryDecodeError('bad_value', `${what}[${i}] is missing or above 2^53`);
  return Number(value);
}

function port(value: number | undefined, what: string, i: number): number {
  if (value === undefined || value > 65535) throw new TelemetryDecodeError('bad_value', `${what}[${i}] is not a port`);
  return value;
}

/**
 * Decodes and checks one batch. Nothing in it is trusted: sizes are bounded
 * before parsing, every column must have one entry per connection, every
 * index must point into its table, addresses must be 4 or 16 bytes, ports
 * 16 bits and counters below 2^53. Throws TelemetryDecodeError.
 */
export function decodeNodeBatch(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedBatch {
  if (bytes.length > limits.maxBytes) throw new TelemetryDecodeError('oversized', `batch of ${bytes.length} bytes (limit ${limits.maxBytes})`);
  let batch: NodeBatch;
  try {
    batch = fromBinary(NodeBatchSchema, bytes);
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
  const header: BatchHeader = {
    nodeId: batch.nodeId,
    agentRun: batch.agentRun,
    sequence: batch.sequence,
    intervalEndMs: counter(batch.intervalEndUnixMs < 0n ? undefined : batch.intervalEndUnixMs, 'interval_end_unix_ms', 0),
    intervalMs: batch.intervalMs,
  };
  const tsMs = header.intervalEndMs;
  const second = Math.floor(tsMs / 1000);

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
    for (let i = 0; i < n; i++) {
      const flags = c.flags[i] as number;
      const process = at(processes, c.process[i], 'process', i);
      const sample: ConnectionSample = {
        nodeId: batch.nodeId,
        tsMs,
        second,
        socketId: `${batch.agentRun}/${c.socketId[i]}`,
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
      connections[i] = sample;
    }
    if (nat !== c.natAddress.length) throw new TelemetryDecodeError('column_length_mismatch', 'fewer NAT flags than nat_address entries');
  } else if (c && (c.natAddress.length > 0 || c.flags.length > 0)) {
    throw new TelemetryDecodeError('column_length_mismatch', 'columns without socket ids');
  }

  const listeners: ListenerSample[] = batch.listeners.map((l, i) => {
    const process = at(processes, l.process, 'listener.process', i);
    return { nodeId: batch.nodeId, netns: at(netns, l.netns, 'listener.netns', i), ip: at(addresses, l.address, 'listener.address', i), port: port(l.port, 'listener.port', i), pid: process.pid, comm: process.comm };
  });
  return { ...header, connections, listeners };
}
