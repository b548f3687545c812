import type { RecordLayout } from '@weft/native';
import { HttpMethodIds } from './httpMethodIds.js';
import type { HistogramBucket, L7Aggregate } from './l7Aggregate.js';
import { SocketIdCache } from './socketIdCache.js';

/** Decodes drainL7Aggregates' records (native/lib/index.d.ts, layout.l7Aggregate). */
export class L7AggregateDecoder {
  private readonly methods: HttpMethodIds;
  private readonly socketIds = new SocketIdCache();

  constructor(private readonly layout: RecordLayout) {
    this.methods = new HttpMethodIds(layout);
  }

  decode(buffer: Buffer): L7Aggregate[] {
    const a = this.layout.l7Aggregate;
    const out: L7Aggregate[] = [];
    let offset = 0;
    while (offset < buffer.length) {
      if (offset + a.headerSize > buffer.length) throw new Error(`L7 aggregate buffer ends inside a record header at byte ${offset}`);
      const bucketCount = buffer.readUInt8(offset + 31);
      const end = offset + a.headerSize + bucketCount * 8;
      if (end > buffer.length) throw new Error(`L7 aggregate at byte ${offset} claims ${bucketCount} buckets past the buffer's end`);
      const buckets: HistogramBucket[] = [];
      for (let at = offset + a.headerSize; at < end; at += 8) {
        const index = buffer.readUInt32LE(at);
        if (index >= a.bucketCount) throw new Error(`L7 aggregate at byte ${offset} has bucket ${index} of ${a.bucketCount}`);
        buckets.push({ index, count: buffer.readUInt32LE(at + 4) });
      }
      out.push({
        socketId: this.socketIds.idOf(buffer, offset, offset + 8),
        pathHash: buffer.readBigUInt64LE(offset + 16),
        count: buffer.readUInt32LE(offset + 24),
        status: buffer.readUInt16LE(offset + 28),
        method: this.methods.nameOf(buffer.readUInt8(offset + 30)),
        buckets,
      });
      offset = end;
    }
    return out;
  }
}
