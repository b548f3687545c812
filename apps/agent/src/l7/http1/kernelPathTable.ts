/**
 * The request paths the kernel named by hash (WEFT_L7_PATH records), for
 * its aggregates: at most `maxPaths`, the least recently used forgotten
 * first (counted). The kernel sends a path again only once it forgot it
 * itself (its LRU holds fewer), so this one holds more.
 */
export class KernelPathTable {
  private readonly paths = new Map<bigint, string>();
  private evictionCount = 0;

  constructor(private readonly maxPaths: number) {
    if (!Number.isInteger(maxPaths) || maxPaths < 1) throw new Error(`maxPaths must be a positive integer, got ${maxPaths}`);
  }

  learn(hash: bigint, text: string): void {
    this.paths.delete(hash);
    if (this.paths.size >= this.maxPaths) {
      const oldest = this.paths.keys().next().value;
      if (oldest !== undefined) this.paths.delete(oldest);
      this.evictionCount += 1;
    }
    this.paths.set(hash, text);
  }

  /** The path of `hash`, or undefined when it never came or was forgotten. */
  textOf(hash: bigint): string | undefined {
    const text = this.paths.get(hash);
    if (text !== undefined) {
      // Used: to the end, so the first entry is the least recently used.
      this.paths.delete(hash);
      this.paths.set(hash, text);
    }
    return text;
  }

  get size(): number {
    return this.paths.size;
  }

  /** Paths forgotten because the table was full. */
  get evictions(): number {
    return this.evictionCount;
  }
}
