/** Ids remembered at most; past it the cache starts over (only a cost, never a wrong id). */
const MAX_IDS = 65_536;

interface KnownId {
  /** The four 32-bit words of sk and created_ns, compared in full: the key is only a hash of them. */
  skLow: number;
  skHigh: number;
  createdLow: number;
  createdHigh: number;
  id: string;
}

/**
 * The socket id (`<sk hex>-<created ns>`, as SocketRecord.id) of a record's
 * sk and created_ns, remembered by those 16 bytes: a connection's calls come
 * thousands of times a second, and building the id from two BigInts each
 * time cost more than parsing the call. Looked up by a number mixed from the
 * words (no string made per call), confirmed against all four; the same
 * string object comes back each time, so the maps keyed by it hash it once.
 */
export class SocketIdCache {
  private readonly ids = new Map<number, KnownId>();

  /** sk at `skAt`, created_ns at `createdAt` (both little-endian u64). */
  idOf(buffer: Buffer, skAt: number, createdAt: number): string {
    const skLow = buffer.readUInt32LE(skAt);
    const skHigh = buffer.readUInt32LE(skAt + 4);
    const createdLow = buffer.readUInt32LE(createdAt);
    const createdHigh = buffer.readUInt32LE(createdAt + 4);
    // Sockets are 8-byte aligned and a connection's created_ns moves in its
    // low word: those two words tell nearly every socket apart.
    const key = (skLow >>> 3) * 0x100000 + (createdLow & 0xfffff);
    const known = this.ids.get(key);
    if (known && known.skLow === skLow && known.skHigh === skHigh && known.createdLow === createdLow && known.createdHigh === createdHigh) {
      return known.id;
    }
    const id = `${buffer.readBigUInt64LE(skAt).toString(16)}-${buffer.readBigUInt64LE(createdAt)}`;
    // A colliding socket takes the slot: the other is built again when it comes.
    if (!known && this.ids.size >= MAX_IDS) this.ids.clear();
    this.ids.set(key, { skLow, skHigh, createdLow, createdHigh, id });
    return id;
  }
}
