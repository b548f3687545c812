// DNS messages for the specs (not used by the agent).
import dnsPacket from 'dns-packet';

export function query(id: number, name: string, type = 'A'): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: 0x0100, questions: [{ name, type }] });
}

/** A response with rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED) and these answers. */
export function response(
  id: number,
  name: string,
  rcode = 0,
  answers: Array<{ name?: string; type: 'A' | 'AAAA' | 'CNAME'; data: string; ttl?: number }> = [],
  type = 'A',
): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: 0x8180 | rcode,
    questions: [{ name, type }],
    answers: answers.map((a) => ({ name: a.name ?? name, type: a.type, ttl: a.ttl ?? 60, class: 'IN', data: a.data })),
  });
}

/** A message as DNS over TCP sends it: its 2-byte length first. */
export function framed(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}
