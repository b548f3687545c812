import type { KernelEvent, SocketRecord } from '../kernel/socketRecord.js';
import type { ConnectionDelta } from './connectionDelta.js';

interface TrackedSocket {
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  openReported: boolean;
  connectFailedReported: boolean;
  /** Intervals in a row the socket was missing from the map without a close event. */
  missing: number;
}

export interface TrackerStats {
  tracked: number;
  /** Sockets that left the map without a close event (ring buffer drop). */
  lostCloses: number;
}

/**
 * Turns kernel totals into per-interval deltas. Sources per interval: the
 * close events (final totals of sockets that are gone, however short-lived)
 * and one read of the socket map. The kernel deletes an entry before it
 * submits the close event, so a socket is never counted from both.
 */
export class ConnectionTracker {
  private readonly sockets = new Map<string, TrackedSocket>();
  // Ids closed recently: a map read racing with the close must not revive them.
  private closedRecently = new Set<string>();
  private closedBefore = new Set<string>();
  private lostCloses = 0;

  constructor(private readonly missingLimit = 3) {}

  /**
   * One interval: `events` in ring-buffer order (drained before `snapshot`
   * was read; only close events matter here), `snapshot` every live entry. Returns the sockets that did
   * something; idle ones are skipped.
   */
  advance(events: readonly KernelEvent[], snapshot: readonly SocketRecord[]): ConnectionDelta[] {
    const deltas: ConnectionDelta[] = [];

    for (const event of events) {
      if (event.type === 'close') {
        const delta = this.observe(event.socket, true);
        this.sockets.delete(event.socket.id);
        this.closedRecently.add(event.socket.id);
        if (delta) deltas.push(delta);
      }
    }

    const seen = new Set<string>();
    for (const record of snapshot) {
      if (this.closedRecently.has(record.id) || this.closedBefore.has(record.id)) continue;
      seen.add(record.id);
      const delta = this.observe(record, false);
      if (delta) deltas.push(delta);
    }

    for (const [id, tracked] of this.sockets) {
      if (seen.has(id)) {
        tracked.missing = 0;
      } else if (++tracked.missing > this.missingLimit) {
        this.sockets.delete(id);
        this.lostCloses++;
      }
    }
    // Two generations are enough: a stale read is at most one interval old.
    this.closedBefore = this.closedRecently;
    this.closedRecently = new Set();
    return deltas;
  }

  stats(): TrackerStats {
    return { tracked: this.sockets.size, lostCloses: this.lostCloses };
  }

  private observe(record: SocketRecord, closed: boolean): ConnectionDelta | null {
    let tracked = this.sockets.get(record.id);
    if (tracked === undefined) {
      // Entries start at zero when made, and the map is ours: all of it is new.
      tracked = {
        bytesSent: 0,
        bytesReceived: 0,
        retransmits: 0,
        resetsSent: 0,
        resetsReceived: 0,
        openReported: false,
        connectFailedReported: false,
        missing: 0,
      };
      this.sockets.set(record.id, tracked);
    }
    const delta: ConnectionDelta = {
      socket: record,
      bytesSent: Math.max(0, record.bytesSent - tracked.bytesSent),
      bytesReceived: Math.max(0, record.bytesReceived - tracked.bytesReceived),
      retransmits: Math.max(0, record.retransmits - tracked.retransmits),
      resetsSent: Math.max(0, record.resetsSent - tracked.resetsSent),
      resetsReceived: Math.max(0, record.resetsReceived - tracked.resetsReceived),
      // Only handshakes we saw: a socket that predates the agent was not opened now.
      opened: !tracked.openReported && record.seenOpen && record.established,
      closed,
      connectFailed: record.connectFailed && !tracked.connectFailedReported,
    };
    tracked.bytesSent = Math.max(tracked.bytesSent, record.bytesSent);
    tracked.bytesReceived = Math.max(tracked.bytesReceived, record.bytesReceived);
    tracked.retransmits = Math.max(tracked.retransmits, record.retransmits);
    tracked.resetsSent = Math.max(tracked.resetsSent, record.resetsSent);
    tracked.resetsReceived = Math.max(tracked.resetsReceived, record.resetsReceived);

    const active =
      delta.bytesSent > 0 ||
      delta.bytesReceived > 0 ||
      delta.retransmits > 0 ||
      delta.resetsSent > 0 ||
      delta.resetsReceived > 0 ||
      delta.opened ||
      delta.closed ||
      delta.connectFailed;
    if (!active) return null;
    if (delta.opened) tracked.openReported = true;
    if (delta.connectFailed) tracked.connectFailedReported = true;
    return delta;
  }
}
