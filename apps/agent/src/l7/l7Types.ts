/** What the L7 parsers hand the request tracker: one request, answered or not. */
export interface CompletedRequest {
  protocol: 'http1';
  /** Upper-case method; `OTHER` for one outside the known set. */
  method: string;
  /** Route template (see http1/routeTemplate.ts). */
  route: string;
  /** Final status; null when the connection ended before a response. */
  status: number | null;
  /** From the request's first byte to the response's last, microseconds; null when unanswered. */
  durationUs: number | null;
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
}

export function emptyParserCounters(): ParserCounters {
  return { desyncs: 0, orphanResponses: 0, pipelineOverflows: 0, headersUnseen: 0, upgrades: 0, requestsLost: 0 };
}
