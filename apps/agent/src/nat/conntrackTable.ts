import type { ConntrackEvent, ConntrackFlow } from '@weft/native';

export interface NatTranslation {
  daddr: string;
  dport: number;
}

interface FlowEntry {
  translation: NatTranslation;
  /** Set when conntrack destroyed the flow; kept a while for late lookups. */
  destroyedAt: number | null;
}

/**
 * Destination NAT seen by conntrack, keyed by the tuple the client sent
 * (client ip:port -> VIP:port). The reply tuple's source is the backend that
 * actually answered. Only translated flows are kept. Destroyed flows linger
 * for `graceMs`: a short connection's close is reported after conntrack may
 * already have forgotten it. Bounded: beyond `maxFlows` the oldest go.
 */
export class ConntrackTable {
  private readonly flows = new Map<string, FlowEntry>();
  private evicted = 0;
  private revived = 0;

  constructor(
    private readonly maxFlows = 262_144,
    private readonly graceMs = 30_000,
  ) {}

  static key(saddr: string, sport: number, daddr: string, dport: number): string {
    return `${saddr}|${sport}|${daddr}|${dport}`;
  }

  load(flows: readonly ConntrackFlow[]): void {
    for (const flow of flows) this.upsert(flow);
  }

  apply(events: readonly ConntrackEvent[], now = Date.now()): void {
    for (const event of events) {
      if (event.type === 'destroy') {
        const entry = this.flows.get(ConntrackTable.key(event.origSrc, event.origSrcPort, event.origDst, event.origDstPort));
        if (entry) entry.destroyedAt = now;
      } else {
        this.upsert(event);
      }
    }
  }

  /**
   * The real destination of a socket that dialled (daddr, dport), or null when untranslated.
   * `open`: the socket is still open. A flow destroyed while a socket of its tuple is open was
   * the tuple's previous connection: a client port reused at once for the same VIP (the server
   * closed first, so the client holds no TIME_WAIT) makes conntrack replace the old flow, and its
   * destroy can arrive after the new flow's NEW. Without this the open connection's flow would
   * expire with the old one's grace, and its later rows would lose their backend.
   */
  lookup(saddr: string, sport: number, daddr: string, dport: number, open = false): NatTranslation | null {
    const entry = this.flows.get(ConntrackTable.key(saddr, sport, daddr, dport));
    if (entry === undefined) return null;
    if (open && entry.destroyedAt !== null) {
      entry.destroyedAt = null;
      this.revived++;
    }
    return entry.translation;
  }

  /** Destroyed flows a lookup for an open socket kept (see lookup). */
  get revivals(): number {
    return this.revived;
  }

  /** Drops flows destroyed longer than the grace period ago. */
  expire(now = Date.now()): void {
    for (const [key, entry] of this.flows) {
      if (entry.destroyedAt !== null && now - entry.destroyedAt > this.graceMs) this.flows.delete(key);
    }
  }

  get size(): number {
    return this.flows.size;
  }

  get evictions(): number {
    return this.evicted;
  }

  private upsert(flow: ConntrackFlow): void {
    if (flow.replySrc === flow.origDst && flow.replySrcPort === flow.origDstPort) return;
    const key = ConntrackTable.key(flow.origSrc, flow.origSrcPort, flow.origDst, flow.origDstPort);
    this.flows.delete(key);
    this.flows.set(key, { translation: { daddr: flow.replySrc, dport: flow.replySrcPort }, destroyedAt: null });
    if (this.flows.size > this.maxFlows) {
      const oldest = this.flows.keys().next().value;
      if (oldest !== undefined) {
        this.flows.delete(oldest);
        this.evicted++;
      }
    }
  }
}
