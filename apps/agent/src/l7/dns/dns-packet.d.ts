// The part of dns-packet (no types of its own; @types/dns-packet omits the
// per-record decoders) that dnsMessage.ts uses.
declare module 'dns-packet' {
  interface RecordDecoder<T> {
    (buf: Buffer, offset?: number): T;
    /** Bytes the last decode read. */
    bytes: number;
  }
  interface Packet {
    type: 'query' | 'response';
    id?: number;
    flags?: number;
    questions?: Array<{ name: string; type: string; class?: string }>;
    answers?: Array<{ name: string; type: string; ttl?: number; class?: string; data: unknown }>;
  }
  const dnsPacket: {
    /** A question: its name (no trailing dot), type name (`A`, `AAAA`, `UNKNOWN_<n>`) and class. */
    question: { decode: RecordDecoder<{ name: string; type: string; class: string }> };
    /** A resource record; data is the address text of A/AAAA, the target of CNAME. */
    answer: { decode: RecordDecoder<{ name: string; type: string; ttl?: number; data?: unknown }> };
    /** For the specs' messages. */
    encode(packet: Packet): Buffer;
  };
  export default dnsPacket;
}
