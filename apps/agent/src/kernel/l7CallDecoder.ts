import type { RecordLayout } from '@weft/native';
import { AddressFormatter, commText } from './addressText.js';
import { HttpMethodIds } from './httpMethodIds.js';
import type { KernelHandoff, KernelPath, L7CallProtocol, L7CallRecord, UdpFlowPeer } from './l7CallRecord.js';
import { SocketIdCache } from './socketIdCache.js';

const NO_BYTES = Buffer.alloc(0);

/**
 * Decodes the L7 calls of bpf/weft.h (variable-length records: the header,
 * then head_len bytes of head), at the offsets the addon reports. head and
 * tail are views into the buffer, not copies.
 */
export class L7CallDecoder {
  private readonly addresses = new AddressFormatter();
  private readonly socketIds = new SocketIdCache();
  private readonly methods: HttpMethodIds;

  constructor(private readonly layout: RecordLayout) {
    this.methods = new HttpMethodIds(layout);
  }

  decode(buffer: Buffer): L7CallRecord[] {
    const o = this.layout.l7Call;
    const calls: L7CallRecord[] = [];
    let offset = 0;
    while (offset < buffer.length) {
      if (offset + o.head > buffer.length) throw new Error(`L7 call buffer ends inside a record header at byte ${offset}`);
      const headLength = buffer.readUInt16LE(offset + o.head_len);
      const end = offset + o.head + headLength;
      if (headLength > o.headBytes || end > buffer.length) throw new Error(`L7 call at byte ${offset} claims ${headLength} head bytes`);
      const directionCode = buffer.readUInt8(offset + o.direction);
      const flags = buffer.readUInt8(offset + o.flags);
      const tailLength = Math.min(buffer.readUInt8(offset + o.tail_len), o.tailBytes);
      const protocolCode = buffer.readUInt8(offset + o.protocol);
      const protocol: L7CallProtocol | null =
        protocolCode === o.protocolHttp1 ? 'http1' : protocolCode === o.protocolHttp2 ? 'http2' : protocolCode === o.protocolDns ? 'dns' : null;
      if (protocol === null) throw new Error(`L7 call at byte ${offset} has protocol ${protocolCode}, which this agent does not parse`);
      let headStart = offset + o.head;
      let udp: UdpFlowPeer | undefined;
      if ((flags & o.flagUdp) !== 0) {
        if (headLength < this.layout.dnsUdpPeer.size) throw new Error(`UDP DNS call at byte ${offset} has no flow in its head`);
        udp = this.peer(buffer, headStart);
        headStart += this.layout.dnsUdpPeer.size;
      }
      const call: L7CallRecord = {
        socketId: this.socketIds.idOf(buffer, offset + o.sk, offset + o.created_ns),
        tsNs: buffer.readBigUInt64LE(offset + o.ts_ns),
        tgid: buffer.readUInt32LE(offset + o.tgid),
        tid: buffer.readUInt32LE(offset + o.pid),
        direction: this.directionOf(directionCode, offset),
        length: buffer.readUInt32LE(offset + o.length),
        head: buffer.subarray(headStart, end),
        tail: tailLength > 0 ? buffer.subarray(offset + o.tail, offset + o.tail + tailLength) : NO_BYTES,
        gap: (flags & o.flagGap) !== 0,
        classified: (flags & o.flagClassified) !== 0,
        predates: (flags & o.flagPredates) !== 0,
        afterLoss: (flags & o.flagAfterLoss) !== 0,
        tls: (flags & o.flagTls) !== 0,
        protocol,
      };
      // Set apart, not spread into the literal: a spread costs every call.
      if (udp) call.udp = udp;
      if (call.direction === 'path') call.path = this.path(buffer, headStart, end);
      else if (call.direction === 'handoff') call.handoff = this.handoff(buffer, headStart, end);
      calls.push(call);
      offset = end;
    }
    return calls;
  }

  private directionOf(code: number, offset: number): L7CallRecord['direction'] {
    const o = this.layout.l7Call;
    if (code === o.directionSend) return 'send';
    if (code === o.directionRecv) return 'recv';
    if (code === o.directionClosed) return 'closed';
    if (code === o.directionPath) return 'path';
    if (code === o.directionHandoff) return 'handoff';
    throw new Error(`L7 call at byte ${offset} has direction ${code}, which this agent does not know`);
  }

  private path(buffer: Buffer, at: number, end: number): KernelPath {
    const p = this.layout.l7Path;
    if (end - at < p.size) throw new Error(`L7 path record at byte ${at} has no hash`);
    return { hash: buffer.readBigUInt64LE(at + p.hash), text: buffer.toString('latin1', at + p.size, end) };
  }

  private handoff(buffer: Buffer, at: number, end: number): KernelHandoff {
    const h = this.layout.l7Handoff;
    if (end - at < h.size) throw new Error(`L7 handoff record at byte ${at} is ${end - at} bytes, not ${h.size}`);
    const role = buffer.readUInt8(at + h.role);
    if (role !== this.layout.roles.client && role !== this.layout.roles.server) throw new Error(`L7 handoff record at byte ${at} has role ${role}`);
    return {
      startNs: buffer.readBigUInt64LE(at + h.start_ns),
      pathHash: buffer.readBigUInt64LE(at + h.path_hash),
      method: this.methods.nameOf(buffer.readUInt8(at + h.method)),
      role: role === this.layout.roles.client ? 'client' : 'server',
      bodyRemaining: Number(buffer.readBigUInt64LE(at + h.body_remaining)),
    };
  }

  private peer(buffer: Buffer, at: number): UdpFlowPeer {
    const p = this.layout.dnsUdpPeer;
    const familyRaw = buffer.readUInt8(at + p.family);
    const local = this.addresses.format(buffer, at + p.saddr, familyRaw);
    const remote = this.addresses.format(buffer, at + p.daddr, familyRaw);
    return {
      family: local.family === 4 && remote.family === 4 ? 4 : 6,
      saddr: local.text,
      sport: buffer.readUInt16LE(at + p.sport),
      daddr: remote.text,
      dport: buffer.readUInt16LE(at + p.dport),
      netns: buffer.readUInt32LE(at + p.netns),
      cgroupId: buffer.readBigUInt64LE(at + p.cgroup_id),
      comm: commText(buffer, at + p.comm),
    };
  }
}
