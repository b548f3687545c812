import dnsPacket from 'dns-packet';

/**
 * DNS messages as the kernel copies them: a datagram's first bytes (or a TCP
 * message's, after its length), possibly cut short. The 12-byte header is
 * read here (id, QR, TC, rcode and the counts); the question and the answer
 * records through dns-packet, a well-kept library without install scripts
 * that handles name compression and every record type, one record at a time,
 * so that a message cut inside its answers still gives the records before
 * the cut (dns-packet's whole-message decode throws on a cut message).
 */

export const DNS_HEADER_BYTES = 12;

export interface DnsQuestion {
  /** Lower case, no trailing dot; '' for the root. */
  name: string;
  /** Type name (`A`, `AAAA`, `PTR`, ...; `UNKNOWN_<n>` for one dns-packet does not name). */
  type: string;
}

/** An answer that names an address: A or AAAA (`address`), or a CNAME on the way to one (`target`). */
export interface DnsAnswer {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  /** The address (A/AAAA) or the canonical name (CNAME). */
  data: string;
  ttlSeconds: number;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  /** The response code (RFC 1035 and 6895; 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED). */
  rcode: number;
  /** TC: the server truncated its response (the client asks again over TCP). */
  truncated: boolean;
  /** The first question; null when the message has none or it was cut. */
  question: DnsQuestion | null;
  answers: DnsAnswer[];
}

const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
};

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

/** The message in `bytes`, as far as they hold it; null when they do not hold its header. */
export function parseDnsMessage(bytes: Buffer): DnsMessage | null {
  if (bytes.length < DNS_HEADER_BYTES) return null;
  const flags = bytes.readUInt16BE(2);
  const message: DnsMessage = {
    id: bytes.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    rcode: flags & 0x000f,
    truncated: (flags & 0x0200) !== 0,
    question: null,
    answers: [],
  };
  const questions = bytes.readUInt16BE(4);
  const answers = bytes.readUInt16BE(6);
  let offset = DNS_HEADER_BYTES;
  try {
    for (let i = 0; i < questions; i++) {
      const q = dnsPacket.question.decode(bytes, offset);
      offset += dnsPacket.question.decode.bytes;
      if (i === 0) message.question = { name: q.name.toLowerCase(), type: q.type };
    }
    if (!message.response) return message;
    for (let i = 0; i < answers; i++) {
      const a = dnsPacket.answer.decode(bytes, offset);
      offset += dnsPacket.answer.decode.bytes;
      if ((a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') && typeof a.data === 'string') {
        message.answers.push({ name: a.name.toLowerCase(), type: a.type, data: a.type === 'CNAME' ? a.data.toLowerCase() : a.data, ttlSeconds: a.ttl ?? 0 });
      }
    }
  } catch {
    // Cut (or malformed) from here: what was read before stands.
  }
  return message;
}
