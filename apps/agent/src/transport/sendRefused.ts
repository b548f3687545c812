/**
 * The far end refused this agent's key: the ingest said UNAUTHENTICATED (no key, an unknown
 * or revoked one) or PERMISSION_DENIED (a key without the ingest scope). Sending again at once
 * would be refused again: the queue keeps the batches and backs off (see QueuedBatchSink).
 */
export class SendRefused extends Error {
  constructor(
    readonly why: 'unauthenticated' | 'permission_denied',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SendRefused';
  }
}
