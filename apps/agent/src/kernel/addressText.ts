import ipaddr from 'ipaddr.js';

const AF_INET = 2;

/** An address as the kernel records hold it, as text, and its family (an IPv4-mapped IPv6 address is IPv4). */
export interface AddressText {
  text: string;
  family: 4 | 6;
}

/**
 * Formats the 4- or 16-byte addresses of the kernel's records. Formatting is
 * the costliest step of decoding and records repeat few addresses, so the
 * texts are cached (bounded: cleared when full).
 */
export class AddressFormatter {
  private readonly cache = new Map<string, AddressText>();

  /** The address of family `family` (AF_INET or AF_INET6) at buf[offset]. */
  format(buf: Buffer, offset: number, family: number): AddressText {
    const width = family === AF_INET ? 4 : 16;
    const key = buf.toString('hex', offset, offset + width);
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const parsed = ipaddr.fromByteArray([...buf.subarray(offset, offset + width)]);
      if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
        hit = { text: (parsed as ipaddr.IPv6).toIPv4Address().toString(), family: 4 };
      } else if (parsed.kind() === 'ipv6') {
        hit = { text: (parsed as ipaddr.IPv6).toRFC5952String(), family: 6 };
      } else {
        hit = { text: parsed.toString(), family: 4 };
      }
      if (this.cache.size >= 65536) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }
}

/** A kernel task name (comm: 16 bytes, NUL-terminated unless full) at buf[offset]. */
export function commText(buf: Buffer, offset: number): string {
  const comm = buf.subarray(offset, offset + 16);
  const end = comm.indexOf(0);
  return comm.toString('latin1', 0, end === -1 ? comm.length : end);
}
