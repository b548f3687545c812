import { httpOutcome, type RequestOutcome } from '../l7Types.js';

/** gRPC is HTTP/2 with this content type (`application/grpc`, `+proto`, `;...`); gRPC-Web (trailers in the body) is not. */
const GRPC_CONTENT_TYPE = /^application\/grpc(?:$|[+;])/;

export function isGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && GRPC_CONTENT_TYPE.test(contentType);
}

/** What a stream's response said, as far as it could be read. */
export interface ResponseState {
  grpc: boolean;
  /** The final `:status`; null when none was read. */
  status: number | null;
  /** `grpc-status` from the trailers (or a trailers-only response); null when none was read. */
  grpcStatus: number | null;
  /** A response header block could not be decoded (HPACK state lost). */
  unreadable: boolean;
}

/**
 * How a stream that ended normally came out: HTTP 5xx an error, 4xx a client
 * error; gRPC by its grpc-status (non-zero an error, as a non-200 status or
 * a missing grpc-status is, which gRPC clients also fail on). What could not
 * be read is `unknown`, never guessed.
 */
export function streamOutcome(r: ResponseState): RequestOutcome {
  if (r.grpc) {
    if (r.grpcStatus !== null) return r.grpcStatus === 0 && (r.status === null || r.status === 200) ? 'ok' : 'error';
    if (r.unreadable) return 'unknown';
    return 'error';
  }
  if (r.status !== null) return httpOutcome(r.status);
  return r.unreadable ? 'unknown' : 'error';
}

/** A header value as a status code, or null when it is not one. */
export function statusCode(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,3}$/.test(value)) return null;
  return Number(value);
}
