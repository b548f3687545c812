/** The request protocols (L7) as the API names them, and the one protocol an edge's requests were seen in. */
import type { RequestProtocolName } from '@weft/store';

/** Every protocol the store knows, in its bit order. */
export const REQUEST_PROTOCOLS = ['http1', 'http2', 'grpc', 'dns'] as const satisfies readonly RequestProtocolName[];

// Every protocol the store knows is listed (the satisfies above checks the other way).
type Missing = Exclude<RequestProtocolName, (typeof REQUEST_PROTOCOLS)[number]>;
const none: [Missing] extends [never] ? true : false = true;
void none;

/** An edge's `protocol`: one of REQUEST_PROTOCOLS, or `mixed` for requests of several. */
export const EDGE_PROTOCOLS = [...REQUEST_PROTOCOLS, 'mixed'] as const;
export type EdgeProtocol = (typeof EDGE_PROTOCOLS)[number];

/** The protocol of requests seen in `protocols`: the one, `mixed` for several, null for none (no requests). */
export function edgeProtocol(protocols: readonly RequestProtocolName[]): EdgeProtocol | null {
  if (protocols.length === 0) return null;
  if (protocols.length > 1) return 'mixed';
  return protocols[0]!;
}
