// hpack.js (Fedor Indutny's, as used by spdy): chosen as the HPACK decoder
// because it is the most used plain-JS one on npm (tens of millions of
// downloads a month), checked against the shared hpack-test-case corpus,
// has no install script, and reports a malformed block as an error rather
// than skipping fields; the only other stand-alone one (`hpack`) drops a bad
// index silently. Node's own HPACK lives inside nghttp2 and is not exposed.
import hpack from 'hpack.js';

/** The HPACK dynamic table size every decoder starts with (RFC 9113 SETTINGS_HEADER_TABLE_SIZE's initial value). */
export const DEFAULT_TABLE_SIZE = 4096;
/** The largest table a decoder keeps, whatever a peer allows (bounded memory): an encoder that uses more loses the state. */
export const MAX_TABLE_SIZE = 65_536;

/**
 * One direction's HPACK decoding context: blocks must come in the order they
 * were sent, all of them, for its dynamic table to match the encoder's. A
 * block that does not decode leaves the table unusable: the caller gives the
 * decoder up.
 */
export class HpackBlockDecoder {
  private readonly decompressor;
  private failure: Error | null = null;

  /**
   * `maxTableSize`: the largest table the receiving end allows; the table
   * starts there rather than at 4096, which only keeps entries the encoder
   * has evicted (never referenced again) for a while.
   */
  constructor(maxTableSize: number) {
    this.decompressor = hpack.decompressor.create({ table: { maxSize: Math.min(Math.max(maxTableSize, 0), MAX_TABLE_SIZE) } });
    this.decompressor.on('error', (err) => {
      this.failure = err;
    });
  }

  /** The fields of one header block, or null when it does not decode. */
  decode(block: Buffer): Array<[string, string]> | null {
    if (this.failure) return null;
    this.decompressor.write(block);
    this.decompressor.execute();
    const fields: Array<[string, string]> = [];
    for (let field = this.decompressor.read(); field !== null; field = this.decompressor.read()) fields.push([field.name, field.value]);
    return this.failure ? null : fields;
  }
}
