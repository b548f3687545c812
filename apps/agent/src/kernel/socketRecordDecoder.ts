import type { RecordLayout } from '@weft/native';
import { AddressFormatter, commText } from './addressText.js';
import type { KernelEvent, KernelEventType, SocketRecord, SocketRole } from './socketRecord.js';

/** Decodes the fixed-width records of bpf/weft.h, at the offsets the addon reports. */
export class SocketRecordDecoder {
  private readonly roles: Map<number, SocketRole>;
  private readonly eventTypes: Map<number, KernelEventType>;
  private readonly addresses = new AddressFormatter();

  constructor(private readonly layout: RecordLayout) {
    this.roles = new Map([
      [layout.roles.client, 'client'],
      [layout.roles.server, 'server'],
      [layout.roles.unknown, 'unknown'],
    ]);
    this.eventTypes = new Map([
      [layout.eventTypes.open, 'open'],
      [layout.eventTypes.close, 'close'],
      [layout.eventTypes.listen, 'listen'],
    ]);
  }

  decodeSockets(buffer: Buffer): SocketRecord[] {
    const size = this.layout.socketSize;
    if (buffer.length % size !== 0) {
      throw new Error(`socket buffer of ${buffer.length} bytes is not a multiple of ${size}`);
    }
    const records: SocketRecord[] = [];
    for (let offset = 0; offset < buffer.length; offset += size) {
      records.push(this.decodeSocket(buffer, offset));
    }
    return records;
  }

  decodeEvents(buffer: Buffer): KernelEvent[] {
    const size = this.layout.eventSize;
    if (buffer.length % size !== 0) {
      throw new Error(`event buffer of ${buffer.length} bytes is not a multiple of ${size}`);
    }
    const events: KernelEvent[] = [];
    for (let offset = 0; offset < buffer.length; offset += size) {
      const type = this.eventTypes.get(buffer.readUInt32LE(offset + this.layout.eventTypeOffset));
      if (type === undefined) continue;
      events.push({
        type,
        tsNs: buffer.readBigUInt64LE(offset + this.layout.eventTsOffset),
        socket: this.decodeSocket(buffer, offset + this.layout.eventSocketOffset),
      });
    }
    return events;
  }

  decodeSocket(buf: Buffer, base: number): SocketRecord {
    const o = this.layout.socket;
    const flags = buf.readUInt32LE(base + o.flags);
    const familyRaw = buf.readUInt8(base + o.family);
    const local = this.addresses.format(buf, base + o.saddr, familyRaw);
    const remote = this.addresses.format(buf, base + o.daddr, familyRaw);
    return {
      id: `${buf.readBigUInt64LE(base + o.sk).toString(16)}-${buf.readBigUInt64LE(base + o.created_ns)}`,
      // Byte totals of one socket stay far below 2^53.
      bytesSent: Number(buf.readBigUInt64LE(base + o.bytes_sent)),
      bytesReceived: Number(buf.readBigUInt64LE(base + o.bytes_received)),
      cgroupId: buf.readBigUInt64LE(base + o.cgroup_id),
      srttUs: buf.readUInt32LE(base + o.srtt_us),
      retransmits: buf.readUInt32LE(base + o.retransmits),
      resetsSent: buf.readUInt32LE(base + o.resets_sent),
      resetsReceived: buf.readUInt32LE(base + o.resets_received),
      tgid: buf.readUInt32LE(base + o.tgid),
      tid: buf.readUInt32LE(base + o.pid),
      netns: buf.readUInt32LE(base + o.netns),
      // An IPv6 socket talking to a v4-mapped peer is shown as IPv4.
      family: local.family === 4 && remote.family === 4 ? 4 : 6,
      saddr: local.text,
      sport: buf.readUInt16LE(base + o.sport),
      daddr: remote.text,
      dport: buf.readUInt16LE(base + o.dport),
      role: this.roles.get(buf.readUInt8(base + o.role)) ?? 'unknown',
      connectFailed: (flags & this.layout.flags.connectFailed) !== 0,
      established: (flags & this.layout.flags.established) !== 0,
      seenOpen: (flags & this.layout.flags.seenOpen) !== 0,
      state: buf.readUInt8(base + o.state),
      comm: commText(buf, base + o.comm),
    };
  }
}
