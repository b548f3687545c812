// The part of hpack.js (no types of its own) that hpackBlockDecoder.ts uses.
declare module 'hpack.js' {
  interface HeaderField {
    name: string;
    value: string;
    neverIndex: boolean;
  }
  interface Decompressor {
    write(block: Buffer): boolean;
    /** Decodes what was written; a failure is emitted as 'error' (thrown when nothing listens). */
    execute(): void;
    read(): HeaderField | null;
    on(event: 'error', listener: (err: Error) => void): this;
  }
  const hpack: {
    decompressor: { create(options: { table: { maxSize: number } }): Decompressor };
    compressor: {
      create(options: { table: { maxSize: number } }): {
        write(fields: Array<{ name: string; value: string }>): boolean;
        read(): Buffer | null;
      };
    };
  };
  export default hpack;
}
