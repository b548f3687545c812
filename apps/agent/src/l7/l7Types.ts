/** The protocol a request was parsed as: gRPC is HTTP/2 whose request says `content-type: application/grpc`; dns a query and its response. */
export type RequestProtocol = 'http1' | 'http2' | 'grpc' | 'dns';

/**
 * How a request ended, as the tracker counts it: `error` (HTTP 5xx, gRPC non-OK,
 * a reset stream, no response before the connection closed), `client_error`
 * (HTTP 4xx, counted apart), or `unknown` when the parser could not read the
 * outcome (HTTP/2 whose HPACK state was lost): counted as a request, neither.
 */
export type RequestOutcome = 'ok' | 'error' | 'client_error' | 'unknown';

/** What the L7 parsers hand the request tracker: one request, answered or not. */
export interface CompletedRequest {
  protocol: RequestProtocol;
  /** Upper-case method; `OTHER` for one outside the known set, `UNKNOWN` when it could not be read. */
  method: string;
  /** Route template (see http1/routeTemplate.ts; DNS: the query name, see dns/dnsRoute.ts); UNKNOWN_ROUTE when it could not be read. */
  route: string;
  /** Final HTTP status (DNS: the response code); null when the connection ended before a response, or it could not be read. */
  status: number | null;
  outcome: RequestOutcome;
  /** From the request's first byte to the response's last, microseconds; null when unanswered. */
  durationUs: number | null;
}

/** Method and route of a request whose headers could not be decoded (state lost): reported, not guessed. */
export const UNKNOWN_METHOD = 'UNKNOWN';
export const UNKNOWN_ROUTE = '{unknown}';

/** The outcome of an HTTP response by its status (null: none came). */
export function httpOutcome(status: number | null): RequestOutcome {
  if (status === null || status >= 500) return 'error';
  return status >= 400 ? 'client_error' : 'ok';
}

/**
 * What one send or receive gave us: its length, the first bytes of its
 * buffer (head), its last bytes (tail), and when it returned. A gap call's
 * bytes were not readable (sendfile, io_uring): its length only.
 */
export interface CallBytes {
  length: number;
  head: Buffer;
  tail: Buffer;
  tsNs: bigint;
  gap: boolean;
}

/** A call as a connection's parser takes it: its bytes and whether the connection predates the agent. */
export interface ParsedCall extends CallBytes {
  predates: boolean;
}

/** One connection's parser, whatever its protocol. */
export interface L7Stream {
  push(direction: 'send' | 'recv', call: ParsedCall): void;
  /** Calls of the connection were lost: what was waiting is given up (counted), parsing resumes where it can. */
  lose(): void;
  /** The connection closed. */
  close(): void;
  /** Gives up the requests that waited longer than the protocol's bound (DNS: queries unanswered), at ktime `nowNs`. */
  expire?(nowNs: bigint): void;
}

/** Counters a parser keeps about what it could not follow; the agent exports them. */
export interface ParserCounters {
  /** Calls that did not start where a message was expected, so the stream lost its framing until the next message start. */
  desyncs: number;
  /** Responses with no request waiting for them (a connection joined mid-exchange). */
  orphanResponses: number;
  /** Requests dropped from a full pipeline queue. */
  pipelineOverflows: number;
  /** Responses whose headers ran past what the kernel copied: ended at that call, not at their last byte. */
  headersUnseen: number;
  /** Connections that switched protocol (101, CONNECT) and are no longer parsed. */
  upgrades: number;
  /** Requests given up on because calls of their connection were lost (their outcome is unknown: not counted). */
  requestsLost: number;
  /** HTTP/2: a frame header fell outside the copied bytes (or made no sense), so that direction lost its framing. */
  framingLost: number;
  /** HTTP/2: the framing of a direction found again at a call that is whole frames. */
  framingResyncs: number;
  /** HTTP/2: a direction's HPACK state given up (a header block not copied whole, not decodable, or framing lost). */
  hpackLost: number;
  /** HTTP/2: streams given up because a connection had too many open (their outcome is unknown: not counted). */
  streamOverflows: number;
  /** Requests reported with what could not be read left unknown (method and route, or outcome): HTTP/2 without HPACK state. */
  stateUnknown: number;
  /** DNS: queries unanswered within the timeout (reported as errors). */
  dnsTimeouts: number;
  /** DNS: messages too short or malformed to read a header from (a gap's, or another protocol on port 53). */
  dnsMalformed: number;
  /** DNS: queries not waited for because their socket already had the bound of queries waiting (their answers are orphans). */
  dnsPendingOverflows: number;
  /** DNS: a query sent again with the id of one still waiting (a retry): one request, timed from its first send. */
  dnsRetransmits: number;
}

export function emptyParserCounters(): ParserCounters {
  return {
    desyncs: 0, orphanResponses: 0, pipelineOverflows: 0, headersUnseen: 0, upgrades: 0, requestsLost: 0,
    framingLost: 0, framingResyncs: 0, hpackLost: 0, streamOverflows: 0, stateUnknown: 0,
    dnsTimeouts: 0, dnsMalformed: 0, dnsPendingOverflows: 0, dnsRetransmits: 0,
  };
}
