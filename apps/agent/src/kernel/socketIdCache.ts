/** Ids remembered at most; past it the cache starts over (only a cost, never a wrong id). */
const MAX_IDS = 65_536;

/**
 * The socket id (`<sk hex>-<created ns>`, as SocketRecord.id) of the 16 bytes
 * of a record's sk and created_ns, remembered by those bytes: a connection's
 * calls come thousands of times a second, and building the id from two
 * BigInts each time cost more than parsing the call. The same string object
 * comes back each time, so the maps keyed by it hash it once.
 */
export class SocketIdCache {
  private readonly ids = new Map<string, string>();

  /** sk at `skAt`, created_ns at `createdAt` (both little-endian u64). */
  idOf(buffer: Buffer, skAt: number, createdAt: number): string {
    // latin1 keeps every byte as one character: the key is exact.
    const key =
      createdAt === skAt + 8
        ? buffer.toString('latin1', skAt, skAt + 16)
        : buffer.toString('latin1', skAt, skAt + 8) + buffer.toString('latin1', createdAt, createdAt + 8);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = `${buffer.readBigUInt64LE(skAt).toString(16)}-${buffer.readBigUInt64LE(createdAt)}`;
      if (this.ids.size >= MAX_IDS) this.ids.clear();
      this.ids.set(key, id);
    }
    return id;
  }
}
