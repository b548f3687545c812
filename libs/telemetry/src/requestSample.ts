import type { RequestSampleProtocol } from './requestProtocol.js';

/**
 * The L7 requests of one (protocol, method, route template) on one connection end in one
 * interval, after decoding (a ConnectionSample carries a list of them). Counts are deltas for the
 * interval.
 */
export interface RequestSample {
  protocol: RequestSampleProtocol;
  /** Upper-case method; `OTHER` for one outside the known set, `UNKNOWN` when the agent could not read it. */
  method: string;
  /** Route template (`/users/{n}`), resolved from the batch's route table. */
  route: string;
  /** Requests whose response ended in the interval (or that ended without one). */
  requests: number;
  /** Server errors among them: 5xx, gRPC non-OK, reset streams, and requests the connection closed on unanswered. */
  errors: number;
  /** Client errors among them: 4xx, counted apart from errors. */
  clientErrors: number;
  /** One duration per request (first byte to the response's last), microseconds; at most MAX_REQUEST_DURATIONS. */
  durationsUs: number[];
}

/**
 * Durations one request group carries at most on the wire (a bound on the batch; `requests`
 * counts them all). The encoder keeps the first this many, the decoder refuses more. The agent
 * samples at most as many (MAX_DURATION_SAMPLES in apps/agent's connectionRow.ts).
 */
export const MAX_REQUEST_DURATIONS = 1024;

/** Microseconds above this do not fit the wire's (and the store's) UInt32: clamped, about 71 minutes. */
export const MAX_DURATION_US = 0xffff_ffff;

/** The agent's request row (`weft agent --json`: snake_case, the public format), structurally. */
export interface AgentRequestInput {
  protocol: RequestSampleProtocol;
  method: string;
  route: string;
  requests: number;
  errors: number;
  client_errors: number;
  durations_us: readonly number[];
}

/** The agent's request rows as samples: at most MAX_REQUEST_DURATIONS durations each, clamped to UInt32. */
export function requestSamplesOf(rows: readonly AgentRequestInput[]): RequestSample[] {
  return rows.map((r) => ({
    protocol: r.protocol,
    method: r.method,
    route: r.route,
    requests: r.requests,
    errors: r.errors,
    clientErrors: r.client_errors,
    durationsUs: boundedDurations(r.durations_us),
  }));
}

/** At most MAX_REQUEST_DURATIONS of `durations`, each clamped to 0..MAX_DURATION_US whole microseconds. */
export function boundedDurations(durations: readonly number[]): number[] {
  const n = Math.min(durations.length, MAX_REQUEST_DURATIONS);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const us = Math.round(durations[i] as number);
    out[i] = us > 0 ? Math.min(us, MAX_DURATION_US) : 0; // NaN too: 0
  }
  return out;
}
