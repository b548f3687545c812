/**
 * The request protocols the store knows, and the bit of each in a row's `request_protocols`
 * (OR'ed over rows at every tier). A bit, once stored, keeps its meaning: a protocol added later
 * takes the next one.
 */
export const PROTOCOL_BITS = { http1: 1, http2: 2, grpc: 4, dns: 8 } as const;
export type RequestProtocolName = keyof typeof PROTOCOL_BITS;
export const REQUEST_PROTOCOLS = Object.keys(PROTOCOL_BITS) as RequestProtocolName[];

/** The protocols of a request_protocols bitmask, in bit order. */
export function protocolsOfBits(bits: number): RequestProtocolName[] {
  return REQUEST_PROTOCOLS.filter((p) => (bits & PROTOCOL_BITS[p]) !== 0);
}
