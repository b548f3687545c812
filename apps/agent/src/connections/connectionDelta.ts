import type { SocketRecord } from '../kernel/socketRecord.js';

/** What one socket did during one interval: counter deltas plus its latest state. */
export interface ConnectionDelta {
  socket: SocketRecord;
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Its handshake completed (or failed) during this interval. */
  opened: boolean;
  closed: boolean;
  /** First report of a refused or timed-out connect. */
  connectFailed: boolean;
}
